"""The journey recorder: every step a packet takes, as pwru/retis show it.

`journey_tracer(k, filter_text, columns)` gathers, while attached:
- one `skb_event` per entry into a traced kernel function (ftrace.py), with simulated time,
  CPU, skb id and its lineage, netns, device, length, flow key, function and caller, and the
  layout fields (head/data/tail/end, header offsets, users/dataref);
- one `skb_event` per final free from the `kfree_skb`/`consume_skb` tracepoints: drops carry
  the reason, the location and a plain-words cause (explain.py);
- timelines: neighbour NUD changes (`neigh_create`, `neigh_update`, and the changes made
  by `neigh_event_send`/the neighbour timer), NAPI polls, softirq and hard IRQ entry/exit,
  time squeezes;
- the route lookups seen (`ip_route_input_noref`, and `ip_local_out` for locally sent
  packets), for route explanations.

A *lineage* is one packet's family of skbs: clones join their parent's (`parent_id`), and an
skb carrying an IPv4 datagram already seen — same source, destination, protocol and non-zero
IP id, RFC 791's datagram identity (fragments from ip_do_fragment, the datagram ip_defrag
rebuilt) — joins that datagram's. The filter's packet terms read the lineage's first flow key.
Steps beyond MAX_EVENTS are counted in `lost`, not kept.

`drop_monitor(k)` is the light drop counter dropwatch-style tools (`dropwatch`) use: drops
by (namespace, reason, function) from the `kfree_skb` tracepoint only.
"""

from __future__ import annotations

import struct
from collections import Counter
from typing import TYPE_CHECKING, Any

from skbuff.kernel import current, softirq
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.core.skbuff import HEADER_UNSET
from skbuff.trace import explain, ftrace
from skbuff.trace.filter import L3_ARP, L3_IP, Filter
from skbuff.uapi.if_ether import ETH_HLEN, ETH_P_ARP, ETH_P_IP
from skbuff.uapi.in_ import IPPROTO_TCP, IPPROTO_UDP

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

MAX_EVENTS = 200_000
# Entries whose packet names a route lookup worth explaining in the report.
ROUTE_QUERY_FUNCS = frozenset({"ip_route_input_noref", "ip_local_out"})

KIND_CALL = "call"
KIND_DROP = "drop"
KIND_CONSUME = "consume"

COLUMNS = ("skb", "diff")

# Fields compared by the "diff" column, in display order.
DIFF_FIELDS: tuple[str, ...] = ("netns", "dev", "len", "head", "data", "tail", "end",
                                "mac_header", "network_header", "transport_header", "users",
                                "dataref", "pkt_type", "protocol", "ttl")

_IP4 = struct.Struct("!BBHHHBBH4s4s")


class skb_event:
    """One step of a journey (a function entry, a drop or a consume)."""

    __slots__ = ("caller", "cpu", "daddr", "data", "dataref", "dev", "dport", "end",
                 "explanation", "func", "head", "ipid", "kind", "l3", "len", "lineage",
                 "location", "mac_header", "netns", "network_header", "ns", "parent_id",
                 "pkt_type", "proto", "protocol", "reason", "saddr", "seq", "skb_id", "sport",
                 "tail", "transport_header", "ttl", "users")

    def __init__(self) -> None:
        self.seq = 0
        self.ns = 0
        self.cpu = 0
        self.kind = KIND_CALL
        self.skb_id = 0
        self.parent_id = 0
        self.lineage = 0
        self.netns = ""
        self.dev = ""
        self.len = 0
        self.l3 = ""
        self.proto = 0
        self.saddr = 0
        self.daddr = 0
        self.sport = 0
        self.dport = 0
        self.ipid = 0
        self.ttl = 0
        self.func = ""
        self.caller = ""
        self.head = 0
        self.data = 0
        self.tail = 0
        self.end = 0
        self.mac_header = HEADER_UNSET
        self.network_header = HEADER_UNSET
        self.transport_header = HEADER_UNSET
        self.users = 0
        self.dataref = 0
        self.pkt_type = 0
        self.protocol = 0
        self.reason = ""
        self.location = ""
        self.explanation = ""


