"""Hard interrupts: descriptors, handlers, the interrupt controller, local IRQ flags.

Kernel: kernel/irq/manage.c (request_irq, free_irq, disable_irq_nosync, enable_irq,
irq_set_affinity), kernel/irq/chip.c + kernel/irq/resend.c (IRQS_PENDING, resend),
kernel/softirq.c (irq_enter/irq_exit), include/linux/irqflags.h (local_irq_*).

Hardware raises a line with `k.hw.assert_irq(irq)`. The line's affinity CPU takes it at once if
its local IRQs are enabled (this nests inside whatever that CPU is doing: preemption at a
charge point); otherwise the CPU latches it (once) and takes it on `local_irq_enable`/irq
return. A disabled line (`disable_irq_nosync`) latches one assertion in the descriptor
(IRQS_PENDING) and replays it on the last `enable_irq`, like an edge-triggered controller.
Handlers run in hardirq context with IRQs off; `irq_exit` runs pending softirqs unless the
interrupted context was already in interrupt. The CPU's local timer is `LOCAL_TIMER_IRQ`
(x86 "LOC" in /proc/interrupts); it runs expired hrtimers and raises TIMER_SOFTIRQ.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.kernel import printk, softirq, timer
from skbuff.kernel.cpu import CPU, HARDIRQ_OFFSET, IRQ_MASK

if TYPE_CHECKING:
    from skbuff.kernel.kernel import HwEvent, Kernel

IRQ_NONE = 0
IRQ_HANDLED = 1
IRQ_WAKE_THREAD = 2

IRQF_SHARED = 0x00000080
IRQF_NOBALANCING = 0x00000800
IRQF_NO_THREAD = 0x00010000

LOCAL_TIMER_IRQ = -1

IrqHandler = Callable[[int, Any], int]


class irqaction:
    """struct irqaction: one handler on a line.

    Kernel: include/linux/interrupt.h struct irqaction.
    """

    __slots__ = ("dev_id", "flags", "handler", "name")

    def __init__(self, handler: IrqHandler, flags: int, name: str, dev_id: Any) -> None:
        self.handler = handler
        self.flags = flags
        self.name = name
        self.dev_id = dev_id


class irq_desc:
    """struct irq_desc: the line's actions, disable depth, latched assertion, per-CPU counts.

    Kernel: include/linux/irqdesc.h struct irq_desc.
    """

    __slots__ = ("action", "affinity", "depth", "irq", "irqs_unhandled", "istate_pending",
                 "kstat_irqs")

    def __init__(self, irq: int, ncpus: int) -> None:
        self.irq = irq
        self.action: list[irqaction] = []
        self.depth = 0
        self.affinity = 0
        self.istate_pending = False
        self.irqs_unhandled = 0
        self.kstat_irqs = [0] * ncpus


class HwController:
    """`k.hw`: the machine's hardware side — the event queue and the interrupt controller."""

    __slots__ = ("descs", "k", "spurious")

    def __init__(self, k: Kernel) -> None:
        self.k = k
        self.descs: dict[int, irq_desc] = {}
        self.spurious = 0

    def schedule(self, at_ns: int, fn: Callable[..., object], *args: Any) -> HwEvent:
        """Run `fn(*args)` at simulated `at_ns` (clamped to now), outside any CPU context.

        Hardware events take no CPU time; to involve a CPU they assert an IRQ.
        """
        return self.k.schedule_event(at_ns, fn, args)

    def cancel(self, ev: HwEvent) -> None:
        """Cancel a scheduled event (no-op if it already ran)."""
        ev.cancelled = True

    def assert_irq(self, irq: int) -> None:
        """The device raises line `irq`; see the module docstring for delivery."""
        desc = self.descs.get(irq)
        if desc is None or not desc.action:
            self.spurious += 1
            return
        if desc.depth:
            desc.istate_pending = True
            return
        deliver_irq(self.k, self.k.cpus[desc.affinity], irq)

    def irq_count(self, irq: int, cpu: int) -> int:
        """Interrupts of `irq` taken on `cpu` (/proc/interrupts); LOCAL_TIMER_IRQ for LOC."""
        if irq == LOCAL_TIMER_IRQ:
            return self.k.cpus[cpu].local_timer_irqs
        desc = self.descs.get(irq)
        return desc.kstat_irqs[cpu] if desc is not None else 0


