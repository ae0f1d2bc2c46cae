"""Why a packet was dropped, and why a route lookup chose what it chose, in plain words.

Drops: `DROP_EXPLAINERS` is the one table reason → function(skb, location, net) computing the
cause from the packet and the namespace's state at the moment of the drop (the `kfree_skb`
tracepoint fires before the skb is freed). A reason without an entry, or an entry that
finds nothing more specific, falls back to the kernel header's description of the reason.

Routes: `explain_route` runs the same lookup as `ip route get` (an output lookup as a local
socket, or with `iif` a simulated input lookup) with a `DecisionRecord` attached, and renders
it: rules in order (matched/skipped and why), tables searched, every prefix in those tables
covering the destination and why it was taken or passed over, aliases and nexthops with
their reasons, the source address choice, and the resulting dst's input/output functions.
For input lookups that fail, the cause is named (martian source/destination, rp_filter
with the reverse path's device, forwarding off). `ip route get … explain` is an skbuff
switch: real iproute2 has no such keyword.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.net import flow
from skbuff.net.core import dst as core_dst
from skbuff.net.core import neighbour
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON, drop_reason_text
from skbuff.net.core.skbuff import HEADER_UNSET
from skbuff.net.ipv4 import (
    devinet,
    fib_decision,
    fib_frontend,
    fib_semantics,
    fib_trie,
    ip_fib,
    route,
)
from skbuff.net.ipv4 import fib_rules as ipv4_fib_rules
from skbuff.uapi import in_
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.inet import ntoa
from skbuff.uapi.neighbour import NUD_FAILED

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff



def netns_label(net: Net | None) -> str:
    """How a namespace is named in explanations: its `ip netns` name, or init_net."""
    if net is None:
        return "?"
    return net.name or "init_net"


def _iph(skb: sk_buff) -> tuple[int, int, int, int, int] | None:
    """(saddr, daddr, ttl, tos, protocol) of the skb's IPv4 header, or None."""
    nh = skb.network_header
    buf = skb.buf
    if nh == HEADER_UNSET or nh + 20 > len(buf) or buf[nh] >> 4 != 4:
        return None
    return (int.from_bytes(buf[nh + 12:nh + 16], "big"), int.from_bytes(buf[nh + 16:nh + 20],
            "big"), buf[nh + 8], buf[nh + 1], buf[nh + 9])


# -- input-route causes (shared by drop explanations and route explanations) ---------------

def martian_cause(net: Net, dev: net_device, daddr: int, saddr: int) -> str:
    """The martian check that rejects (saddr, daddr) on `dev`, or "".

    Kernel: net/ipv4/route.c ip_route_input_slow (the checks before fib_lookup, in order).
    """
    in_dev = dev.ip_ptr
    localnet = in_dev is not None and devinet.IN_DEV_NET_ROUTE_LOCALNET(in_dev, net)
    if in_.ipv4_is_multicast(saddr) or in_.ipv4_is_lbcast(saddr):
        return f"martian source {ntoa(saddr)} on {dev.name}: a multicast/broadcast source"
    if in_.ipv4_is_lbcast(daddr) or (saddr == 0 and daddr == 0):
        return ""
    if in_.ipv4_is_zeronet(saddr):
        return f"martian source {ntoa(saddr)} on {dev.name}: source in 0.0.0.0/8"
    if in_.ipv4_is_zeronet(daddr):
        return f"martian destination {ntoa(daddr)} on {dev.name}: destination in 0.0.0.0/8"
    if in_.ipv4_is_loopback(daddr) and not localnet:
        return (f"martian destination {ntoa(daddr)} on {dev.name}: 127.0.0.0/8 with "
                f"net.ipv4.conf.{dev.name}.route_localnet=0")
    if in_.ipv4_is_loopback(saddr) and not localnet:
        return (f"martian source {ntoa(saddr)} on {dev.name}: 127.0.0.0/8 with "
                f"net.ipv4.conf.{dev.name}.route_localnet=0")
    return ""


