"""Conformance tests need root and `ip netns`; on CI they must run, never skip silently."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def _netns_usable() -> str | None:
    if os.geteuid() != 0:
        return "not root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    probe = f"sbcfprobe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"cannot create a network namespace: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


@pytest.fixture(scope="session")
def real_kernel_ok() -> None:
    why = _netns_usable()
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"conformance tests cannot run on CI: {why}")
    pytest.skip(f"conformance needs root and network namespaces: {why}")
