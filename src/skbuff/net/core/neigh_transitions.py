"""The NUD state machine as data: every (state, event) → new state the code can take, with
the action and the kernel rule, so documentation can draw the diagram from one table.

Kernel: net/core/neighbour.c __neigh_event_send, neigh_timer_handler, __neigh_update (6.12).
The code in `neighbour` is the implementation; `tests/net/core/test_neighbour_state.py`
checks that every transition it takes under random traffic is listed here.

Events: `send` (__neigh_event_send: a packet needs the address), `timer`
(neigh_timer_handler), `update` (__neigh_update: ARP learned something, or `ip neigh`).
"""

from __future__ import annotations

from dataclasses import dataclass

from skbuff.compat import slotted
from skbuff.uapi.neighbour import (
    NUD_DELAY,
    NUD_FAILED,
    NUD_INCOMPLETE,
    NUD_NOARP,
    NUD_NONE,
    NUD_PERMANENT,
    NUD_PROBE,
    NUD_REACHABLE,
    NUD_STALE,
    NUD_STATE_NAMES,
)

NUD_NAMES: dict[int, str] = {NUD_NONE: "NONE", **dict(NUD_STATE_NAMES)}
_DYNAMIC = (NUD_NONE, NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE,
            NUD_FAILED)
_VALID_DYNAMIC = (NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE)
SAME = -1  # `new` meaning: the entry keeps the state it had


@slotted
@dataclass(frozen=True)
class nud_transition:
    """From any of `states`, on `event`, to `new` (or `SAME`), doing `action`, because of
    `rule`.

    Kernel: net/core/neighbour.c neigh_timer_handler, __neigh_update.
    """

    states: tuple[int, ...]
    event: str
    new: int
    action: str
    rule: str


TRANSITIONS: tuple[nud_transition, ...] = (
    # __neigh_event_send
    nud_transition((NUD_NONE, NUD_FAILED), "send", NUD_INCOMPLETE,
                   "probes = ucast_probes; solicit now; timer retrans_time; queue skb",
                   "mcast_probes + app_probes > 0 (6.12: first probe immediate)"),
    nud_transition((NUD_NONE, NUD_FAILED), "send", NUD_FAILED,
                   "drop skb (NEIGH_FAILED)", "mcast_probes + app_probes == 0"),
    nud_transition((NUD_STALE,), "send", NUD_DELAY,
                   "send with cached address; timer delay_first_probe_time",
                   "a STALE entry is used"),
    nud_transition((NUD_REACHABLE, NUD_DELAY, NUD_PROBE, NUD_PERMANENT, NUD_NOARP), "send",
                   SAME, "send now with the cached address", "CONNECTED, DELAY or PROBE"),
    nud_transition((NUD_INCOMPLETE,), "send", NUD_INCOMPLETE,
                   "queue skb; drop the oldest while over unres_qlen_bytes (NEIGH_QUEUEFULL)",
                   "resolution in progress"),
    # neigh_timer_handler
    nud_transition((NUD_REACHABLE,), "timer", NUD_REACHABLE, "re-arm at confirmed + reachable",
                   "now <= confirmed + reachable_time"),
    nud_transition((NUD_REACHABLE,), "timer", NUD_DELAY, "timer delay_probe_time",
                   "not confirmed, but used within delay_probe_time"),
    nud_transition((NUD_REACHABLE,), "timer", NUD_STALE, "no timer", "neither confirmed nor used"),
    nud_transition((NUD_DELAY,), "timer", NUD_REACHABLE, "timer confirmed + reachable_time",
                   "confirmed within delay_probe_time (neigh_confirm)"),
    nud_transition((NUD_DELAY,), "timer", NUD_PROBE, "probes = 0; unicast solicit",
                   "no confirmation within delay_probe_time"),
    nud_transition((NUD_DELAY,), "timer", NUD_FAILED, "neigh_invalidate",
                   "neigh_max_probes == 0 in PROBE (ucast + app + mcast_reprobes)"),
    nud_transition((NUD_INCOMPLETE, NUD_PROBE), "timer", SAME,
                   "solicit (unicast while probes < ucast, then app, then broadcast); probes++",
                   "probes < neigh_max_probes"),
    nud_transition((NUD_INCOMPLETE, NUD_PROBE), "timer", NUD_FAILED,
                   "neigh_invalidate: error_report each queued skb (ICMP host unreachable)",
                   "probes >= neigh_max_probes"),
    # __neigh_update
    nud_transition(_DYNAMIC, "update", NUD_FAILED,
                   "stop timer; from INCOMPLETE/PROBE run neigh_invalidate",
                   "new state not VALID (ip neigh del, arp_invalidate)"),
    nud_transition(_DYNAMIC, "update", NUD_NONE, "stop timer", "new state not VALID"),
    nud_transition(_DYNAMIC, "update", NUD_REACHABLE,
                   "confirmed = now; timer reachable_time; connected output; flush queue",
                   "a unicast ARP reply (or ip neigh ... nud reachable)"),
    nud_transition(_DYNAMIC, "update", NUD_STALE,
                   "record the address; flush queue if it was not VALID",
                   "a request, a broadcast reply, a gratuitous ARP"),
    nud_transition((NUD_NONE, NUD_INCOMPLETE, NUD_FAILED), "update", NUD_DELAY,
                   "STALE, then the queue flushed through neigh_resolve_output uses it",
                   "STALE with packets waiting"),
    nud_transition(_VALID_DYNAMIC, "update", SAME,
                   "keep the state",
                   "same address and new == STALE (not admin); or a different address "
                   "without OVERRIDE"),
    nud_transition((*_DYNAMIC, NUD_PERMANENT, NUD_NOARP), "update", NUD_PERMANENT,
                   "no timer; exempt from gc", "NEIGH_UPDATE_F_ADMIN (ip neigh ... permanent)"),
    nud_transition((NUD_PERMANENT, NUD_NOARP), "update", SAME,
                   "refused with -EPERM", "not NEIGH_UPDATE_F_ADMIN"),
)


def nud_allowed(old: int, event: str, new: int) -> bool:
    """Does the table list `old --event--> new`?"""
    return any(
        t.event == event and old in t.states and (t.new == new or (t.new == SAME and new == old))
        for t in TRANSITIONS
    )


def nud_dot() -> str:
    """The state diagram (Graphviz dot) drawn from `TRANSITIONS`."""
    edges = dict.fromkeys(
        f'  {NUD_NAMES[s]} -> {NUD_NAMES[s if t.new == SAME else t.new]} [label="{t.event}"];'
        for t in TRANSITIONS
        for s in t.states
    )
    return "digraph nud {\n  rankdir=LR;\n" + "\n".join(edges) + "\n}\n"