def rp_filter_cause(net: Net, dev: net_device, saddr: int, daddr: int, mark: int = 0) -> str:
    """Why the reverse-path check rejects `saddr` arriving on `dev`, or "".

    Kernel: net/ipv4/fib_frontend.c fib_validate_source / __fib_validate_source.
    """
    in_dev = dev.ip_ptr
    if in_dev is None:
        return ""
    rpf = devinet.IN_DEV_RPFILTER(in_dev)
    fl4 = flow.flowi4(flowi4_iif=flow.LOOPBACK_IFINDEX, daddr=saddr, saddr=daddr,
                      flowi4_scope=uapi_rt.RT_SCOPE_UNIVERSE, flowi4_mark=mark)
    res = ip_fib.fib_result()
    if ipv4_fib_rules.fib_lookup(net, fl4, res, 0):
        if not rpf:
            return ""
        return (f"rp_filter={rpf} on {dev.name}: no route back to {ntoa(saddr)} "
                f"(reverse path lookup fails)")
    if res.type == uapi_rt.RTN_LOCAL and not devinet.IN_DEV_ACCEPT_LOCAL(in_dev):
        return (f"source {ntoa(saddr)} is one of {netns_label(net)}'s own addresses "
                f"(accept_local=0 on {dev.name})")
    if res.type != uapi_rt.RTN_UNICAST and res.type != uapi_rt.RTN_LOCAL:
        return (f"reverse path to {ntoa(saddr)} is a {fib_semantics.RTN_NAMES[res.type]} "
                "route")
    out = ip_fib.FIB_RES_NHC(res).nhc_dev
    if res.fi is not None and fib_semantics.fib_info_nh_uses_dev(res.fi, dev):
        return ""
    if rpf == 1 and out is not None:
        return (f"rp_filter=1 on {dev.name}: reverse path to {ntoa(saddr)} leaves through "
                f"{out.name}")
    return ""


def forwarding_cause(net: Net, dev: net_device, daddr: int) -> str:
    """'ip_forward is 0 on NS' when the input device does not forward, or "".

    Kernel: net/ipv4/route.c ip_route_input_slow (no forwarding: -EHOSTUNREACH) and ip_error.
    """
    in_dev = dev.ip_ptr
    if in_dev is None or devinet.IN_DEV_FORWARD(in_dev):
        return ""
    return (f"ip_forward is 0 on {netns_label(net)} (net.ipv4.conf.{dev.name}.forwarding=0): "
            f"{ntoa(daddr)} is not a local address and {netns_label(net)} does not forward")


def no_route_cause(net: Net, daddr: int, saddr: int, iif: int, tos: int, mark: int) -> str:
    """'no route to D in table T (rules: …)' from a recorded fib_lookup, or "" if one
    exists. Kernel: include/net/ip_fib.h fib_lookup, net/ipv4/fib_rules.c __fib_lookup."""
    rec = fib_decision.DecisionRecord()
    fl4 = flow.flowi4(flowi4_iif=iif, daddr=daddr, saddr=saddr, flowi4_tos=tos,
                      flowi4_mark=mark, decision=rec)
    err = ipv4_fib_rules.fib_lookup(net, fl4, ip_fib.fib_result(), 0)
    if not err:
        return ""
    tables = ", ".join(_table_name(s["table"]) for s in rec.steps if s["kind"] == "table")
    rules = list(dict.fromkeys(f"{s['pref']} {s['rule']}" for s in rec.steps
                               if s["kind"] == "rule"))
    ruletext = "; ".join(rules) if rules else "default rules only: main, then default"
    what = {errno.ENETUNREACH: "no route", errno.EHOSTUNREACH: "an unreachable route",
            errno.EACCES: "a prohibit route", errno.EINVAL: "a blackhole route"}.get(
                -err, f"error {-err}")
    where = f" in table {tables}" if tables else ""
    return f"{what} to {ntoa(daddr)}{where} on {netns_label(net)} (rules: {ruletext})"