def deliver_irq(k: Kernel, cpu: CPU, irq: int) -> None:
    """Interrupt `cpu` with `irq` now, or latch it on the CPU if its IRQs are off.

    Switches the running CPU to `cpu` for the handler (the other CPU runs in parallel).
    """
    if cpu.irqs_disabled:
        if irq not in cpu.pending_irqs:
            cpu.pending_irqs.append(irq)
        return
    now = k.now_ns
    saved = k._cpu
    if cpu.clock < now:
        cpu.clock = now
    k._cpu = cpu
    cpu.active += 1
    try:
        handle_irq(k, cpu, irq)
    finally:
        cpu.active -= 1
        k._cpu = saved
    if not cpu.active and cpu.ksoftirqd_woken:
        softirq.run_ksoftirqd(k, cpu)


def handle_irq(k: Kernel, cpu: CPU, irq: int) -> None:
    """irq_enter, the line's handlers in hardirq context, irq_exit; then latched IRQs.

    `cpu` must be running with IRQs enabled. Kernel: kernel/softirq.c irq_enter_rcu/irq_exit_rcu,
    kernel/irq/handle.c __handle_irq_event_percpu.
    """
    costs = k.costs
    trace = k.trace
    entry_count = cpu.preempt_count
    try:
        _handle_irq_loop(k, cpu, irq, costs, trace)
    except BaseException:
        cpu.preempt_count = entry_count  # unwind the contexts a raising handler left
        cpu.irqs_disabled = False
        raise


def _handle_irq_loop(k: Kernel, cpu: CPU, irq: int, costs: Any, trace: Any) -> None:
    while True:
        cpu.irqs_disabled = True
        cpu.preempt_count += HARDIRQ_OFFSET
        k.charge(costs.hardirq_entry)
        if irq == LOCAL_TIMER_IRQ:
            cpu.local_timer_irqs += 1
            timer.local_timer_interrupt(k, cpu)
        else:
            desc = k.hw.descs.get(irq)
            if desc is not None:
                desc.kstat_irqs[cpu.id] += 1
                handled = IRQ_NONE
                for action in tuple(desc.action):
                    trace.irq_handler_entry(irq, action.name)
                    ret = action.handler(irq, action.dev_id)
                    trace.irq_handler_exit(irq, ret)
                    handled |= ret
                if handled == IRQ_NONE:
                    desc.irqs_unhandled += 1
        k.charge(costs.hardirq_exit)
        cpu.preempt_count -= HARDIRQ_OFFSET
        if cpu.softirq_pending and not cpu.preempt_count & IRQ_MASK:
            softirq.invoke_softirq(k)
        cpu.irqs_disabled = False
        if not cpu.pending_irqs:
            return
        irq = cpu.pending_irqs.pop(0)


def local_irq_disable(k: Kernel) -> None:
    """Kernel: include/linux/irqflags.h local_irq_disable."""
    k.this_cpu().irqs_disabled = True


def local_irq_enable(k: Kernel) -> None:
    """Enable local IRQs; latched ones are taken here. Kernel: include/linux/irqflags.h."""
    cpu = k.this_cpu()
    cpu.irqs_disabled = False
    if cpu.pending_irqs:
        handle_irq(k, cpu, cpu.pending_irqs.pop(0))


def local_irq_save(k: Kernel) -> bool:
    """Disable local IRQs; returns the previous state for `local_irq_restore`.

    Kernel: include/linux/irqflags.h local_irq_save.
    """
    cpu = k.this_cpu()
    flags = cpu.irqs_disabled
    cpu.irqs_disabled = True
    return flags


def local_irq_restore(k: Kernel, flags: bool) -> None:
    """Kernel: include/linux/irqflags.h local_irq_restore."""
    if not flags:
        local_irq_enable(k)


