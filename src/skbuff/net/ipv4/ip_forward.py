"""IPv4 forwarding: dst.input for routes through this host.

Kernel: net/ipv4/ip_forward.c (ip_forward, ip_forward_finish, ip_exceeds_mtu),
include/net/ip.h (ip_decrease_ttl, ip_dst_mtu_maybe_forward, ip_mtu_locked). Runs in softirq
(NET_RX) context; owns the skb from entry.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from skbuff.net.core import dev as core_dev
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
from skbuff.uapi.ip import IP_DF, IPTOS_TOS_MASK

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

# The byte of skb->cb holding IPCB(skb)->flags bits 0-7 (IPSKB_FORWARDED, IPSKB_DOREDIRECT):
# the flags are a native-endian u16 at IPCB_FLAGS.
_IPCB_FLAGS_LOW = ip_options.IPCB_FLAGS + (sys.byteorder == "big")
_HH_DATA_MASK = ~(core_dev.HH_DATA_MOD - 1)


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


def ip_decrease_ttl(buf: bytearray, nh: int) -> int:
    """TTL - 1 with the incremental (RFC 1624) checksum update of the IPv4 header at `nh`
    (the kernel's `struct iphdr *`: buffer and offset). Returns the new TTL.

    Kernel: include/net/ip.h ip_decrease_ttl. The header must be private (skb_cow).
    """
    o = nh + 8  # ttl; check (big-endian) at +2
    ttl = buf[o] - 1
    buf[o] = ttl
    check = (buf[o + 2] << 8 | buf[o + 3]) + 0x0100  # check += htons(0x0100)
    check = (check + (check >= 0xFFFF)) & 0xFFFF
    buf[o + 2] = check >> 8
    buf[o + 3] = check & 0xFF
    return ttl


def ip_forward(skb: sk_buff) -> int:
    """dst.input for forwarded routes, in kernel order (kernel-facts §4). Owns the skb;
    returns NET_RX_SUCCESS or NET_RX_DROP. Kernel: net/ipv4/ip_forward.c ip_forward.

    The header inlines (IPCB, ip_hdr, skb_rtable, skb_cow's fast case, LL_RESERVED_SPACE,
    rt_tos2priority, NF_HOOK with no hook registered) are expanded here as the compiler
    expands them: cb and header fields are read in place.
    """
    cb = skb.cb  # IPCB(skb)
    if skb.pkt_type != if_packet.PACKET_HOST or skb.sk is not None:
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return core_dev.NET_RX_DROP
    if cb[ip_options.IPCB_OPT_ROUTER_ALERT] and ip_input.ip_call_ra_chain(skb):
        return core_dev.NET_RX_SUCCESS
    if skb.ip_summed == CHECKSUM_COMPLETE:
        skb.ip_summed = CHECKSUM_NONE
    net = skb.dev.nd_net
    mib = net.mib.ip_statistics
    if skb.buf[skb.network_header + 8] <= 1:  # ip_hdr(skb)->ttl
        mib[snmp.IPSTATS_MIB_INHDRERRORS] += 1
        icmp.icmp_send(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0)
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.IP_INHDR)
        return core_dev.NET_RX_DROP
    rt = skb._skb_refdst  # skb_rtable(skb)
    if cb[ip_options.IPCB_OPT_BITS] & ip_options.IS_STRICTROUTE and rt.rt_uses_gateway:
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_SR_FAILED, 0)
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return core_dev.NET_RX_DROP
    mib[snmp.IPSTATS_MIB_OUTFORWDATAGRAMS] += 1
    flags = cb[_IPCB_FLAGS_LOW] | ip_options.IPSKB_FORWARDED  # IPCB(skb)->flags |= ...
    cb[_IPCB_FLAGS_LOW] = flags
    mtu = route.ip_dst_mtu_maybe_forward(rt, True)
    if ip_exceeds_mtu(skb, mtu):
        mib[snmp.IPSTATS_MIB_FRAGFAILS] += 1
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu)
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.PKT_TOO_BIG)
        return core_dev.NET_RX_DROP
    out = rt.dev
    # LL_RESERVED_SPACE(out) + header_len; skb_cow's work only when short or cloned
    headroom = ((out.hard_header_len + out.needed_headroom) & _HH_DATA_MASK) \
        + core_dev.HH_DATA_MOD + rt.header_len
    if (skb.data < headroom or skb.cloned) and skbuff.skb_cow(skb, headroom):
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return core_dev.NET_RX_DROP
    buf = skb.buf
    nh = skb.network_header
    ip_decrease_ttl(buf, nh)
    if flags & ip_options.IPSKB_DOREDIRECT and not cb[ip_options.IPCB_OPT_SRR]:
        route.ip_rt_send_redirect(skb)
    if net.ipv4.sysctl_ip_fwd_update_priority:
        skb.priority = route.ip_tos2prio[(buf[nh + 1] & IPTOS_TOS_MASK) >> 1]
    if net.ipv4.nf_hooks_ipv4[nf.NF_INET_FORWARD]:
        return nf.NF_HOOK(nf.NFPROTO_IPV4, nf.NF_INET_FORWARD, net, None, skb, skb.dev, out,
                          ip_forward_finish)
    return ip_forward_finish(net, None, skb)


def ip_forward_finish(net: Net, sk: object, skb: sk_buff) -> int:
    """FORWARD okfn: options update, clear the timestamp, `dst_output` (ip_output).

    Kernel: net/ipv4/ip_forward.c ip_forward_finish (dst_output is inline: the dst's
    output is called from here).
    """
    if skb.cb[ip_options.IPCB_OPT_OPTLEN]:
        ip_options.ip_forward_options(skb)
    skb.tstamp = 0
    return skb._skb_refdst.output(net, sk, skb)
