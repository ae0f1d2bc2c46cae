"""Timers: the jiffy timer_list wheel and a ns-precision hrtimer.

Kernel: kernel/time/timer.c (add_timer, mod_timer, __mod_timer, timer_reduce, del_timer,
run_timer_softirq, expire_timers), kernel/time/hrtimer.c (hrtimer_start_range_ns,
hrtimer_cancel, hrtimer_interrupt), include/trace/events/timer.h.

A `timer_list` is armed on the CPU that arms it and runs in TIMER_SOFTIRQ context on that CPU
at the first jiffy tick >= `expires` (and never on the current jiffy: a timer armed for now or the
past runs at the next tick, as in the wheel). Same-jiffy timers run in arming order. An `hrtimer`
runs in hardirq context at its ns expiry. Each CPU programs one local timer interrupt
(`cpu.next_event`, a hardware event) for its earliest hrtimer or due jiffy timer, as a NO_HZ
kernel programs its clockevent device: no tick is simulated when nothing is due.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING

from skbuff.kernel import irq, softirq
from skbuff.kernel.current import current_kernel
from skbuff.kernel.jiffies import _slong, jiffy_to_ns, msecs_to_jiffies, ns_to_jiffies

if TYPE_CHECKING:
    from skbuff.kernel.cpu import CPU
    from skbuff.kernel.kernel import Kernel

TIMER_CPUMASK = 0x0003FFFF
TIMER_MIGRATING = 0x00040000
TIMER_DEFERRABLE = 0x00080000
TIMER_PINNED = 0x00100000
TIMER_IRQSAFE = 0x00200000

HRTIMER_NORESTART = 0
HRTIMER_RESTART = 1
HRTIMER_MODE_ABS = 0x00
HRTIMER_MODE_REL = 0x01
HRTIMER_MODE_PINNED = 0x02
HRTIMER_MODE_SOFT = 0x04
HRTIMER_MODE_HARD = 0x08
CLOCK_MONOTONIC = 1


class timer_list:
    """struct timer_list. `function(timer)` runs in softirq context. Bind with `timer_setup`.

    Kernel: include/linux/timer_types.h struct timer_list.
    """

    __slots__ = ("_base", "_fire", "_kernel", "_seq", "expires", "flags", "function")

    def __init__(self) -> None:
        self.expires = 0
        self.function: Callable[[timer_list], None] | None = None
        self.flags = 0
        self._kernel: Kernel | None = None
        self._base: CPU | None = None
        self._seq = 0
        self._fire = 0


def timer_setup(timer: timer_list, function: Callable[[timer_list], None], flags: int) -> None:
    """Bind `timer` to the current kernel with its callback. Kernel: include/linux/timer.h."""
    timer.function = function
    timer.flags = flags
    timer._kernel = current_kernel()
    timer._base = None


def timer_pending(timer: timer_list) -> bool:
    """Kernel: include/linux/timer.h timer_pending."""
    return timer._base is not None


def _timer_kernel(timer: timer_list) -> Kernel:
    k = timer._kernel
    if k is None:
        k = timer._kernel = current_kernel()
    return k


def _enqueue(timer: timer_list, expires: int) -> None:
    k = _timer_kernel(timer)
    cpu = k._cpu or k.cpus[0]
    now = ns_to_jiffies(k, k.now_ns)
    fire = now + max(1, _slong(expires - now))
    timer.expires = expires
    k.timer_seq += 1
    seq = k.timer_seq
    timer._seq = seq
    timer._fire = fire
    timer._base = cpu
    heapq.heappush(cpu.timer_base, (fire, seq, timer))
    ev = cpu.next_event
    if ev is None or jiffy_to_ns(k, fire) < ev.time:
        tick_program(k, cpu)


def _detach(timer: timer_list) -> CPU | None:
    """Take a pending timer off its base (lazily: its heap entry goes stale); returns the base."""
    cpu = timer._base
    timer._base = None
    timer._seq = 0
    return cpu


def add_timer(timer: timer_list) -> None:
    """Arm an inactive timer at `timer.expires`. Kernel: kernel/time/timer.c add_timer."""
    _enqueue(timer, timer.expires)


def mod_timer(timer: timer_list, expires: int) -> int:
    """(Re)arm at `expires`; returns 1 if it was pending. Kernel: kernel/time/timer.c mod_timer."""
    if timer._base is not None and timer.expires == expires:
        return 1
    was = _detach(timer)
    _enqueue(timer, expires)
    return int(was is not None)


def mod_timer_pending(timer: timer_list, expires: int) -> int:
    """Modify only a pending timer; 0 (and nothing done) if inactive.

    Kernel: kernel/time/timer.c.
    """
    if timer._base is None:
        return 0
    return mod_timer(timer, expires)


def timer_reduce(timer: timer_list, expires: int) -> int:
    """Arm, or move a pending timer earlier only. Returns 1 if it was pending.

    Kernel: kernel/time/timer.c.
    """
    if timer._base is not None:
        if _slong(expires - timer.expires) >= 0:
            return 1
        _detach(timer)
        _enqueue(timer, expires)
        return 1
    _enqueue(timer, expires)
    return 0


def del_timer(timer: timer_list) -> int:
    """Deactivate; returns 1 if it was pending. Kernel: kernel/time/timer.c timer_delete."""
    cpu = _detach(timer)
    if cpu is None:
        return 0
    tick_program(_timer_kernel(timer), cpu)
    return 1


def del_timer_sync(timer: timer_list) -> int:
    """del_timer; with one thread of execution no callback can be running elsewhere.

    Kernel: kernel/time/timer.c timer_delete_sync.
    """
    return del_timer(timer)


timer_delete = del_timer
timer_delete_sync = del_timer_sync


def round_jiffies_common(k: Kernel, j: int, cpu: int, force_up: bool) -> int:
    """Round absolute jiffy `j` to a whole second (skewed 3 jiffies per CPU); down only if
    within HZ/4 past it and not `force_up`; `j` unchanged if the result is not in the future.

    Kernel: kernel/time/timer.c round_jiffies_common.
    """
    hz = k.hz
    original = j
    j += cpu * 3
    rem = j % hz
    j = j - rem if rem < hz // 4 and not force_up else j - rem + hz
    j -= cpu * 3
    return j if _slong(j - k.jiffies) > 0 else original


def round_jiffies(k: Kernel, j: int) -> int:
    """Kernel: kernel/time/timer.c round_jiffies (on the running CPU)."""
    return round_jiffies_common(k, j, k.this_cpu().id, False)


def round_jiffies_relative(k: Kernel, j: int) -> int:
    """Kernel: kernel/time/timer.c round_jiffies_relative."""
    now = k.jiffies
    return round_jiffies_common(k, j + now, k.this_cpu().id, False) - now


def round_jiffies_up(k: Kernel, j: int) -> int:
    """Kernel: kernel/time/timer.c round_jiffies_up."""
    return round_jiffies_common(k, j, k.this_cpu().id, True)


def round_jiffies_up_relative(k: Kernel, j: int) -> int:
    """Kernel: kernel/time/timer.c round_jiffies_up_relative."""
    now = k.jiffies
    return round_jiffies_common(k, j + now, k.this_cpu().id, True) - now


MAX_SCHEDULE_TIMEOUT = (1 << 63) - 1


def schedule_timeout(k: Kernel, timeout: int) -> int:
    """Sleep (task context) until the jiffy tick `jiffies + timeout`; the world runs meanwhile.
    Returns 0 (no early wakeups here). Kernel: kernel/time/timer.c schedule_timeout."""
    end = k.jiffies + timeout
    k.run_until(jiffy_to_ns(k, end))
    return 0


def msleep(k: Kernel, msecs: int) -> None:
    """Sleep at least `msecs`: msecs_to_jiffies + 1 ticks. Kernel: kernel/time/timer.c msleep."""
    schedule_timeout(k, msecs_to_jiffies(k, msecs) + 1)


def run_timer_softirq(k: Kernel) -> None:
    """TIMER_SOFTIRQ: run this CPU's timers due by the current jiffy, in (expiry, arming) order.

    Each is detached before its callback, which may re-arm it. Kernel: kernel/time/timer.c
    run_timer_softirq, __run_timers, expire_timers, call_timer_fn.
    """
    cpu = k.this_cpu()
    base = cpu.timer_base
    now = ns_to_jiffies(k, cpu.clock)
    trace = k.trace
    cost = k.costs.timer_entry
    while base and base[0][0] <= now:
        _, seq, timer = heapq.heappop(base)
        if timer._seq != seq:
            continue
        timer._base = None
        timer._seq = 0
        trace.timer_expire_entry(timer, now)
        k.charge(cost)
        fn = timer.function
        if fn is not None:
            fn(timer)
        trace.timer_expire_exit(timer)
    tick_program(k, cpu)


class hrtimer:
    """struct hrtimer (lite): `function(timer) -> HRTIMER_RESTART|NORESTART` in hardirq context.

    `expires` is absolute simulated ns.

    Kernel: include/linux/hrtimer_types.h struct hrtimer.
    """

    __slots__ = ("_base", "_kernel", "_seq", "expires", "function", "mode")

    def __init__(self) -> None:
        self.function: Callable[[hrtimer], int] | None = None
        self.expires = 0
        self.mode = HRTIMER_MODE_ABS
        self._kernel: Kernel | None = None
        self._base: CPU | None = None
        self._seq = 0


def hrtimer_init(timer: hrtimer, clock_id: int, mode: int) -> None:
    """Bind to the current kernel; set `timer.function` next. Kernel: kernel/time/hrtimer.c."""
    timer.mode = mode
    timer._kernel = current_kernel()
    timer._base = None


def hrtimer_active(timer: hrtimer) -> bool:
    """Queued (or running). Kernel: kernel/time/hrtimer.c hrtimer_active."""
    return timer._base is not None


def _hrtimer_enqueue(k: Kernel, timer: hrtimer, cpu: CPU) -> None:
    k.timer_seq += 1
    timer._seq = k.timer_seq
    timer._base = cpu
    heapq.heappush(cpu.hrtimer_base, (timer.expires, timer._seq, timer))
    ev = cpu.next_event
    if ev is None or timer.expires < ev.time:
        tick_program(k, cpu)


def hrtimer_start(timer: hrtimer, tim: int, mode: int) -> None:
    """(Re)start at `tim` ns (absolute, or relative to now with HRTIMER_MODE_REL) on this CPU.

    Kernel: kernel/time/hrtimer.c hrtimer_start_range_ns.
    """
    k = timer._kernel
    if k is None:
        k = timer._kernel = current_kernel()
    timer._base = None
    timer.expires = k.now_ns + tim if mode & HRTIMER_MODE_REL else tim
    _hrtimer_enqueue(k, timer, k._cpu or k.cpus[0])


def hrtimer_cancel(timer: hrtimer) -> int:
    """Dequeue; returns 1 if it was active. Kernel: kernel/time/hrtimer.c hrtimer_cancel."""
    cpu = timer._base
    if cpu is None:
        return 0
    timer._base = None
    timer._seq = 0
    if timer._kernel is not None:
        tick_program(timer._kernel, cpu)
    return 1


hrtimer_try_to_cancel = hrtimer_cancel


def hrtimer_forward_now(timer: hrtimer, interval: int) -> int:
    """Push `expires` past now by whole intervals; returns the overrun count.

    Kernel: kernel/time/hrtimer.c hrtimer_forward.
    """
    k = timer._kernel
    now = k.now_ns if k is not None else 0
    delta = now - timer.expires
    if delta < 0:
        return 0
    orun = delta // interval + 1
    timer.expires += orun * interval
    return orun


def tick_program(k: Kernel, cpu: CPU) -> None:
    """Program `cpu`'s local timer interrupt for its next hrtimer or not-yet-due jiffy timer.

    Jiffy timers already due are left to the raised TIMER_SOFTIRQ, which reprograms after
    running them. Kernel: kernel/time/tick-sched.c tick_nohz_next_event (in spirit).
    """
    base = cpu.timer_base
    while base and base[0][2]._seq != base[0][1]:
        heapq.heappop(base)
    hbase = cpu.hrtimer_base
    while hbase and hbase[0][2]._seq != hbase[0][1]:
        heapq.heappop(hbase)
    nxt = hbase[0][0] if hbase else None
    if base and not (cpu.softirq_pending >> softirq.TIMER_SOFTIRQ) & 1:
        t = jiffy_to_ns(k, base[0][0])
        if nxt is None or t < nxt:
            nxt = t
    ev = cpu.next_event
    if ev is not None:
        if ev.time == nxt:
            return
        ev.cancelled = True
        cpu.next_event = None
    if nxt is not None:
        cpu.next_event = k.schedule_event(nxt, _local_timer_fire, (k, cpu))


def _local_timer_fire(k: Kernel, cpu: CPU) -> None:
    """The clockevent device fires: interrupt `cpu` with its local timer."""
    cpu.next_event = None
    irq.deliver_irq(k, cpu, irq.LOCAL_TIMER_IRQ)


def local_timer_interrupt(k: Kernel, cpu: CPU) -> None:
    """Hardirq handler of the local timer: run expired hrtimers, raise TIMER_SOFTIRQ if jiffy
    timers are due, reprogram. Kernel: kernel/time/hrtimer.c hrtimer_interrupt,
    kernel/time/timer.c run_local_timers.
    """
    hbase = cpu.hrtimer_base
    cost = k.costs.hrtimer_entry
    while hbase and hbase[0][0] <= cpu.clock:
        _, seq, ht = heapq.heappop(hbase)
        if ht._seq != seq:
            continue
        ht._base = None
        ht._seq = 0
        k.charge(cost)
        fn = ht.function
        if fn is not None and fn(ht) == HRTIMER_RESTART and ht._base is None:
            _hrtimer_enqueue(k, ht, cpu)
    base = cpu.timer_base
    if base and base[0][0] <= ns_to_jiffies(k, cpu.clock):
        softirq.__raise_softirq_irqoff(k, softirq.TIMER_SOFTIRQ)
    tick_program(k, cpu)