def request_irq(
    k: Kernel, irq: int, handler: IrqHandler, flags: int, name: str, dev_id: Any
) -> int:
    """Install `handler(irq, dev_id) -> IRQ_HANDLED|IRQ_NONE` on line `irq`.

    Returns 0, -EINVAL (no handler, or shared without dev_id), -EBUSY (line taken and not
    both shared). Kernel: kernel/irq/manage.c request_threaded_irq, __setup_irq.
    """
    if handler is None or (flags & IRQF_SHARED and dev_id is None):
        return -errno.EINVAL
    desc = k.hw.descs.get(irq)
    if desc is None:
        desc = k.hw.descs[irq] = irq_desc(irq, len(k.cpus))
    if desc.action and not (flags & desc.action[0].flags & IRQF_SHARED):
        return -errno.EBUSY
    desc.action.append(irqaction(handler, flags, name, dev_id))
    return 0


def free_irq(k: Kernel, irq: int, dev_id: Any) -> str | None:
    """Remove the action of `dev_id`; returns its name. WARNs on an already-free IRQ.

    Kernel: kernel/irq/manage.c free_irq, __free_irq.
    """
    desc = k.hw.descs.get(irq)
    if desc is not None:
        for action in desc.action:
            if action.dev_id is dev_id:
                desc.action.remove(action)
                return action.name
    printk.printk(k, printk.KERN_WARNING, f"Trying to free already-free IRQ {irq}")
    return None


def disable_irq_nosync(k: Kernel, irq: int) -> None:
    """Mask the line (depth-counted); assertions latch. Kernel: kernel/irq/manage.c."""
    desc = k.hw.descs.get(irq)
    if desc is not None:
        desc.depth += 1


def enable_irq(k: Kernel, irq: int) -> None:
    """Undo one disable; at depth 0 replay a latched assertion (check_irq_resend).

    Kernel: kernel/irq/manage.c enable_irq, __enable_irq; kernel/irq/resend.c.
    """
    desc = k.hw.descs.get(irq)
    if desc is None:
        return
    if desc.depth == 0:
        printk.printk(k, printk.KERN_WARNING, f"Unbalanced enable for IRQ {irq}")
        return
    desc.depth -= 1
    if desc.depth == 0 and desc.istate_pending:
        desc.istate_pending = False
        k.hw.assert_irq(irq)


def irq_set_affinity(k: Kernel, irq: int, cpu: int) -> int:
    """Route line `irq` to `cpu`. -EINVAL for an unknown line or CPU.

    Kernel: kernel/irq/manage.c.
    """
    desc = k.hw.descs.get(irq)
    if desc is None or not 0 <= cpu < len(k.cpus):
        return -errno.EINVAL
    desc.affinity = cpu
    return 0


def show_interrupts(k: Kernel) -> str:
    """/proc/interrupts: requested lines (chip "SIM-MSI", edge) and the LOC/ERR rows of x86.

    Kernel: kernel/irq/proc.c show_interrupts, arch/x86/kernel/irq.c arch_show_interrupts
    (only the LOC and ERR rows).
    """
    prec, j = 3, 1000
    top = max(k.hw.descs, default=0)
    while prec < 10 and j <= top:
        prec += 1
        j *= 10
    lines = [" " * (prec + 8) + "".join(f"CPU{c.id:<8d}" for c in k.cpus)]
    for irq in sorted(k.hw.descs):
        desc = k.hw.descs[irq]
        if not desc.action:
            continue
        counts = "".join(f"{n:10d} " for n in desc.kstat_irqs)
        names = ", ".join(a.name for a in desc.action)
        lines.append(f"{irq:>{prec}d}: {counts} {'SIM-MSI':>8s} {irq:>{prec}d}-{'edge':<8s}  "
                     f"{names}")
    loc = "".join(f"{c.local_timer_irqs:10d} " for c in k.cpus)
    lines.append(f"{'LOC':>{prec}s}: {loc}  Local timer interrupts")
    lines.append(f"{'ERR':>{prec}s}: {0:10d}")
    return "\n".join(lines) + "\n"
