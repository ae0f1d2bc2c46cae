"""CPUs and execution contexts: per-CPU state and the preempt_count context tests.

Kernel: include/linux/preempt.h (preempt_count layout, in_interrupt …), include/linux/irqflags.h.

Each simulated CPU has its own clock (`clock`, ns) and a `preempt_count` with the kernel's
layout: bits 0-7 preemption depth, 8-15 softirq (SOFTIRQ_OFFSET while serving a softirq,
SOFTIRQ_DISABLE_OFFSET per local_bh_disable), 16-19 hardirq nesting, 20-23 NMI. `irqs_disabled`
is the local interrupt flag. The context predicates read the CPU running the current code
(`k.this_cpu()`); they are valid only inside a CPU context (a task, IRQ, softirq or timer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skbuff.kernel.kernel import HwEvent, Kernel
    from skbuff.kernel.timer import hrtimer, timer_list

PREEMPT_BITS = 8
SOFTIRQ_BITS = 8
HARDIRQ_BITS = 4
NMI_BITS = 4
PREEMPT_SHIFT = 0
SOFTIRQ_SHIFT = PREEMPT_SHIFT + PREEMPT_BITS
HARDIRQ_SHIFT = SOFTIRQ_SHIFT + SOFTIRQ_BITS
NMI_SHIFT = HARDIRQ_SHIFT + HARDIRQ_BITS
PREEMPT_MASK = ((1 << PREEMPT_BITS) - 1) << PREEMPT_SHIFT
SOFTIRQ_MASK = ((1 << SOFTIRQ_BITS) - 1) << SOFTIRQ_SHIFT
HARDIRQ_MASK = ((1 << HARDIRQ_BITS) - 1) << HARDIRQ_SHIFT
NMI_MASK = ((1 << NMI_BITS) - 1) << NMI_SHIFT
PREEMPT_OFFSET = 1 << PREEMPT_SHIFT
SOFTIRQ_OFFSET = 1 << SOFTIRQ_SHIFT
HARDIRQ_OFFSET = 1 << HARDIRQ_SHIFT
NMI_OFFSET = 1 << NMI_SHIFT
SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET
IRQ_MASK = HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK


class CPU:
    """One simulated CPU: clock, context state, pending work, timer bases.

    `active` counts contexts currently running on this CPU (a task that sleeps in `run_for`
    is not active); the CPU is idle when it is 0, and only then does ksoftirqd get its turn.
    `softnet_data` belongs to net/core/dev.
    """

    __slots__ = (
        "active",
        "clock",
        "hrtimer_base",
        "id",
        "irqs_disabled",
        "ksoftirqd_runs",
        "ksoftirqd_woken",
        "local_timer_irqs",
        "need_resched",
        "next_event",
        "pending_irqs",
        "preempt_count",
        "softirq_pending",
        "softirqs",
        "softnet_data",
        "timer_base",
    )

    def __init__(self, cpu_id: int, nr_softirqs: int) -> None:
        self.id = cpu_id
        self.clock = 0
        self.preempt_count = 0
        self.irqs_disabled = False
        self.active = 0
        self.softirq_pending = 0
        self.softirqs = [0] * nr_softirqs
        self.ksoftirqd_woken = False
        self.ksoftirqd_runs = 0
        self.need_resched = False
        self.pending_irqs: list[int] = []
        self.local_timer_irqs = 0
        self.timer_base: list[tuple[int, int, timer_list]] = []
        self.hrtimer_base: list[tuple[int, int, hrtimer]] = []
        self.next_event: HwEvent | None = None
        self.softnet_data: Any = None

    def __repr__(self) -> str:
        return f"<CPU{self.id} t={self.clock} pc={self.preempt_count:#x}>"


def preempt_count(k: Kernel) -> int:
    """Kernel: include/linux/preempt.h preempt_count."""
    return k.this_cpu().preempt_count


def in_interrupt(k: Kernel) -> bool:
    """Hardirq, softirq (serving or BH disabled) or NMI. Kernel: include/linux/preempt.h."""
    return bool(k.this_cpu().preempt_count & IRQ_MASK)


def in_softirq(k: Kernel) -> bool:
    """Serving a softirq or BH disabled. Kernel: include/linux/preempt.h in_softirq."""
    return bool(k.this_cpu().preempt_count & SOFTIRQ_MASK)


def in_serving_softirq(k: Kernel) -> bool:
    """Running a softirq handler. Kernel: include/linux/preempt.h in_serving_softirq."""
    return bool(k.this_cpu().preempt_count & SOFTIRQ_OFFSET)


def in_hardirq(k: Kernel) -> bool:
    """Kernel: include/linux/preempt.h in_hardirq."""
    return bool(k.this_cpu().preempt_count & HARDIRQ_MASK)


def in_task(k: Kernel) -> bool:
    """Process context (BH may be disabled). Kernel: include/linux/preempt.h in_task."""
    return not k.this_cpu().preempt_count & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)


def irqs_disabled(k: Kernel) -> bool:
    """Kernel: include/linux/irqflags.h irqs_disabled."""
    return k.this_cpu().irqs_disabled


def smp_processor_id(k: Kernel) -> int:
    """Kernel: include/linux/smp.h smp_processor_id."""
    return k.this_cpu().id
