"""pwru-style text: one line per journey step, a header, and the drop's cause under it.

Columns: simulated time (s.ns), skb id (`#7`, a clone `#9<7`), CPU, netns, device, length,
the flow (`10.1.0.2:48690->10.2.0.2:7000(udp)`; no ports on non-first fragments), the
function and its caller. Optional columns (`columns=("skb", "diff")`): the layout
(head/data/tail/end, mac/network/transport header offsets, users/dataref), and what changed
since the same skb's previous step.
"""

from __future__ import annotations

from collections.abc import Iterable

from skbuff.trace.filter import L3_ARP, L3_IP
from skbuff.trace.journey import DIFF_FIELDS, HEADER_UNSET, KIND_DROP, skb_event
from skbuff.uapi.inet import ntoa

PROTO_NAMES = {1: "icmp", 6: "tcp", 17: "udp"}
ARP_OPS = {1: "request", 2: "reply"}

HEADER = (f"{'TIME':>14} {'SKB':>7} {'CPU':>3} {'NETNS':<8} {'DEV':<8} {'LEN':>5} "
          f"{'TUPLE':<42} {'FUNC':<26} CALLER")


def fmt_time(ns: int) -> str:
    return f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"


def fmt_tuple(ev: skb_event) -> str:
    """The flow of a step as pwru prints it."""
    if ev.l3 == L3_IP:
        name = PROTO_NAMES.get(ev.proto, str(ev.proto))
        if ev.proto in (6, 17) and (ev.sport or ev.dport):
            return f"{ntoa(ev.saddr)}:{ev.sport}->{ntoa(ev.daddr)}:{ev.dport}({name})"
        return f"{ntoa(ev.saddr)}->{ntoa(ev.daddr)}({name})"
    if ev.l3 == L3_ARP:
        return f"{ntoa(ev.saddr)}->{ntoa(ev.daddr)}(arp {ARP_OPS.get(ev.proto, ev.proto)})"
    return f"proto={ev.protocol:#06x}"


def fmt_skb_id(ev: skb_event) -> str:
    return f"#{ev.skb_id}" + (f"<{ev.parent_id}" if ev.parent_id else "")


def _off(v: int) -> str:
    return "-" if v == HEADER_UNSET else str(v)


def fmt_layout(ev: skb_event) -> str:
    return (f"head={ev.head} data={ev.data} tail={ev.tail} end={ev.end} "
            f"mac={_off(ev.mac_header)} nh={_off(ev.network_header)} "
            f"th={_off(ev.transport_header)} users={ev.users} dataref={ev.dataref}")


def diff(prev: skb_event | None, ev: skb_event) -> str:
    """`field old→new` for every DIFF_FIELDS field that changed since `prev`."""
    if prev is None:
        return "(first step)"
    out = []
    for name in DIFF_FIELDS:
        a, b = getattr(prev, name), getattr(ev, name)
        if a != b:
            out.append(f"{name} {_value(name, a)}→{_value(name, b)}")
    return " ".join(out) if out else "(unchanged)"


def _value(name: str, v: int | str) -> str:
    if isinstance(v, str):
        return v or "-"
    if name == "protocol":
        return f"{v:#06x}"
    return _off(v)


def render_events(events: Iterable[skb_event], columns: tuple[str, ...] = (),
                  header: bool = True) -> str:
    """The steps as text lines (see the module doc); drops end with `reason` and cause."""
    lines = [HEADER] if header else []
    prev: dict[int, skb_event] = {}
    for ev in events:
        line = (f"{fmt_time(ev.ns):>14} {fmt_skb_id(ev):>7} {ev.cpu:>3} "
                f"{ev.netns or 'init_net':<8} {ev.dev or '-':<8} {ev.len:>5} "
                f"{fmt_tuple(ev):<42} {ev.func:<26} {ev.caller}")
        if ev.kind == KIND_DROP:
            line += f" reason={ev.reason}"
        if "skb" in columns:
            line += f" | {fmt_layout(ev)}"
        if "diff" in columns:
            line += f" | {diff(prev.get(ev.skb_id), ev)}"
        lines.append(line)
        if ev.kind == KIND_DROP and ev.explanation:
            lines.append(f"{'':>14} └─ dropped: {ev.explanation}")
        prev[ev.skb_id] = ev
    return "\n".join(lines) + "\n" if lines else ""
