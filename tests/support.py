"""Helpers shared by test modules."""

from __future__ import annotations

import os

import pytest


def needs(available: bool, what: str) -> pytest.MarkDecorator:
    """Skip when `what` is missing on a developer machine; on CI (CI set), fail instead.

    CI installs every external tool the suite uses (.ci/run), so a missing one there is a broken
    CI setup, never a reason to pass silently.
    """
    if not available and os.environ.get("CI"):
        pytest.fail(f"CI must provide {what} (.ci/run installs it)", pytrace=False)
    return pytest.mark.skipif(not available, reason=f"needs {what}")