def _table_name(tb_id: int) -> str:
    return {uapi_rt.RT_TABLE_MAIN: "main", uapi_rt.RT_TABLE_LOCAL: "local",
            uapi_rt.RT_TABLE_DEFAULT: "default"}.get(tb_id, str(tb_id))


# -- drop explainers ---------------------------------------------------------------------

Explainer = Callable[["sk_buff", str, "Net | None"], str]


def _route_error(skb: sk_buff, location: str, net: Net | None) -> str:
    """ip_rcv_finish_core: ip_route_input_noref failed (martian, rp_filter, no route)."""
    hdr = _iph(skb)
    dev = skb.dev
    if hdr is None or dev is None or net is None:
        return ""
    saddr, daddr, _ttl, tos, _p = hdr
    return (martian_cause(net, dev, daddr, saddr)
            or rp_filter_cause(net, dev, saddr, daddr, skb.mark)
            or no_route_cause(net, daddr, saddr, dev.ifindex, tos & 0xFC, skb.mark))


def _not_specified(skb: sk_buff, location: str, net: Net | None) -> str:
    if location in ("ip_rcv_finish_core", "ip_rcv_finish"):
        return _route_error(skb, location, net)
    if location == "ip_error":
        return _ip_error(skb, location, net)
    if location in ("veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit") and skb.dev:
        return f"{skb.dev.name} could not transmit (peer down or queue stopped)"
    return ""


def _ip_error(skb: sk_buff, location: str, net: Net | None) -> str:
    hdr = _iph(skb)
    dev = skb.dev
    if hdr is None or dev is None or net is None:
        return ""
    saddr, daddr, _ttl, tos, _p = hdr
    return (forwarding_cause(net, dev, daddr)
            or no_route_cause(net, daddr, saddr, dev.ifindex, tos & 0xFC, skb.mark))


def _inhdr(skb: sk_buff, location: str, net: Net | None) -> str:
    hdr = _iph(skb)
    if hdr is not None and location == "ip_forward" and hdr[2] <= 1:
        return (f"TTL expired at {netns_label(net)} (ttl {hdr[2]} on arrival): ICMP time "
                "exceeded sent back")
    return ""


def _neigh_entry(skb: sk_buff) -> neighbour.neighbour | None:
    rt = core_skbuff.skb_dst(skb)
    hdr = _iph(skb)
    if rt is None or hdr is None or rt.dev is None:
        return None
    k = rt.dev.nd_net.kernel
    n: neighbour.neighbour | None = neighbour.arp_tbl(k).hash_buckets.get(
        (route.rt_nexthop(rt, hdr[1]), rt.dev))
    return n


def _neigh_failed(skb: sk_buff, location: str, net: Net | None) -> str:
    n = _neigh_entry(skb)
    if n is None:
        return ""
    state = "FAILED" if n.nud_state & NUD_FAILED else f"state {n.nud_state:#x}"
    p = n.parms
    # __neigh_event_send starts an INCOMPLETE entry's count at ucast_solicit: only the
    # broadcast (and app) probes are sent; a PROBE entry counts from 0 (neigh_max_probes).
    if n.probes >= p.ucast_probes + p.app_probes + p.mcast_probes:
        sent = n.probes - p.ucast_probes
        limits = f"mcast_solicit {p.mcast_probes}, app_solicit {p.app_probes}"
    else:
        sent = n.probes
        limits = f"ucast_solicit {p.ucast_probes}, mcast_resolicit {p.mcast_reprobes}"
    return (f"neighbour {ntoa(n.primary_key)} on {n.dev.name} ({netns_label(n.dev.nd_net)}) "
            f"{state} after {sent} probes ({limits}) without an ARP reply")


