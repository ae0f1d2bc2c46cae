"""Run one script on the real kernel and on skbuff, and compare line by line.

The real side runs each line with bash in network namespaces the harness creates under unique
names (`sbcf<pid>x<n>-<name>`) and always deletes, even on failure. A script may only touch its
own namespaces: every line must be `ip netns add|del|list`, `ip -n NS …` or
`ip netns exec NS CMD …` with CMD one of EXEC_ALLOWED (`cat` of /proc only, `sysctl` without
file loading, `ip`, `ping`, `arping`), or `sleep N`; anything else is refused before it runs,
so a conformance script can never change the host. Runs of `ip -n NS route get` lines share
one `ip -batch` process on the real side (`RealKernel.run_many`).

Comparison per line: exit status, stdout (JSON compared as data), stderr. Only what is truly
random is normalised: MAC addresses the kernel chose (those not written in the script) are
replaced by placeholders numbered in order of appearance, so equal-vs-different structure is
still checked.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

MAC_RE = re.compile(r"\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b")
_counter = itertools.count()


@dataclass
class LineResult:
    status: int
    stdout: str
    stderr: str


class Backend(Protocol):
    def run(self, line: str) -> LineResult: ...

    def close(self) -> None: ...


class ScriptError(ValueError):
    """A conformance script line that the harness refuses to run on the real kernel."""


def split_script(text: str) -> list[tuple[int, str]]:
    """(line number, command) for each non-blank, non-comment line; backslash continuations."""
    out: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not pending:
            start = no
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append((start, line))
    return out


def _netns_target(argv: list[str]) -> tuple[str, str | None]:
    """Classify an `ip` argv: ('netns-admin', name|None), ('in-ns', name) or ('host', None)."""
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        opt = argv[i]
        if opt in ("-n", "-netns", "--netns"):
            return "in-ns", argv[i + 1] if i + 1 < len(argv) else None
        if opt in ("-b", "-batch", "-rc", "-rcvbuf"):
            i += 2
            continue
        i += 1
    rest = argv[i:]
    # iproute2 resolves "n"/"ne" to neighbour; "net" and longer prefixes to netns.
    if rest and "netns".startswith(rest[0]) and len(rest[0]) >= 3:
        if len(rest) >= 3 and rest[1] == "exec":
            return "in-ns", rest[2]
        if len(rest) >= 2 and rest[1] in ("add", "del", "delete"):
            return "netns-admin", rest[2] if len(rest) >= 3 else None
        if len(rest) == 1 or rest[1] in ("list", "show", "ls"):
            return "netns-admin", None
    return "host", None


# Programs `ip netns exec NS …` may run: they act only on the namespace they run in.
# `cat` may read /proc only; nothing may redirect or chain (lines are argv, never shell).
EXEC_ALLOWED = frozenset({"ip", "sysctl", "cat", "ping", "arping"})


def _check_exec(argv: list[str], line: str) -> None:
    """Refuse `ip netns exec NS CMD` unless CMD is a namespace-local read or probe."""
    try:
        cmd = argv[argv.index("exec") + 2:]
    except ValueError:
        return
    if not cmd or cmd[0] not in EXEC_ALLOWED:
        raise ScriptError(f"refusing to exec {cmd[:1]} in a namespace: {line!r}")
    if cmd[0] == "cat" and not all(a.startswith("/proc/") and ".." not in a for a in cmd[1:]):
        raise ScriptError(f"cat may read only /proc: {line!r}")
    if cmd[0] == "sysctl" and any(a.startswith("-p") or a in ("--load", "--system")
                                  for a in cmd[1:]):
        raise ScriptError(f"sysctl may not load files: {line!r}")
    if cmd[0] == "ip":
        _check_exec(cmd, line)


def _batch_key(argv: list[str]) -> str | None:
    """The namespace of an `ip -n NS route get …` line that can share one `ip -batch`."""
    if len(argv) > 5 and argv[:2] == ["ip", "-n"] and argv[3:5] == ["route", "get"]:
        return argv[2]
    return None


class RealKernel:
    """The real kernel, in namespaces this object creates and deletes."""

    def __init__(self) -> None:
        self.prefix = f"sbcf{os.getpid()}x{next(_counter)}-"
        self.names: dict[str, str] = {}

    def _check(self, line: str) -> list[str]:
        argv = shlex.split(line)
        if argv and argv[0] == "sleep":
            return argv
        if not argv or argv[0] != "ip":
            raise ScriptError(f"refusing to run outside a namespace: {line!r}")
        kind, name = _netns_target(argv)
        if kind == "host":
            raise ScriptError(f"refusing to run outside a namespace: {line!r}")
        _check_exec(argv, line)
        if kind == "netns-admin" and name is not None and "add" in argv:
            self.names[name] = self.prefix + name
        elif kind == "in-ns" and name not in self.names:
            # Unknown namespace: keep it unknown on the real side too (gives the real error).
            self.names.setdefault(name or "", self.prefix + (name or ""))
        return argv

    def _to_real(self, argv: list[str]) -> str:
        return " ".join(shlex.quote(self.names.get(a, a)) for a in argv)

    def _from_real(self, text: str) -> str:
        for name, real in sorted(self.names.items(), key=lambda kv: -len(kv[1])):
            text = text.replace(real, name)
        return text

    def run(self, line: str) -> LineResult:
        argv = self._check(line)
        if argv[0] == "sleep":
            time.sleep(float(argv[1]))
            return LineResult(0, "", "")
        cmd = self._to_real(argv)
        if argv[1:3] == ["netns", "list"] or (argv[1:2] == ["netns"] and len(argv) == 2):
            cmd += f" | grep '^{self.prefix}' || true"
        p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=60)
        return LineResult(p.returncode, self._from_real(p.stdout), self._from_real(p.stderr))

    def run_many(self, lines: list[str]) -> list[LineResult]:
        """Run lines in order; consecutive `ip -n NS route get` lines go through one
        `ip -force -batch -` (150x faster than one process each). A batch command that fails
        (or kills the batch, as a bad argument does) is re-run alone for its exact status."""
        out: list[LineResult] = []
        i = 0
        while i < len(lines):
            argv = self._check(lines[i])
            key = _batch_key(argv)
            j = i + 1
            while key is not None and j < len(lines) and _batch_key(shlex.split(lines[j])) == key:
                j += 1
            if j - i < 2:
                out.append(self.run(lines[i]))
            else:
                out += self._batch(key or "", lines[i:j])
            i = j
        return out

    def _batch(self, ns: str, lines: list[str]) -> list[LineResult]:
        real = self.names.get(ns, self.prefix + ns)
        cmds = [" ".join(shlex.quote(a) for a in shlex.split(ln)[3:]) for ln in lines]
        text = "".join(f"{c}\nnetns identify\n" for c in cmds)
        p = subprocess.run(["ip", "-n", real, "-force", "-batch", "-"], input=text,
                           capture_output=True, text=True, timeout=120)
        outs = p.stdout.split(real + "\n")
        errs: dict[int, str] = {}
        pending = ""
        for row in p.stderr.splitlines(keepends=True):
            m = re.match(r"Command failed -:(\d+)$", row.strip())
            if m:
                errs[(int(m.group(1)) - 1) // 2] = pending
                pending = ""
            else:
                pending += row
        done = len(outs) - 1
        results: list[LineResult] = []
        for k, line in enumerate(lines):
            if k >= done or k in errs:
                results.append(self.run(line))
            else:
                results.append(LineResult(0, self._from_real(outs[k]), ""))
        return results

    def close(self) -> None:
        listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
        for row in listing.stdout.splitlines():
            name = row.split()[0] if row.split() else ""
            if name.startswith(self.prefix):
                subprocess.run(["ip", "netns", "del", name], capture_output=True)


class Skbuff:
    """skbuff: one fresh World per script."""

    def __init__(self) -> None:
        from skbuff.sim.world import World

        self.world = World()

    def run(self, line: str) -> LineResult:
        r = self.world.run(line)
        return LineResult(r.status, r.stdout, r.stderr)

    def close(self) -> None:
        pass


@contextmanager
def backend(factory: Callable[[], Backend]) -> Iterator[Backend]:
    b = factory()
    try:
        yield b
    finally:
        b.close()


def _normalize_macs(text: str, keep: set[str], table: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        mac = m.group(0)
        if mac in keep or mac in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):
            return mac
        if mac not in table:
            table[mac] = f"<mac{len(table)}>"
        return table[mac]

    return MAC_RE.sub(sub, text)


def _as_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass
class Mismatch:
    lineno: int
    line: str
    what: str
    real: str
    skbuff: str

    def render(self) -> str:
        return (
            f"line {self.lineno}: {self.line}\n  {self.what} differs\n"
            f"  real kernel: {self.real!r}\n  skbuff:      {self.skbuff!r}"
        )


@dataclass
class Comparison:
    lines: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def render(self) -> str:
        return "\n".join(m.render() for m in self.mismatches) or "all lines match"


def run_lines(b: Backend, lines: list[str]) -> list[LineResult]:
    """All lines on one backend, in order (batched where the backend can batch)."""
    many = getattr(b, "run_many", None)
    if many is not None:
        results: list[LineResult] = many(lines)
        return results
    return [b.run(line) for line in lines]


def compare(
    script: str,
    real: Backend,
    ours: Backend,
    normalize: Callable[[str], str] | None = None,
) -> Comparison:
    """Run `script` on both backends, line by line, and collect every difference."""
    keep = set(MAC_RE.findall(script))
    tables: tuple[dict[str, str], dict[str, str]] = ({}, {})
    result = Comparison()
    numbered = split_script(script)
    lines = [line for _, line in numbered]
    for (lineno, line), a, b in zip(numbered, run_lines(real, lines), run_lines(ours, lines),
                                    strict=True):
        result.lines += 1
        if a.status != b.status:
            result.mismatches.append(Mismatch(lineno, line, "exit status", str(a.status),
                                              str(b.status)))
        for what, x, y in (("stdout", a.stdout, b.stdout), ("stderr", a.stderr, b.stderr)):
            x = _normalize_macs(x, keep, tables[0])
            y = _normalize_macs(y, keep, tables[1])
            if normalize is not None:
                x, y = normalize(x), normalize(y)
            jx, jy = _as_json(x), _as_json(y)
            same = jx == jy if (jx is not None and jy is not None) else x == y
            if not same:
                result.mismatches.append(Mismatch(lineno, line, what, x, y))
    return result


def run_both(script: str, normalize: Callable[[str], str] | None = None) -> Comparison:
    """Compare `script` on the real kernel and on a fresh skbuff World."""
    with backend(RealKernel) as real, backend(Skbuff) as ours:
        return compare(script, real, ours, normalize)
