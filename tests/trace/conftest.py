"""Every journey test must detach its tracer: a tracer left on keeps the stack patched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skbuff.trace import ftrace


@pytest.fixture(autouse=True)
def no_tracer_left_on() -> Iterator[None]:
    yield
    left = [fn.__name__ for fn in ftrace.traceable_functions()
            if fn.__code__.co_name != fn.__name__]
    assert not left, f"journey tracer left attached: {left}"
