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
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
PYPY = platform.python_implementation() == "PyPy"


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


def sparse_fields(**defaults: object) -> Callable[[type[T]], type[T]]:
    """Class decorator for a slotted class with millions of instances whose fields named in
    `defaults` almost always hold those values. Its `__init__` must write those fields only
    when they differ; reads and later writes are ordinary attribute accesses.

    PyPy: the class is rebuilt without `__slots__`, with `defaults` as class attributes, so an
    instance holds only what was written. PyPy keeps an instance's int fields unboxed in an
    array of 16 bytes plus 8 a field, whether slotted or not; 5 unwritten int fields take a
    fib_alias from 112 bytes to 72. CPython: the slots stay, and `__init__` first writes every
    default (an instance with a dict, sized for the fields other instances wrote, measured
    134 bytes there against 97 slotted).
    """

    def decorate(cls: type[T]) -> type[T]:
        slots = cls.__dict__["__slots__"]
        assert set(defaults) <= set(slots), "defaults name fields the class does not have"
        if PYPY:
            body = {k: v for k, v in cls.__dict__.items()
                    if k not in slots and k not in ("__slots__", "__dict__", "__weakref__")}
            body.update(defaults)
            new: type[T] = type(cls.__name__, cls.__bases__, body)
            new.__qualname__ = cls.__qualname__
            return new
        # CPython: an __init__ that writes every default, then runs the class's own; generated
        # (as dataclasses generates its __init__) because a loop of setattr calls tripled the
        # cost of creating a fib_alias.
        env: dict[str, Any] = {f"default_{name}": v for name, v in defaults.items()}
        env["init"] = cls.__dict__["__init__"]
        exec("def __init__(self, *args):\n"
             + "".join(f"    self.{name} = default_{name}\n" for name in defaults)
             + "    init(self, *args)\n", env)
        env["__init__"].__doc__ = env["init"].__doc__
        cls.__init__ = env["__init__"]  # type: ignore[method-assign]
        return cls

    return decorate


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
# PyPy makes no major collection below PYPY_GC_MIN, by default 8 nurseries (512 MB here), so a
# bulk load's old garbage (the tnodes that inflate replaces) piled up in fresh arenas and left
# them part-empty once collected. At two nurseries the 1,000,000-prefix trie's resident memory
# went from 250 MB to 217 (the peak RSS of `skbuff run` of that script from 567 MB to 490) for
# about 3% more CPU time; 96, 192 and 256 MB measured 237, 191-200 and 205 MB (240, 249-253 and
# 255 MB counting only what malloc_trim cannot return; benchmarks/bench_fib.py).
PYPY_GC_MIN = "128MB"


def pypy_bulk_gc(argv: list[str]) -> None:
    """On PyPy with no PYPY_GC_NURSERY set, restart this process (argv[0] must be the script
    or console-script path) with PYPY_GC_NURSERY and PYPY_GC_MIN (unless set); PyPy reads
    them only at start-up. Returns on CPython or when PYPY_GC_NURSERY is set already; never
    returns otherwise."""
    if not PYPY or "PYPY_GC_NURSERY" in os.environ:
        return
    os.environ["PYPY_GC_NURSERY"] = PYPY_GC_NURSERY
    os.environ.setdefault("PYPY_GC_MIN", PYPY_GC_MIN)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *argv])