class flow_key:
    """The packet fields a filter's packet terms read (a lineage's first parse)."""

    __slots__ = ("daddr", "dport", "l3", "proto", "saddr", "sport")

    def __init__(self, ev: skb_event) -> None:
        self.l3 = ev.l3
        self.proto = ev.proto
        self.saddr = ev.saddr
        self.daddr = ev.daddr
        self.sport = ev.sport
        self.dport = ev.dport


class _subject:
    """An event's context with its lineage's flow key, as the filter sees it."""

    __slots__ = ("daddr", "dev", "dport", "func", "l3", "netns", "proto", "saddr", "sport")

    def __init__(self, key: flow_key, ev: skb_event) -> None:
        self.l3 = key.l3
        self.proto = key.proto
        self.saddr = key.saddr
        self.daddr = key.daddr
        self.sport = key.sport
        self.dport = key.dport
        self.netns = ev.netns
        self.dev = ev.dev
        self.func = ev.func


def parse_headers(skb: sk_buff, ev: skb_event) -> None:
    """Fill the flow key of `ev` from the skb's linear data (IPv4 5-tuple or ARP sender/
    target); leaves l3 "" for anything else."""
    buf = skb.buf
    nh = skb.network_header
    if nh == HEADER_UNSET or nh < skb.head:
        mh = skb.mac_header
        nh = mh + ETH_HLEN if mh != HEADER_UNSET else skb.data
    proto = skb.protocol
    if proto == ETH_P_ARP:
        if nh + 28 <= len(buf):
            ev.l3 = L3_ARP
            ev.proto = buf[nh + 7]
            ev.saddr = int.from_bytes(buf[nh + 14:nh + 18], "big")
            ev.daddr = int.from_bytes(buf[nh + 24:nh + 28], "big")
        return
    if proto not in (ETH_P_IP, 0) or nh + 20 > len(buf) or buf[nh] >> 4 != 4:
        return
    vihl, _tos, _tot, ipid, frag, ttl, p, _csum, s, d = _IP4.unpack_from(buf, nh)
    ev.l3 = L3_IP
    ev.proto = p
    ev.saddr = int.from_bytes(s, "big")
    ev.daddr = int.from_bytes(d, "big")
    ev.ipid = ipid
    ev.ttl = ttl
    th = nh + (vihl & 15) * 4
    if p in (IPPROTO_UDP, IPPROTO_TCP) and not frag & 0x1FFF and th + 4 <= len(buf):
        ev.sport = buf[th] << 8 | buf[th + 1]
        ev.dport = buf[th + 2] << 8 | buf[th + 3]


def fill_identity(skb: sk_buff, ev: skb_event) -> None:
    """What the filter needs besides the flow key: the skb's id, parent, device and
    namespace (the dst's device before one is set on output)."""
    ev.skb_id = skb.id
    ev.parent_id = skb.parent_id
    dev = skb.dev
    if dev is None:
        dst = core_skbuff.skb_dst(skb)
        dev = dst.dev if dst is not None else None
    if dev is not None:
        ev.dev = dev.name
        ev.netns = dev.nd_net.name


def fill_layout(k: Kernel, skb: sk_buff, ev: skb_event) -> None:
    """The rest of a kept event: time, CPU, and the skb's layout and state."""
    cpu = k.this_cpu()
    ev.ns = cpu.clock
    ev.cpu = cpu.id
    ev.len = skb.len
    ev.head = skb.head
    ev.data = skb.data
    ev.tail = skb.tail
    ev.end = skb.end
    ev.mac_header = skb.mac_header
    ev.network_header = skb.network_header
    ev.transport_header = skb.transport_header
    ev.users = skb.users
    ev.dataref = skb.shinfo.dataref
    ev.pkt_type = skb.pkt_type
    ev.protocol = skb.protocol


class nud_event:
    """A neighbour state change (from the neigh_create/neigh_update tracepoints)."""

    __slots__ = ("dev", "key", "netns", "new", "ns", "old")

    def __init__(self, ns: int, netns: str, dev: str, key: int, old: int, new: int) -> None:
        self.ns = ns
        self.netns = netns
        self.dev = dev
        self.key = key
        self.old = old
        self.new = new