def _neigh_queuefull(skb: sk_buff, location: str, net: Net | None) -> str:
    n = _neigh_entry(skb)
    if n is None:
        return ""
    return (f"neighbour {ntoa(n.primary_key)} on {n.dev.name} unresolved and its queue is full "
            f"(net.ipv4.neigh.{n.dev.name}.unres_qlen_bytes): the oldest packet was dropped")


def _cpu_backlog(skb: sk_buff, location: str, net: Net | None) -> str:
    if net is None:
        return ""
    k = net.kernel
    return (f"netdev_max_backlog ({k.net_hotdata.max_backlog}) exceeded on "
            f"CPU{k.this_cpu().id}")


def _too_big(skb: sk_buff, location: str, net: Net | None) -> str:
    rt = core_skbuff.skb_dst(skb)
    if rt is None or rt.dev is None:
        return ""
    return (f"{skb.len} bytes with DF set exceed the MTU {core_dst.dst_mtu(rt)} of "
            f"{rt.dev.name} on {netns_label(net)}: ICMP fragmentation needed sent back")


def _otherhost(skb: sk_buff, location: str, net: Net | None) -> str:
    dev = skb.dev
    return f"frame addressed to another host's MAC reached {dev.name if dev else '?'}"


def _noproto(skb: sk_buff, location: str, net: Net | None) -> str:
    hdr = _iph(skb)
    proto = hdr[4] if hdr is not None else -1
    return (f"no handler for IP protocol {proto} on {netns_label(net)}: ICMP protocol "
            "unreachable sent back")


def _no_socket(skb: sk_buff, location: str, net: Net | None) -> str:
    th = skb.transport_header
    hdr = _iph(skb)
    if th == HEADER_UNSET or hdr is None:
        return ""
    buf = skb.buf
    if hdr[4] == in_.IPPROTO_ICMP:
        ident = int.from_bytes(buf[th + 4:th + 6], "big")
        return (f"no ping socket with id {ident} in {netns_label(net)} for this ICMP type "
                f"{buf[th]} (it was closed or never existed)")
    port = int.from_bytes(buf[th + 2:th + 4], "big")
    return f"no UDP socket on port {port} in {netns_label(net)}: ICMP port unreachable sent"


def _qdisc(skb: sk_buff, location: str, net: Net | None) -> str:
    dev = skb.dev
    if dev is None:
        return ""
    return f"{dev.name}'s qdisc is full (txqueuelen {dev.tx_queue_len})"


def _dev_ready(skb: sk_buff, location: str, net: Net | None) -> str:
    dev = skb.dev
    return f"{dev.name} is not up" if dev is not None else ""


DROP_EXPLAINERS: dict[SKB_DROP_REASON, Explainer] = {
    SKB_DROP_REASON.NOT_SPECIFIED: _not_specified,
    SKB_DROP_REASON.IP_INADDRERRORS: _ip_error,
    SKB_DROP_REASON.IP_INNOROUTES: _ip_error,
    SKB_DROP_REASON.IP_RPFILTER: _route_error,
    SKB_DROP_REASON.IP_INHDR: _inhdr,
    SKB_DROP_REASON.NEIGH_FAILED: _neigh_failed,
    SKB_DROP_REASON.NEIGH_QUEUEFULL: _neigh_queuefull,
    SKB_DROP_REASON.CPU_BACKLOG: _cpu_backlog,
    SKB_DROP_REASON.PKT_TOO_BIG: _too_big,
    SKB_DROP_REASON.OTHERHOST: _otherhost,
    SKB_DROP_REASON.IP_NOPROTO: _noproto,
    SKB_DROP_REASON.NO_SOCKET: _no_socket,
    SKB_DROP_REASON.QDISC_DROP: _qdisc,
    SKB_DROP_REASON.DEV_READY: _dev_ready,
}


