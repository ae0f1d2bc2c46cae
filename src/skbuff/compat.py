"""What skbuff needs from Python newer than the oldest runtime it supports (PyPy 3.9).

skbuff runs on CPython 3.11+ (the reference) and on PyPy 3.9+ (the fast runtime, see
docs/runtimes.md). Only what differs between the two lives here.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import platform
import sys
from typing import TypeVar

T = TypeVar("T")


def slotted(cls: type[T]) -> type[T]:
    """Give a dataclass `__slots__` (what `@dataclass(slots=True)` does from Python 3.10).

    Apply it above `@dataclass`. Returns a new class with one slot per field and no
    per-instance `__dict__`; methods must not use zero-argument `super()` (their `__class__`
    cell would name the old class).
    """
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    body = {k: v for k, v in cls.__dict__.items()
            if k not in names and k not in ("__dict__", "__weakref__")}
    body["__slots__"] = names
    new: type[T] = type(cls.__name__, cls.__bases__, body)
    new.__qualname__ = cls.__qualname__
    return new


def gc_set_threshold(*thresholds: int) -> None:
    """gc.set_threshold where the runtime has one (CPython); PyPy's GC sizes itself."""
    setter = getattr(gc, "set_threshold", None)
    if setter is not None:
        setter(*thresholds)


# PyPy's counterpart of CPython's gc thresholds for bulk loads: a nursery large enough that a
# route's short-lived objects (request, config, replaced trie nodes) die young. The default
# (about 1 MB) spends ~45% of a 1,000,000-route trie build in minor collections; 64M measured
# 7.5 s -> 5.4 s for that build and 12 s -> 8 s for benchmarks/bench_batch.py's `ip -batch`.
PYPY_GC_NURSERY = "64M"


def pypy_bulk_gc(argv: list[str]) -> None:
    """On PyPy with no PYPY_GC_NURSERY set, restart this process (argv[0] must be the script
    or console-script path) with PYPY_GC_NURSERY; PyPy reads it only at start-up. Returns
    on CPython or when it is set already; never returns otherwise."""
    if platform.python_implementation() != "PyPy" or "PYPY_GC_NURSERY" in os.environ:
        return
    os.environ["PYPY_GC_NURSERY"] = PYPY_GC_NURSERY
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *argv])