class cpu_event:
    """A NAPI/softirq/IRQ timeline mark: kind is napi_poll, softirq_entry, softirq_exit,
    irq_entry, irq_exit, time_squeeze; `what` names the NAPI device, softirq or IRQ (or the
    new time_squeeze count)."""

    __slots__ = ("budget", "cpu", "kind", "ns", "what", "work")

    def __init__(self, ns: int, cpu: int, kind: str, what: str, work: int = 0,
                 budget: int = 0) -> None:
        self.ns = ns
        self.cpu = cpu
        self.kind = kind
        self.what = what
        self.work = work
        self.budget = budget


class route_query:
    """A route lookup seen on the skb path, input (`iif` set) or local output (`iif` "");
    re-explained by `explain.explain_route`."""

    __slots__ = ("daddr", "iif", "mark", "netns", "saddr", "tos")

    def __init__(self, netns: str, iif: str, daddr: int, saddr: int, tos: int,
                 mark: int) -> None:
        self.netns = netns
        self.iif = iif
        self.daddr = daddr
        self.saddr = saddr
        self.tos = tos
        self.mark = mark

    def key(self) -> tuple[str, str, int, int, int, int]:
        return (self.netns, self.iif, self.daddr, self.saddr, self.tos, self.mark)


class journey_tracer:
    """Records journeys for one kernel while attached. Several tracers may be attached at
    once (each sees every step); probes ignore code running for another kernel."""

    def __init__(self, k: Kernel, filter_text: str = "", columns: tuple[str, ...] = ()) -> None:
        self.k = k
        self.filter = Filter(filter_text)
        self.columns = columns
        self.events: list[skb_event] = []
        self.nud: list[nud_event] = []
        self.cpu_events: list[cpu_event] = []
        self.routes: dict[tuple[str, str, int, int, int, int], route_query] = {}
        self.lost = 0
        self.errors: list[str] = []
        self._seq = 0
        self._lineage: dict[int, int] = {}
        self._keys: dict[int, flow_key] = {}
        self._datagrams: dict[tuple[int, int, int, int], int] = {}
        self._nud_last: dict[tuple[str, str, int], int] = {}
        self._squeeze: dict[int, int] = {}
        self._ops = ftrace.ftrace_ops(self._on_entry)
        self._tracepoints: tuple[tuple[str, Any], ...] = (
            ("kfree_skb", self._on_kfree_skb),
            ("consume_skb", self._on_consume_skb),
            ("neigh_create", self._on_neigh_create),
            ("neigh_update", self._on_neigh_update),
            ("neigh_event_send_done", self._on_neigh_state),
            ("neigh_timer_handler", self._on_neigh_state),
            ("napi_poll", self._on_napi_poll),
            ("softirq_entry", self._on_softirq_entry),
            ("softirq_exit", self._on_softirq_exit),
            ("irq_handler_entry", self._on_irq_entry),
            ("irq_handler_exit", self._on_irq_exit),
        )
        self.attached = False

    # -- attach/detach ------------------------------------------------------------------
    def attach(self) -> None:
        """Patch the traced functions and attach the probes. Process context."""
        ftrace.register_ftrace_function(self._ops)
        for name, probe in self._tracepoints:
            self.k.trace.attach(name, probe)
        self.attached = True

    def detach(self) -> None:
        """Unpatch the traced functions (once no other tracer uses them) and detach the
        probes; the record stays."""
        if not self.attached:
            return
        ftrace.unregister_ftrace_function(self._ops)
        for name, probe in self._tracepoints:
            self.k.trace.detach(name, probe)
        self.attached = False

    # -- skb events ---------------------------------------------------------------------
    def _lineage_of(self, ev: skb_event) -> int:
        known = self._lineage.get(ev.skb_id)
        if known is not None:
            return known
        lineage = ev.skb_id
        datagram = (ev.saddr, ev.daddr, ev.proto, ev.ipid) if ev.l3 == L3_IP and ev.ipid else None
        if ev.parent_id and ev.parent_id in self._lineage:
            lineage = self._lineage[ev.parent_id]
        elif datagram is not None:
            lineage = self._datagrams.setdefault(datagram, lineage)
        self._lineage[ev.skb_id] = lineage
        return lineage

    def _record(self, skb: sk_buff, ev: skb_event) -> skb_event | None:
        """Keep `ev` if the filter matches; the headers are parsed only for a new lineage
        (whose flow key they become) or a kept step."""
        fill_identity(skb, ev)
        lineage = self._lineage.get(ev.skb_id, 0)
        parsed = not lineage or self._keys[lineage].l3 == ""
        if parsed:
            parse_headers(skb, ev)
            lineage = self._lineage_of(ev)
            key = self._keys.get(lineage)
            if key is None or (key.l3 == "" and ev.l3 != ""):
                self._keys[lineage] = flow_key(ev)
        ev.lineage = lineage
        if not self.filter.matches_all and not self.filter.match(
                _subject(self._keys[lineage], ev)):
            return None
        if len(self.events) >= MAX_EVENTS:
            self.lost += 1
            return None
        if not parsed:
            parse_headers(skb, ev)
        fill_layout(self.k, skb, ev)
        self._seq += 1
        ev.seq = self._seq
        self.events.append(ev)
        return ev

    def _guard(self, what: str, exc: Exception) -> None:
        """A failing probe stops the tracer, never the traced code (trio's rule)."""
        self.errors.append(f"{what}: {type(exc).__name__}: {exc}")
        self.detach()

    def _on_entry(self, func: str, caller: str, skb: Any) -> None:
        if skb is None or current.current_kernel_or_none() is not self.k:
            return
        try:
            ev = skb_event()
            ev.func = func
            ev.caller = caller
            if self._record(skb, ev) is not None and func in ROUTE_QUERY_FUNCS:
                self._route_query(skb, ev)
        except Exception as exc:
            self._guard(func, exc)

    def _route_query(self, skb: sk_buff, ev: skb_event) -> None:
        """Input lookups (iif = the device) and local output (iif "")."""
        if ev.l3 != L3_IP:
            return
        iif = ev.dev if ev.func == "ip_route_input_noref" else ""
        tos = skb.buf[skb.network_header + 1] & 0xFC
        q = route_query(ev.netns, iif, ev.daddr, ev.saddr, tos, skb.mark)
        self.routes[q.key()] = q

    def _on_free(self, skb: sk_buff, location: str, kind: str, reason: str) -> None:
        try:
            ev = skb_event()
            ev.kind = kind
            ev.func = "kfree_skb_reason" if kind == KIND_DROP else "consume_skb"
            ev.caller = location
            ev.location = location
            ev.reason = reason
            if self._record(skb, ev) is not None and kind == KIND_DROP:
                ev.explanation = explain.explain_drop(skb, location, reason)
        except Exception as exc:
            self._guard(kind, exc)

    def _on_kfree_skb(self, skb: sk_buff, location: str, reason: SKB_DROP_REASON) -> None:
        self._on_free(skb, location, KIND_DROP, SKB_DROP_REASON(reason).name)

    def _on_consume_skb(self, skb: sk_buff, location: str) -> None:
        self._on_free(skb, location, KIND_CONSUME, "")

    # -- timelines ----------------------------------------------------------------------
    def _on_neigh_create(self, tbl: Any, dev: Any, pkey: int, n: Any, exempt: bool) -> None:
        self.nud.append(nud_event(self.k.now_ns, dev.nd_net.name, dev.name, pkey, -1,
                                  n.nud_state))
        self._nud_last[(dev.nd_net.name, dev.name, pkey)] = n.nud_state

    def _on_neigh_update(self, n: Any, lladdr: Any, new: int, flags: int, pid: int) -> None:
        dev = n.dev
        self.nud.append(nud_event(self.k.now_ns, dev.nd_net.name, dev.name, n.primary_key,
                                  n.nud_state, new))
        self._nud_last[(dev.nd_net.name, dev.name, n.primary_key)] = new

    def _on_neigh_state(self, n: Any, rc: int) -> None:
        """State changes made outside __neigh_update (NONE→INCOMPLETE in
        __neigh_event_send, the timer's REACHABLE→STALE/DELAY→PROBE/…→FAILED)."""
        dev = n.dev
        key = (dev.nd_net.name, dev.name, n.primary_key)
        last = self._nud_last.get(key)
        if last is None or last != n.nud_state:
            self.nud.append(nud_event(self.k.now_ns, key[0], key[1], key[2],
                                      -1 if last is None else last, n.nud_state))
        self._nud_last[key] = n.nud_state

    def _cpu_event(self, kind: str, what: str, work: int = 0, budget: int = 0) -> None:
        cpu = self.k.this_cpu()
        self.cpu_events.append(cpu_event(cpu.clock, cpu.id, kind, what, work, budget))

    def _on_napi_poll(self, napi: Any, work: int, budget: int) -> None:
        dev = napi.dev
        self._cpu_event("napi_poll", dev.name if dev is not None else "backlog", work, budget)

    def _on_softirq_entry(self, vec: int) -> None:
        self._cpu_event("softirq_entry", _softirq_name(vec))

    def _on_softirq_exit(self, vec: int) -> None:
        """Also marks a time squeeze: net_rx_action ran out of budget or time with work
        left (softnet_data.time_squeeze went up)."""
        self._cpu_event("softirq_exit", _softirq_name(vec))
        if vec != softirq.NET_RX_SOFTIRQ:
            return
        cpu = self.k.this_cpu()
        squeezed = cpu.softnet_data.time_squeeze
        if squeezed != self._squeeze.setdefault(cpu.id, squeezed):
            self._cpu_event("time_squeeze", str(squeezed))
        self._squeeze[cpu.id] = squeezed

    def _on_irq_entry(self, irq: int, name: str) -> None:
        self._cpu_event("irq_entry", f"{irq}:{name}")

    def _on_irq_exit(self, irq: int, ret: int) -> None:
        self._cpu_event("irq_exit", str(irq))

    # -- queries ------------------------------------------------------------------------
    def lineages(self) -> dict[int, list[skb_event]]:
        """Events grouped by lineage (packet), in first-seen order."""
        out: dict[int, list[skb_event]] = {}
        for ev in self.events:
            out.setdefault(ev.lineage, []).append(ev)
        return out

    def drops(self) -> list[skb_event]:
        return [ev for ev in self.events if ev.kind == KIND_DROP]

    def drop_summary(self) -> Counter[tuple[str, str]]:
        """Drops by (reason, function), as dropwatch groups them."""
        return Counter((ev.reason, ev.location) for ev in self.drops())