def explain_drop(skb: sk_buff, location: str, reason: str) -> str:
    """The cause of a drop in plain words: the explainer's finding, else the reason's text.
    Called from the kfree_skb tracepoint (the skb is still valid)."""
    r = SKB_DROP_REASON[reason]
    dev = skb.dev
    net = dev.nd_net if dev is not None else None
    fn = DROP_EXPLAINERS.get(r)
    found = fn(skb, location, net) if fn is not None else ""
    return found or drop_reason_text(r)


# -- route explanations ------------------------------------------------------------------

def _covering(tb: ip_fib.fib_table, daddr: int) -> list[tuple[int, int, Any]]:
    """(prefix, plen, alias) of every route in `tb`'s trie that contains `daddr`,
    longest prefix first (the trie's preference), then in alias order."""
    out: list[tuple[int, int, Any]] = []
    for leaf in fib_trie.fib_trie_leaves(tb.tb_data):
        for fa in fib_trie.leaf_aliases(leaf):
            plen = 32 - fa.fa_slen
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
            if (daddr & mask) == leaf.key & mask:
                out.append((leaf.key & mask, plen, fa))
    out.sort(key=lambda t: -t[1])
    return out


def _prefix_lines(net: Net, rec: fib_decision.DecisionRecord, daddr: int) -> list[str]:
    """For each table searched: the candidate prefixes and why each was taken or not."""
    lines: list[str] = []
    taken = [s for s in rec.steps if s["kind"] == "alias" and s["taken"]]
    chosen = (taken[-1]["prefix"], taken[-1]["plen"], taken[-1]["desc"]) if taken else None
    seen: set[int] = set()
    for s in rec.steps:
        if s["kind"] != "table" or s["table"] in seen:
            continue
        seen.add(s["table"])
        tb = fib_frontend.fib_get_table(net, s["table"])
        if tb is None:
            continue
        cands = _covering(tb, daddr)
        lines.append(f"  candidates in table {_table_name(s['table'])} for {ntoa(daddr)}: "
                     f"{len(cands) or 'none'}")
        for prefix, plen, fa in cands:
            desc = fib_semantics.fa_desc(fa)
            fi = fa.fa_info
            nhs = ", ".join(fib_semantics.nhc_desc(ip_fib.fib_info_nhc(fi, i))
                            for i in range(ip_fib.fib_info_num_path(fi)))
            if chosen is not None and (prefix, plen, desc) == chosen:
                why = "CHOSEN"
            elif chosen is not None and plen < chosen[1]:
                why = f"passed over: /{chosen[1]} is a longer match"
            elif chosen is not None and (prefix, plen) == chosen[:2] and not _recorded(
                    rec, prefix, plen, desc):
                why = ("passed over: the chosen alias of this prefix comes first (TOS "
                       "routes first, then the lowest metric)")
            else:
                why = _alias_why(rec, prefix, plen, desc)
            lines.append(f"    {ntoa(prefix)}/{plen} {desc} [{nhs}]: {why}")
    return lines


def _recorded(rec: fib_decision.DecisionRecord, prefix: int, plen: int,
              desc: str) -> dict[str, Any] | None:
    """The lookup's own verdict on this alias, if it examined it."""
    for s in rec.steps:
        if (s["kind"] == "alias" and s["prefix"] == prefix and s["plen"] == plen
                and s["desc"] == desc):
            return s
    return None


def _alias_why(rec: fib_decision.DecisionRecord, prefix: int, plen: int, desc: str) -> str:
    s = _recorded(rec, prefix, plen, desc)
    if s is not None:
        return ("taken: " if s["taken"] else "skipped: ") + s["why"]
    return "not reached (an earlier alias or table decided)"


def _dst_text(rt: Any) -> str:
    dev = rt.dev.name if rt.dev is not None else "-"
    via = f" via {ntoa(rt.rt_gw4)}" if rt.rt_gw_family else ""
    kind = fib_semantics.RTN_NAMES[rt.rt_type]
    return (f"{kind}{via} dev {dev}; dst.input={rt.input.__name__.lstrip('_')} "
            f"dst.output={rt.output.__name__.lstrip('_')}"
            + (f" error={rt.error}" if rt.error else ""))


