"""JSON lines, one event per line, in retis' shape: `common` (timestamp, smp_id), `kernel`
(symbol, probe_type), `skb-tracking` (skb id, parent, lineage), `dev`, `netns`, `skb`
(layout), `ip`/`arp`, `udp`/`tcp`, `skb-drop` (reason, location, explanation)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from skbuff.trace.filter import L3_ARP, L3_IP
from skbuff.trace.journey import KIND_CALL, KIND_DROP, skb_event
from skbuff.uapi.inet import ntoa


def event_to_json(ev: skb_event) -> dict[str, Any]:
    """One event as a retis-like dict."""
    out: dict[str, Any] = {
        "common": {"timestamp": ev.ns, "smp_id": ev.cpu},
        "kernel": {"symbol": ev.func, "caller": ev.caller,
                   "probe_type": "fentry" if ev.kind == KIND_CALL else "raw_tracepoint"},
        "skb-tracking": {"skb": ev.skb_id, "parent": ev.parent_id, "lineage": ev.lineage,
                         "seq": ev.seq},
        "dev": {"name": ev.dev},
        "netns": {"name": ev.netns or "init_net"},
        "skb": {"len": ev.len, "head": ev.head, "data": ev.data, "tail": ev.tail,
                "end": ev.end, "mac_header": ev.mac_header,
                "network_header": ev.network_header, "transport_header": ev.transport_header,
                "users": ev.users, "dataref": ev.dataref, "pkt_type": ev.pkt_type,
                "protocol": ev.protocol},
    }
    if ev.l3 == L3_IP:
        out["ip"] = {"saddr": ntoa(ev.saddr), "daddr": ntoa(ev.daddr), "protocol": ev.proto,
                     "id": ev.ipid, "ttl": ev.ttl}
        if ev.proto in (6, 17):
            out["udp" if ev.proto == 17 else "tcp"] = {"sport": ev.sport, "dport": ev.dport}
    elif ev.l3 == L3_ARP:
        out["arp"] = {"operation": ev.proto, "sip": ntoa(ev.saddr), "tip": ntoa(ev.daddr)}
    if ev.kind == KIND_DROP:
        out["skb-drop"] = {"drop_reason": ev.reason, "location": ev.location,
                           "explanation": ev.explanation}
    elif ev.kind != KIND_CALL:
        out["skb-consume"] = {"location": ev.location}
    return out


def render_jsonl(events: Iterable[skb_event]) -> str:
    """Newline-terminated JSON lines, keys sorted (stable output for golden files)."""
    return "".join(json.dumps(event_to_json(ev), sort_keys=True) + "\n" for ev in events)
