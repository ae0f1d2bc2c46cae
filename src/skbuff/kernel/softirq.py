"""Softirqs and ksoftirqd.

Kernel: kernel/softirq.c (raise_softirq_irqoff, handle_softirqs, do_softirq, irq_exit's
invoke_softirq, run_ksoftirqd, __local_bh_enable_ip), include/linux/interrupt.h.

Pending softirqs are a per-CPU bitmask. They run:
- on irq_exit when the interrupted context was not itself in interrupt (softirqs preempt tasks);
- on `local_bh_enable` when the BH-disable count drops to zero;
- in ksoftirqd/N, a per-CPU task woken when a softirq is raised from task context or when
  `handle_softirqs` gives up after MAX_SOFTIRQ_RESTART rounds, MAX_SOFTIRQ_TIME (2 ms, in
  jiffies as the kernel measures it) or need_resched. ksoftirqd runs when its CPU goes idle (no
  active context: the running task ended or sleeps in `run_for`), in task context, so IRQs
  preempt it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from skbuff.kernel import irq, printk
from skbuff.kernel.cpu import CPU, IRQ_MASK, SOFTIRQ_DISABLE_OFFSET, SOFTIRQ_OFFSET
from skbuff.kernel.jiffies import msecs_to_jiffies, time_before
from skbuff.trace.tracepoint import TRACEPOINT_OFF

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel

HI_SOFTIRQ = 0
TIMER_SOFTIRQ = 1
NET_TX_SOFTIRQ = 2
NET_RX_SOFTIRQ = 3
BLOCK_SOFTIRQ = 4
IRQ_POLL_SOFTIRQ = 5
TASKLET_SOFTIRQ = 6
SCHED_SOFTIRQ = 7
HRTIMER_SOFTIRQ = 8
RCU_SOFTIRQ = 9
NR_SOFTIRQS = 10

softirq_to_name = (
    "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
)

MAX_SOFTIRQ_TIME_MS = 2
MAX_SOFTIRQ_RESTART = 10

SoftirqAction = Callable[["Kernel"], None]


def open_softirq(k: Kernel, nr: int, action: SoftirqAction) -> None:
    """Install the handler of softirq `nr`; `action(k)` runs in softirq context.

    Kernel: kernel/softirq.c open_softirq.
    """
    k.softirq_vec[nr] = action


def __raise_softirq_irqoff(k: Kernel, nr: int) -> None:
    """Mark `nr` pending on this CPU; IRQs must be off. Kernel: kernel/softirq.c."""
    k.this_cpu().softirq_pending |= 1 << nr
    if k.trace.softirq_raise is not TRACEPOINT_OFF:
        k.trace.softirq_raise(nr)


def raise_softirq_irqoff(k: Kernel, nr: int) -> None:
    """Mark pending; outside interrupt context also wake ksoftirqd.

    Kernel: kernel/softirq.c raise_softirq_irqoff.
    """
    cpu = k.this_cpu()
    cpu.softirq_pending |= 1 << nr
    if k.trace.softirq_raise is not TRACEPOINT_OFF:
        k.trace.softirq_raise(nr)
    if not cpu.preempt_count & IRQ_MASK:
        wakeup_softirqd(k, cpu)


def raise_softirq(k: Kernel, nr: int) -> None:
    """raise_softirq_irqoff under local_irq_save. Kernel: kernel/softirq.c raise_softirq."""
    flags = irq.local_irq_save(k)
    raise_softirq_irqoff(k, nr)
    irq.local_irq_restore(k, flags)


def wakeup_softirqd(k: Kernel, cpu: CPU) -> None:
    """Make ksoftirqd/N runnable; it runs when `cpu` goes idle. Kernel: kernel/softirq.c."""
    cpu.ksoftirqd_woken = True


def local_softirq_pending(k: Kernel) -> int:
    """Kernel: include/linux/interrupt.h local_softirq_pending."""
    return k.this_cpu().softirq_pending


def handle_softirqs(k: Kernel, ksirqd: bool) -> None:
    """Run pending softirqs (called with IRQs off; enables them around the handlers).

    Restarts while more get raised, up to MAX_SOFTIRQ_RESTART rounds, until jiffies pass
    MAX_SOFTIRQ_TIME or need_resched is set; then wakes ksoftirqd. Returns with IRQs off.
    Kernel: kernel/softirq.c handle_softirqs (formerly __do_softirq).
    """
    cpu = k.this_cpu()
    end = k.jiffies + msecs_to_jiffies(k, MAX_SOFTIRQ_TIME_MS)
    max_restart = MAX_SOFTIRQ_RESTART
    pending = cpu.softirq_pending
    vec = k.softirq_vec
    trace = k.trace
    cost = k.costs.softirq_entry
    cpu.preempt_count += SOFTIRQ_OFFSET
    try:
        while True:
            cpu.softirq_pending = 0
            irq.local_irq_enable(k)
            nr = 0
            while pending:
                bit = (pending & -pending).bit_length()  # ffs(pending): skip to the next set bit
                nr += bit - 1
                cpu.softirqs[nr] += 1
                if trace.softirq_entry is not TRACEPOINT_OFF:
                    trace.softirq_entry(nr)
                k.charge(cost)
                action = vec[nr]
                if action is not None:
                    prev_count = cpu.preempt_count
                    action(k)
                    if cpu.preempt_count != prev_count:
                        _leaked_count(k, cpu, nr, action, prev_count)
                if trace.softirq_exit is not TRACEPOINT_OFF:
                    trace.softirq_exit(nr)
                nr += 1
                pending >>= bit
            cpu.irqs_disabled = True
            pending = cpu.softirq_pending
            if not pending:
                break
            max_restart -= 1
            if time_before(k.jiffies, end) and not cpu.need_resched and max_restart:
                continue
            wakeup_softirqd(k, cpu)
            break
    finally:
        cpu.preempt_count -= SOFTIRQ_OFFSET


def _leaked_count(k: Kernel, cpu: CPU, nr: int, action: SoftirqAction, prev: int) -> None:
    """A handler returned with a different preempt_count: log it and repair, as the kernel."""
    printk.pr_err(k, f"huh, entered softirq {nr} {softirq_to_name[nr]} {action.__qualname__} "
                     f"with preempt_count {prev:08x}, exited with {cpu.preempt_count:08x}?")
    cpu.preempt_count = prev


def __do_softirq(k: Kernel) -> None:
    """Kernel: kernel/softirq.c __do_softirq."""
    handle_softirqs(k, False)


def do_softirq(k: Kernel) -> None:
    """Run pending softirqs now unless in interrupt. Kernel: kernel/softirq.c do_softirq."""
    cpu = k.this_cpu()
    if cpu.preempt_count & IRQ_MASK:
        return
    flags = irq.local_irq_save(k)
    if cpu.softirq_pending:
        handle_softirqs(k, False)
    irq.local_irq_restore(k, flags)


def invoke_softirq(k: Kernel) -> None:
    """irq_exit's softirq run (on the IRQ stack). Kernel: kernel/softirq.c invoke_softirq."""
    handle_softirqs(k, False)