def explain_route(net: Net, daddr: int, saddr: int = 0, iif: str = "", oif: str = "",
                  tos: int = 0, mark: int = 0) -> str:
    """The route decision for (daddr, saddr, iif|oif, tos, mark) in `net`, explained.

    Without `iif`: an output lookup as a local socket (ip_route_output_key, iif = lo);
    with it: ip_route_input_rcu on a dummy packet as `ip route get iif` does. Runs in
    process context (the caller's task); leaves no state behind but route caches.
    Kernel: net/ipv4/route.c inet_rtm_getroute (the same lookups), plus skbuff's
    DecisionRecord.
    """
    rec = fib_decision.DecisionRecord()
    head = f"route to {ntoa(daddr)}" + (f" from {ntoa(saddr)}" if saddr else "")
    causes: list[str] = []
    dst_line = ""
    if iif:
        dev = net.dev_base_head.get(iif)
        if dev is None:
            return f'Cannot find device "{iif}"'
        head += f" arriving on {iif} (input lookup)"
        skb = route.inet_rtm_getroute_build_skb(saddr, daddr, 0, 0, 0)
        skb.dev = dev
        skb.mark = mark
        err = route.ip_route_input_rcu(skb, daddr, saddr, tos & 0xFC, dev, ip_fib.fib_result(),
                                       rec)
        rt = core_skbuff.skb_dst(skb)
        if not err and rt is not None:
            dst_line = _dst_text(rt)
            if rt.error:
                causes.append(forwarding_cause(net, dev, daddr)
                              or no_route_cause(net, daddr, saddr, dev.ifindex, tos, mark))
        else:
            causes.append(martian_cause(net, dev, daddr, saddr)
                          or rp_filter_cause(net, dev, saddr, daddr, mark)
                          or no_route_cause(net, daddr, saddr, dev.ifindex, tos, mark)
                          or f"input route error {-err} ({errno.errorcode.get(-err, '?')})")
        core_skbuff.kfree_skb(skb)
    else:
        oifindex = 0
        if oif:
            odev = net.dev_base_head.get(oif)
            if odev is None:
                return f'Cannot find device "{oif}"'
            oifindex = odev.ifindex
            head += f" out of {oif}"
        head += " (output lookup, as a local socket)"
        fl4 = flow.flowi4(daddr=daddr, saddr=saddr, flowi4_oif=oifindex, flowi4_tos=tos,
                          flowi4_mark=mark, decision=rec)
        fl4.flowi4_iif = flow.LOOPBACK_IFINDEX
        out = route.ip_route_output_key(net, fl4)
        if isinstance(out, int):
            causes.append(no_route_cause(net, daddr, saddr, flow.LOOPBACK_IFINDEX, tos, mark)
                          or f"output route error {-out} ({errno.errorcode.get(-out, '?')})")
        else:
            dst_line = _dst_text(out)
            core_dst.dst_release(out)
    return render_route_explanation(net, head, rec, daddr, dst_line, causes)


def render_route_explanation(net: Net, head: str, rec: fib_decision.DecisionRecord,
                             daddr: int, dst_line: str, causes: list[str]) -> str:
    lines = [head + ":"]
    if not any(s["kind"] == "rule" for s in rec.steps):
        lines.append("rules: no custom rules, fast path: table main (shares its trie with "
                     "local), then default")
    lines.extend(rec.to_text().splitlines())
    lines.extend(_prefix_lines(net, rec, daddr))
    if dst_line:
        lines.append(f"=> {dst_line}")
    for cause in causes:
        if cause:
            lines.append(f"=> dropped/refused: {cause}")
    return "\n".join(lines) + "\n"