def _softirq_name(vec: int) -> str:
    names = softirq.softirq_to_name
    return str(names[vec]) if 0 <= vec < len(names) else str(vec)


class drop_monitor:
    """Counts drops by (namespace of the skb's device, reason, function) from the `kfree_skb`
    tracepoint (net_dm/dropwatch's data). Cheap: no function tracing. `attach()`/`detach()`;
    `counts` is a Counter."""

    def __init__(self, k: Kernel) -> None:
        self.k = k
        self.counts: Counter[tuple[str | None, str, str]] = Counter()

    def _probe(self, skb: sk_buff, location: str, reason: SKB_DROP_REASON) -> None:
        dev = skb.dev
        ns = dev.nd_net.name if dev is not None else None
        self.counts[(ns, SKB_DROP_REASON(reason).name, location)] += 1

    def attach(self) -> None:
        self.k.trace.attach("kfree_skb", self._probe)

    def detach(self) -> None:
        self.k.trace.detach("kfree_skb", self._probe)

    def summary(self, net: Net | None = None, clear: bool = False) -> list[tuple[str, str, int]]:
        """(reason, function, count) of `net`'s drops (all with None), most frequent first,
        then by name; `clear` forgets what it returns."""
        rows: Counter[tuple[str, str]] = Counter()
        for key, n in list(self.counts.items()):
            if net is None or key[0] == net.name:
                rows[key[1:]] += n
                if clear:
                    del self.counts[key]
        return sorted(((r, f, c) for (r, f), c in rows.items()),
                      key=lambda t: (-t[2], t[0], t[1]))
