"""Booting a simulated machine: the kernel core, then the networking initcalls in the kernel's order.

Kernel: init/main.c do_initcalls; net/core/net_namespace.c net_ns_init (init_net exists before
the subsystems register their pernet operations, which then run for it).

Each subsystem contributes one line to `_net_initcalls`, in the order the kernel runs them.
"""

from __future__ import annotations

from skbuff.kernel.kernel import Kernel
from skbuff.net.core.net_namespace import copy_net_ns


def _net_initcalls(k: Kernel) -> None:
    """Run the networking initcalls, kernel order (subsys_initcall, fs_initcall, …)."""


def boot(seed: int = 0, hz: int = 1000, ncpus: int = 2) -> Kernel:
    """A fresh machine: only `init_net`, its `lo` down. Returns the booted `Kernel`."""
    k = Kernel(seed=seed, hz=hz, ncpus=ncpus)
    with k:
        k.init_net = copy_net_ns(k, "")
        _net_initcalls(k)
    return k
