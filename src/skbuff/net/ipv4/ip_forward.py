"""IPv4 forwarding: dst.input for routes through this host.

Kernel: net/ipv4/ip_forward.c (ip_forward, ip_forward_finish, ip_exceeds_mtu),
include/net/ip.h (ip_decrease_ttl, ip_dst_mtu_maybe_forward, ip_mtu_locked). Runs in softirq
(NET_RX) context; owns the skb from entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.net.core import dev as core_dev
from skbuff.net.core import dst as core_dst
from skbuff.net.core import skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.ipv4 import icmp, ip_input, ip_options, route
from skbuff.net.netfilter import core as nf
from skbuff.uapi import if_packet, snmp
from skbuff.uapi.checksum import CHECKSUM_COMPLETE, CHECKSUM_NONE
from skbuff.uapi.icmp import (
    ICMP_DEST_UNREACH,
    ICMP_EXC_TTL,
    ICMP_FRAG_NEEDED,
    ICMP_SR_FAILED,
    ICMP_TIME_EXCEEDED,
)
from skbuff.uapi.ip import IP_DF

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.uapi.ip import iphdr

def ip_exceeds_mtu(skb: sk_buff, mtu: int) -> bool:
    """Too big to forward: over `mtu` with DF (or the original fragments were), not
    ignore_df, and not a GSO packet whose segments fit.
    Kernel: net/ipv4/ip_forward.c ip_exceeds_mtu.
    """
    if skb.len <= mtu:
        return False
    if not skbuff.ip_hdr(skb).frag_off & IP_DF:
        return False
    if ip_options.IPCB(skb).frag_max_size > mtu:
        return True
    return not skb.ignore_df


def ip_decrease_ttl(iph: iphdr) -> int:
    """TTL - 1 with the incremental (RFC 1624) checksum update. Kernel: include/net/ip.h."""
    check = iph.check + 0x0100
    iph.check = (check + (check >= 0xFFFF)) & 0xFFFF
    ttl = iph.ttl - 1
    iph.ttl = ttl
    return ttl


def ip_forward(skb: sk_buff) -> int:
    """dst.input for forwarded routes, in kernel order (kernel-facts §4). Owns the skb;
    returns NET_RX_SUCCESS or NET_RX_DROP. Kernel: net/ipv4/ip_forward.c ip_forward.
    """
    parm = ip_options.IPCB(skb)
    opt = parm.opt
    if skb.pkt_type != if_packet.PACKET_HOST or skb.sk is not None:
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return core_dev.NET_RX_DROP
    if opt.router_alert and ip_input.ip_call_ra_chain(skb):
        return core_dev.NET_RX_SUCCESS
    if skb.ip_summed == CHECKSUM_COMPLETE:
        skb.ip_summed = CHECKSUM_NONE
    net = skb.dev.nd_net
    mib = net.mib.ip_statistics
    if skbuff.ip_hdr(skb).ttl <= 1:
        mib[snmp.IPSTATS_MIB_INHDRERRORS] += 1
        icmp.icmp_send(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0)
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.IP_INHDR)
        return core_dev.NET_RX_DROP
    rt = route.skb_rtable(skb)
    if opt.is_strictroute and rt.rt_uses_gateway:
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_SR_FAILED, 0)
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return core_dev.NET_RX_DROP
    mib[snmp.IPSTATS_MIB_OUTFORWDATAGRAMS] += 1
    parm.flags |= ip_options.IPSKB_FORWARDED
    mtu = route.ip_dst_mtu_maybe_forward(rt, True)
    if ip_exceeds_mtu(skb, mtu):
        mib[snmp.IPSTATS_MIB_FRAGFAILS] += 1
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu)
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.PKT_TOO_BIG)
        return core_dev.NET_RX_DROP
    out = rt.dev
    if skbuff.skb_cow(skb, core_dev.LL_RESERVED_SPACE(out) + rt.header_len):
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return core_dev.NET_RX_DROP
    iph = skbuff.ip_hdr(skb)
    ip_decrease_ttl(iph)
    if parm.flags & ip_options.IPSKB_DOREDIRECT and not opt.srr:
        route.ip_rt_send_redirect(skb)
    if net.ipv4.sysctl_ip_fwd_update_priority:
        skb.priority = route.rt_tos2priority(iph.tos)
    return nf.NF_HOOK(nf.NFPROTO_IPV4, nf.NF_INET_FORWARD, net, None, skb, skb.dev, out,
                      ip_forward_finish)


def ip_forward_finish(net: Net, sk: object, skb: sk_buff) -> int:
    """FORWARD okfn: options update, clear the timestamp, `dst_output` (ip_output).

    Kernel: net/ipv4/ip_forward.c ip_forward_finish.
    """
    if ip_options.IPCB(skb).opt.optlen:
        ip_options.ip_forward_options(skb)
    skb.tstamp = 0
    return core_dst.dst_output(net, sk, skb)
