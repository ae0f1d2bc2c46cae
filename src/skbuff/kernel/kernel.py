"""`Kernel`: one simulated machine — CPUs, simulated time, the hardware event queue.

Kernel: init/main.c (what exists before the initcalls), kernel/softirq.c, kernel/time/.

Simulation model
----------------
::

    global event heap, ordered by (time_ns, seq)  ── deterministic, no wall clock
      │  hardware events (wire arrivals, NIC DMA done), each CPU's local-timer interrupt
      ▼
    hw event runs outside any CPU ──assert_irq──▶ CPU n (its own clock, preempt_count)
                                                   │ IRQs on: ISR nests right there (hardirq)
                                                   │ IRQs off: latched until local_irq_enable
                                                   ▼
                                   irq_exit ─▶ pending softirqs (not if already in interrupt)
                                   ─▶ ksoftirqd/n (task) when restart/time limits hit, or when a
                                      softirq is raised from task context; runs when CPU n idles

Each CPU keeps a local clock. Code runs "on" a CPU in one context: task, softirq or hardirq.
`k.charge(ns)` advances the running CPU's clock; before returning it processes every hardware
event due by then, in (time, seq) order, stepping the CPU's clock to each event's time first, so
an IRQ delivered to this CPU runs nested at the right simulated time (preemption happens only at
charge points). An IRQ for another CPU runs on that CPU, in parallel in simulated time.
A CPU is idle when no context runs on it; a task sleeping in `run_for` leaves it idle.
Limitation: there is one Python stack, so a CPU interrupted at a charge point while another
CPU's nested work runs past that charge's end takes a later IRQ at the later time (its clock
jumps) rather than after finishing the charge; single-CPU timings are exact.

World time `k._now` is the time the world has been advanced to (by `run_until`, or by a task
that consumed CPU time). `k.now_ns` is the running CPU's clock, or world time outside any CPU.
Entry points make the kernel current (`skbuff.kernel.current`): `with k:` (direct API use runs as
a task on CPU 0), `run_task`, `run_until`/`run_for`/`run_until_idle`.

jiffies are derived from the clock: `jiffies_64 = INITIAL_JIFFIES + ns * HZ // 10**9`, with
INITIAL_JIFFIES = 2**32 - 300*HZ (see `skbuff.kernel.jiffies`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from skbuff.compat import slotted
from skbuff.kernel import printk, softirq, timer
from skbuff.kernel.bug import KernelBug
from skbuff.kernel.clock import NSEC_PER_SEC
from skbuff.kernel.cost import CostModel
from skbuff.kernel.cpu import CPU, IRQ_MASK
from skbuff.kernel.current import reset_current, set_current
from skbuff.kernel.irq import HwController
from skbuff.kernel.jiffies import INITIAL_JIFFIES
from skbuff.kernel.notifier import raw_notifier_head
from skbuff.kernel.random import KernelRandom
from skbuff.kernel.ratelimit import DEFAULT_RATELIMIT_BURST, ratelimit_state
from skbuff.kernel.sysctl import SysctlRegistry
from skbuff.trace.tracepoint import Tracepoints

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net, pernet_operations


@slotted
@dataclass
class arch:
    """Architecture constants the skb layer uses (x86-64 defaults; settable per machine).

    Kernel: include/linux/skbuff.h NET_SKB_PAD/NET_IP_ALIGN, arch/x86/include/asm/cache.h.
    """

    NET_SKB_PAD: int = 64
    NET_IP_ALIGN: int = 0
    L1_CACHE_BYTES: int = 64
    SMP_CACHE_BYTES: int = 64


class HwEvent:
    """A scheduled hardware event (`k.hw.schedule`); cancel with `k.hw.cancel(ev)`."""

    __slots__ = ("args", "cancelled", "fn", "time")

    def __init__(self, time: int, fn: Callable[..., object], args: tuple[Any, ...]) -> None:
        self.time = time
        self.fn = fn
        self.args = args
        self.cancelled = False


_NO_EVENT = 1 << 63  # past any simulated time: no hardware event pending
IN4_ADDR_HSIZE = 256  # net/ipv4/devinet.c 1 << IN4_ADDR_HSIZE_SHIFT


class Kernel:
    """One simulated machine. See the module docstring for the time and context model."""

    # Per-machine state owned by networking subsystems, set by their init functions.
    net_hotdata: Any  # net/core/dev.py net_dev_init
    linkwatch: Any  # net/core/link_watch.py linkwatch_init

    def __init__(self, seed: int = 0, hz: int = 1000, ncpus: int = 2,
                 skb_debug: bool = False) -> None:
        if hz <= 0 or ncpus <= 0:
            raise ValueError("hz and ncpus must be positive")
        self.seed = seed
        self.hz = hz
        self.initial_jiffies = INITIAL_JIFFIES(hz)
        self.rng = KernelRandom(seed)
        self.costs = CostModel()
        self.dmesg: list[printk.LogRecord] = []
        self.trace = Tracepoints(log=self._trace_log)
        self.arch = arch()
        self.skb_debug = skb_debug
        self.skbuff_head_cache: Any = None
        self.arp_tbl: Any = None  # net/ipv4/arp.c arp_tbl, set by arp_init
        # net/ipv4/devinet.c check_lifetime_work (its timer), set by devinet_init
        self.check_lifetime_work: Any = None
        # net/ipv4/devinet.c inet_addr_lst[IN4_ADDR_HSIZE]: every local address of the
        # machine, hashed by devinet.inet_addr_hash (static storage in the kernel)
        self.inet_addr_lst: list[list[Any]] = [[] for _ in range(IN4_ADDR_HSIZE)]
        self.cpus = [CPU(i, softirq.NR_SOFTIRQS) for i in range(ncpus)]
        self.softirq_vec: list[softirq.SoftirqAction | None] = [None] * softirq.NR_SOFTIRQS
        self.hw = HwController(self)
        self.sysctl = SysctlRegistry(self)
        self.nets: list[Net] = []
        self.init_net: Net
        # find_task_by_vpid's view of the user-space processes the World runs: pid → the
        # task's nsproxy->net_ns (kernel/pid.c, include/linux/nsproxy.h).
        self.tasks: dict[int, Net] = {}
        self.pernet_list: list[pernet_operations] = []
        # Index in pernet_list of the first device operation (net_namespace.c first_device).
        self.pernet_first_device = 0
        self.proc_entries: dict[str, Any] = {}
        self.last_ino = 0x1000  # fs/inode.c get_next_ino's counter (sockfs inode numbers)
        self.netdev_chain = raw_notifier_head()
        self.inetaddr_chain = raw_notifier_head()
        self.netevent_chain = raw_notifier_head()
        self.net_ratelimit_state = ratelimit_state(5 * hz, DEFAULT_RATELIMIT_BURST)
        self.timer_seq = 0
        self._events: list[tuple[int, int, HwEvent]] = []
        # time of the heap's first entry (cancelled or not), _NO_EVENT when empty: charge()
        # compares against it; every push and pop of _events updates it
        self._first_event_ns = _NO_EVENT
        self._event_seq = 0
        self._now = 0
        self._cpu: CPU | None = None
        self._horizon: int | None = None
        self._entered: list[tuple[Kernel | None, tuple[CPU, int, bool] | None]] = []
        softirq.open_softirq(self, softirq.TIMER_SOFTIRQ, timer.run_timer_softirq)

    def __repr__(self) -> str:
        return f"<Kernel seed={self.seed} hz={self.hz} cpus={len(self.cpus)} t={self.now_ns}ns>"

    def _trace_log(self, text: str) -> None:
        printk.printk(self, printk.KERN_WARNING, text)

    # -- time -------------------------------------------------------------------------------

    @property
    def now_ns(self) -> int:
        """Simulated ns: the running CPU's clock, or world time outside any CPU context."""
        cpu = self._cpu
        return cpu.clock if cpu is not None else self._now

    @property
    def jiffies(self) -> int:
        """jiffies_64 at `now_ns`."""
        cpu = self._cpu
        ns = cpu.clock if cpu is not None else self._now
        return self.initial_jiffies + ns * self.hz // NSEC_PER_SEC

    def this_cpu(self) -> CPU:
        """The CPU running the current code. KernelBug outside any CPU context."""
        cpu = self._cpu
        if cpu is None:
            raise KernelBug("no CPU context: use `with k:` or k.run_task (hardware events "
                            "run on no CPU; they assert IRQs)")
        return cpu

    def charge(self, ns: int) -> None:
        """The running context consumes `ns` of CPU time; due hardware events (and the IRQs
        they raise, nested on this CPU) happen here."""
        cpu = self._cpu
        if cpu is None:
            raise KernelBug("charge() outside any CPU context")
        target = cpu.clock + ns
        if target < self._first_event_ns:
            cpu.clock = target
        else:
            self._charge_slow(cpu, target)

    def _charge_slow(self, cpu: CPU, target: int) -> None:
        ev = self._events
        while ev and ev[0][0] <= target:
            t = ev[0][0]
            if t > cpu.clock:
                cpu.clock = t
            remaining = target - cpu.clock
            self._run_event()
            target = cpu.clock + remaining
        cpu.clock = target

    def schedule_event(self, at_ns: int, fn: Callable[..., object],
                       args: tuple[Any, ...]) -> HwEvent:
        """Queue a hardware event (see `k.hw.schedule`); times in the past run at once."""
        now = self._now
        if at_ns < now:
            at_ns = now
        ev = HwEvent(at_ns, fn, args)
        self._event_seq += 1
        events = self._events
        heapq.heappush(events, (at_ns, self._event_seq, ev))
        self._first_event_ns = events[0][0]
        return ev

    def _run_event(self) -> None:
        events = self._events
        t, _, ev = heapq.heappop(events)
        self._first_event_ns = events[0][0] if events else _NO_EVENT
        if ev.cancelled:
            return
        ev.cancelled = True
        if t > self._now:
            self._now = t
        saved = self._cpu
        self._cpu = None
        try:
            ev.fn(*ev.args)
        finally:
            self._cpu = saved

    def _next_event_time(self) -> int | None:
        ev = self._events
        while ev and ev[0][2].cancelled:
            heapq.heappop(ev)
        self._first_event_ns = ev[0][0] if ev else _NO_EVENT
        return ev[0][0] if ev else None

    # -- running things ---------------------------------------------------------------------

    def __enter__(self) -> Kernel:
        token = set_current(self)
        entry = None
        if self._cpu is None:
            entry = self._enter_task(self.cpus[0])
        self._entered.append((token, entry))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        token, entry = self._entered.pop()
        try:
            if entry is not None:
                self._leave_task(entry, None, exc is not None)
        finally:
            reset_current(token)

    def _enter_task(self, cpu: CPU) -> tuple[CPU, int, bool]:
        """Start process context on `cpu`; returns the CPU state to restore on leaving."""
        now = self.now_ns
        if cpu.clock < now:
            cpu.clock = now
        self._cpu = cpu
        cpu.active += 1
        return cpu, cpu.preempt_count, cpu.irqs_disabled

    def _leave_task(self, entry: tuple[CPU, int, bool], saved: CPU | None,
                    failed: bool = False) -> None:
        """End a task: a leaked BH/IRQ disable is logged (or, on an exception, unwound)."""
        cpu, count, irqs_off = entry
        if cpu.preempt_count != count or cpu.irqs_disabled != irqs_off:
            if not failed:
                printk.printk(self, printk.KERN_ERR,
                              f"BUG: task on CPU{cpu.id} exited with preempt_count "
                              f"{cpu.preempt_count:#010x} irqs_disabled {cpu.irqs_disabled}")
            cpu.preempt_count = count
            cpu.irqs_disabled = irqs_off
        cpu.active -= 1
        self._cpu = saved
        if saved is None and cpu.clock > self._now:
            self._now = cpu.clock
        if not cpu.active and cpu.ksoftirqd_woken:
            softirq.run_ksoftirqd(self, cpu)

    def run_task(self, fn: Callable[..., Any], *args: Any, cpu: int = 0) -> Any:
        """Run `fn(*args)` now in process context on CPU `cpu`; returns its result."""
        c = self.cpus[cpu]
        token = set_current(self)
        saved = self._cpu
        try:
            if saved is c:
                if c.preempt_count & IRQ_MASK:
                    raise KernelBug(f"run_task on CPU{cpu} from interrupt context")
                return fn(*args)
            entry = self._enter_task(c)
            try:
                result = fn(*args)
            except BaseException:
                self._leave_task(entry, saved, True)
                raise
            self._leave_task(entry, saved)
            return result
        finally:
            reset_current(token)

    def run_until(self, ns: int) -> None:
        """Advance the world to simulated `ns`: events, IRQs, softirqs, timers, ksoftirqd of
        all CPUs in time order. From inside a task, the task sleeps meanwhile (it must not be
        atomic) and resumes at `ns`."""
        self._advance(ns, stop_when_idle=False)

    def run_for(self, ns: int) -> None:
        """`run_until(now_ns + ns)`. Outside any task with nothing due before then (no event,
        no woken ksoftirqd) the world's time just moves on."""
        if self._cpu is None:
            until = self._now + ns
            ev = self._events
            if not ev or ev[0][0] > until:
                for c in self.cpus:
                    if c.ksoftirqd_woken:
                        break
                else:
                    if until > self._now:
                        self._now = until
                    return
            self._advance(until, stop_when_idle=False)
            return
        self._advance(self.now_ns + ns, stop_when_idle=False)

    def run_until_idle(self, limit_ns: int) -> None:
        """Advance until nothing (event, timer, ksoftirqd) is left before `limit_ns`."""
        self._advance(limit_ns, stop_when_idle=True)

    def run_until_cond(self, ns: int, cond: Callable[[], bool]) -> bool:
        """Like `run_until(ns)` but stop as soon as `cond()` holds (checked before the world
        starts and after every event or ksoftirqd run); returns `cond()` at the end."""
        self._advance(ns, stop_when_idle=False, cond=cond)
        return cond()

    def _advance(self, until: int, stop_when_idle: bool,
                 cond: Callable[[], bool] | None = None) -> None:
        task = self._cpu
        if task is not None:
            if task.preempt_count or task.irqs_disabled:
                raise KernelBug(f"BUG: scheduling while atomic: preempt_count "
                                f"{task.preempt_count:#010x} irqs_disabled "
                                f"{task.irqs_disabled}")
            task.active -= 1
            self._cpu = None
        saved_horizon = self._horizon
        self._horizon = until
        token = set_current(self)
        try:
            while True:
                if cond is not None and cond():
                    stop_when_idle = True
                    break
                nxt = self._next_event_time()
                ks: CPU | None = None
                for c in self.cpus:
                    if (c.ksoftirqd_woken and not c.active and c.clock < until
                            and (ks is None or c.clock < ks.clock)):
                        ks = c
                if ks is not None and (nxt is None or ks.clock <= nxt):
                    softirq.run_ksoftirqd(self, ks)
                    continue
                if nxt is None or nxt > until:
                    break
                self._run_event()
            if not stop_when_idle and until > self._now:
                self._now = until
        finally:
            self._horizon = saved_horizon
            reset_current(token)
            if task is not None:
                task.active += 1
                self._cpu = task
                if task.clock < self._now:
                    task.clock = self._now