def local_bh_disable(k: Kernel) -> None:
    """Kernel: include/linux/bottom_half.h local_bh_disable."""
    k.this_cpu().preempt_count += SOFTIRQ_DISABLE_OFFSET


def local_bh_enable(k: Kernel) -> None:
    """Re-enable BHs; run pending softirqs if this was the outermost disable.

    Kernel: kernel/softirq.c __local_bh_enable_ip.
    """
    cpu = k.this_cpu()
    cpu.preempt_count -= SOFTIRQ_DISABLE_OFFSET
    if cpu.softirq_pending and not cpu.preempt_count & IRQ_MASK:
        do_softirq(k)


def run_ksoftirqd(k: Kernel, cpu: CPU) -> None:
    """ksoftirqd/N gets the idle `cpu`: run pending softirqs in its task context.

    Repeats while softirqs stay pending (the smpboot thread loop) until the simulation horizon
    (the end of the current `run_until`; outside one, after one round), leaving itself woken if
    work remains. Kernel: kernel/softirq.c run_ksoftirqd, kernel/smpboot.c smpboot_thread_fn.
    """
    saved = k._cpu
    k._cpu = cpu
    cpu.active += 1
    try:
        cpu.ksoftirqd_woken = False
        cpu.ksoftirqd_runs += 1
        k.charge(k.costs.ctx_switch)
        horizon = k._horizon if k._horizon is not None else cpu.clock
        while cpu.softirq_pending:
            cpu.irqs_disabled = True
            handle_softirqs(k, True)
            irq.local_irq_enable(k)
            if cpu.clock >= horizon:
                break
        cpu.ksoftirqd_woken = bool(cpu.softirq_pending)
    finally:
        cpu.active -= 1
        k._cpu = saved


def show_softirqs(k: Kernel) -> str:
    """/proc/softirqs: per-CPU counts of each vector run. Kernel: fs/proc/softirqs.c."""
    lines = [" " * 20 + "".join(f"CPU{c.id:<8d}" for c in k.cpus)]
    for nr, name in enumerate(softirq_to_name):
        lines.append(f"{name:>12s}:" + "".join(f" {c.softirqs[nr]:10d}" for c in k.cpus))
    return "\n".join(lines) + "\n"
