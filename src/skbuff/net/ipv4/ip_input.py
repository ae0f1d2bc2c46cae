"""IPv4 receive: header checks, PRE_ROUTING, the input route, options, local delivery.

Kernel: net/ipv4/ip_input.c (ip_rcv, ip_rcv_core, ip_rcv_finish, ip_rcv_finish_core,
ip_rcv_options, ip_local_deliver, ip_local_deliver_finish, ip_protocol_deliver_rcu,
ip_call_ra_chain). All of it runs in softirq (NET_RX) context. Every drop is a
`kfree_skb_reason` with the kernel's reason beside the kernel's MIB counter.
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from skbuff.net.core import dev as core_dev
from skbuff.net.core import dst as core_dst
from skbuff.net.core import skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.ipv4 import devinet, icmp, ip_fragment, ip_options, raw, route
from skbuff.net.netfilter import core as nf
from skbuff.uapi import checksum as uapi_csum
from skbuff.uapi import if_packet, rtnetlink, snmp
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_PROT_UNREACH
from skbuff.uapi.ip import IP_MF, IP_OFFSET

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device, packet_type
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

INET_ECN_MASK = 3
_IPH_HEAD = struct.Struct("!BBH")  # version/ihl, tos, tot_len
_IPH_ROUTE = struct.Struct("!BB10xII")  # version/ihl, tos, saddr, daddr


def ip_is_fragment(frag_off: int) -> bool:
    """MF set or a non-zero offset. Kernel: include/net/ip.h ip_is_fragment (takes the field)."""
    return bool(frag_off & (IP_MF | IP_OFFSET))


def ip_rcv_core(skb: sk_buff, net: Net) -> sk_buff | None:
    """The sanity checks of kernel-facts §4, in order. Returns the (possibly unshared) skb
    with IPCB zeroed and the transport header set, or None when it was dropped (freed here).

    Kernel: net/ipv4/ip_input.c ip_rcv_core. The header inlines of include/linux/skbuff.h
    (skb_share_check, pskb_may_pull, pskb_trim_rcsum, skb_orphan) test their fast case here
    and call the helper only when there is work to do, as the kernel's inlines do.
    """
    mib = net.mib.ip_statistics
    if skb.pkt_type == if_packet.PACKET_OTHERHOST:
        core_dev.dev_core_stats_rx_otherhost_dropped_inc(skb.dev)
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.OTHERHOST)
        return None
    mib[snmp.IPSTATS_MIB_INPKTS] += 1
    mib[snmp.IPSTATS_MIB_INOCTETS] += skb.len
    if skb.users != 1:
        skb = skbuff.skb_share_check(skb, skbuff.GFP_ATOMIC)
    if skb.len - skb.data_len < 20 and not skbuff.pskb_may_pull(skb, 20):
        _inhdr_error(skb, mib, SKB_DROP_REASON.NOT_SPECIFIED)
        return None
    ver_ihl, tos, tot_len = _IPH_HEAD.unpack_from(skb.buf, skb.network_header)
    ihl = ver_ihl & 0xF
    if ihl < 5 or ver_ihl >> 4 != 4:
        _inhdr_error(skb, mib, SKB_DROP_REASON.NOT_SPECIFIED)
        return None
    mib[snmp.IPSTATS_MIB_NOECTPKTS + (tos & INET_ECN_MASK)] += skb.shinfo.gso_segs or 1
    hlen = ihl * 4
    if hlen > skb.len - skb.data_len and not skbuff.pskb_may_pull(skb, hlen):
        _inhdr_error(skb, mib, SKB_DROP_REASON.NOT_SPECIFIED)
        return None
    if uapi_csum.ip_fast_csum(skb.buf, skb.network_header, ihl):
        mib[snmp.IPSTATS_MIB_CSUMERRORS] += 1
        _inhdr_error(skb, mib, SKB_DROP_REASON.IP_CSUM)
        return None
    if skb.len < tot_len:
        mib[snmp.IPSTATS_MIB_INTRUNCATEDPKTS] += 1
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.PKT_TOO_SMALL)
        return None
    if tot_len < hlen:
        _inhdr_error(skb, mib, SKB_DROP_REASON.NOT_SPECIFIED)
        return None
    if tot_len < skb.len and skbuff.pskb_trim_rcsum(skb, tot_len):
        mib[snmp.IPSTATS_MIB_INDISCARDS] += 1
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return None
    skb.transport_header = skb.network_header + hlen
    # memset(IPCB(skb), 0, sizeof(struct inet_skb_parm)); IPCB(skb)->iif = skb->skb_iif
    ip_options.IPCB_INIT.pack_into(skb.cb, 0, skb.skb_iif)
    if skb.destructor is not None or skb.sk is not None:
        skbuff.skb_orphan(skb)
    return skb


def _inhdr_error(skb: sk_buff, mib: list[int], reason: SKB_DROP_REASON) -> None:
    """The kernel's `csum_error:`/`inhdr_error:` labels."""
    if reason == SKB_DROP_REASON.NOT_SPECIFIED:
        reason = SKB_DROP_REASON.IP_INHDR
    mib[snmp.IPSTATS_MIB_INHDRERRORS] += 1
    skbuff.kfree_skb_reason(skb, reason)


def ip_rcv(skb: sk_buff, dev: net_device, pt: packet_type | None, orig_dev: net_device) -> int:
    """ETH_P_IP packet_type handler: checks, then NF_INET_PRE_ROUTING → ip_rcv_finish.
    Takes ownership of the skb. Returns NET_RX_SUCCESS/NET_RX_DROP.

    Kernel: net/ipv4/ip_input.c ip_rcv. NF_HOOK is inline: with no hook registered (the
    nf_hooks_needed static key off) it is a direct call of the okfn.
    """
    net = dev.nd_net
    checked = ip_rcv_core(skb, net)
    if checked is None:
        return core_dev.NET_RX_DROP
    if net.ipv4.nf_hooks_ipv4[nf.NF_INET_PRE_ROUTING]:
        return nf.NF_HOOK(nf.NFPROTO_IPV4, nf.NF_INET_PRE_ROUTING, net, None, checked, dev,
                          None, ip_rcv_finish)
    return ip_rcv_finish(net, None, checked)


def ip_rcv_options(skb: sk_buff, dev: net_device) -> bool:
    """Compile the options, apply the source-route policy. True = drop (the caller frees).

    Kernel: net/ipv4/ip_input.c ip_rcv_options.
    """
    net = dev.nd_net
    if skbuff.skb_cow(skb, skbuff.skb_headroom(skb)):
        net.mib.ip_statistics[snmp.IPSTATS_MIB_INDISCARDS] += 1
        return True
    iph = skbuff.ip_hdr(skb)
    opt = ip_options.IPCB(skb).opt
    opt.optlen = iph.ihl * 4 - 20
    if ip_options.ip_options_compile(net, opt, skb):
        net.mib.ip_statistics[snmp.IPSTATS_MIB_INHDRERRORS] += 1
        return True
    if opt.srr:
        in_dev = dev.ip_ptr
        if in_dev is not None and not devinet.IN_DEV_SOURCE_ROUTE(in_dev):
            return True
        if ip_options.ip_options_rcv_srr(skb, dev):
            return True
    return False


def ip_rcv_finish_core(net: Net, skb: sk_buff, dev: net_device) -> int:
    """Input route (unless the skb already has a valid dst), options, mcast/bcast counters,
    the L2-multicast-unicast check. NET_RX_SUCCESS with a dst set, or NET_RX_DROP (freed).

    Kernel: net/ipv4/ip_input.c ip_rcv_finish_core (no early demux: no connected-socket
    dst cache here).
    """
    # one unpack instead of an iphdr view and four field reads (per-packet path)
    ver_ihl, tos, saddr, daddr = _IPH_ROUTE.unpack_from(skb.buf, skb.network_header)
    dst = skb._skb_refdst  # skb_dst()
    if dst is None or dst.flags & core_dst.DST_METADATA:
        err = route.ip_route_input_noref(skb, daddr, saddr, tos, dev)
        if err:
            reason = SKB_DROP_REASON.NOT_SPECIFIED
            if err == -errno.EXDEV:
                reason = SKB_DROP_REASON.IP_RPFILTER
                net.mib.net_statistics[snmp.LINUX_MIB_IPRPFILTER] += 1
            skbuff.kfree_skb_reason(skb, reason)
            return core_dev.NET_RX_DROP
    if ver_ihl & 0xF > 5 and ip_rcv_options(skb, dev):
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return core_dev.NET_RX_DROP
    rt_type = skb._skb_refdst.rt_type  # skb_rtable(skb)->rt_type (options may reroute)
    if rt_type == rtnetlink.RTN_MULTICAST:
        snmp.IP_UPD_PO_STATS(net, snmp.IPSTATS_MIB_INMCASTPKTS, skb.len)
    elif rt_type == rtnetlink.RTN_BROADCAST:
        snmp.IP_UPD_PO_STATS(net, snmp.IPSTATS_MIB_INBCASTPKTS, skb.len)
    elif skb.pkt_type in (if_packet.PACKET_BROADCAST, if_packet.PACKET_MULTICAST):
        in_dev = dev.ip_ptr
        if in_dev is not None and devinet.IN_DEV_ORCONF(
            in_dev, devinet.IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST
        ):
            skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.UNICAST_IN_L2_MULTICAST)
            return core_dev.NET_RX_DROP
    return core_dev.NET_RX_SUCCESS


def ip_rcv_finish(net: Net, sk: object, skb: sk_buff) -> int:
    """PRE_ROUTING okfn: route, then `dst_input` (ip_local_deliver/ip_forward/ip_error).

    Kernel: net/ipv4/ip_input.c ip_rcv_finish. dst_input (include/net/dst.h) is inline:
    the dst's input is called from here.
    """
    ret = ip_rcv_finish_core(net, skb, skb.dev)
    if ret != core_dev.NET_RX_DROP:
        ret = skb._skb_refdst.input(skb)
    return ret


def ip_local_deliver(skb: sk_buff) -> int:
    """dst.input for local routes: reassemble fragments, NF_INET_LOCAL_IN, deliver.
    Takes ownership of the skb. Kernel: net/ipv4/ip_input.c ip_local_deliver.
    """
    net = skb.dev.nd_net
    if ip_is_fragment(skbuff.ip_hdr(skb).frag_off):
        whole = ip_fragment.ip_defrag(net, skb, ip_fragment.IP_DEFRAG_LOCAL_DELIVER)
        if whole is None:
            return 0
        skb = whole
    return nf.NF_HOOK(nf.NFPROTO_IPV4, nf.NF_INET_LOCAL_IN, net, None, skb, skb.dev, None,
                      ip_local_deliver_finish)


def ip_local_deliver_finish(net: Net, sk: object, skb: sk_buff) -> int:
    """LOCAL_IN okfn: pull the IP header and hand the payload to the protocol.

    Kernel: net/ipv4/ip_input.c ip_local_deliver_finish.
    """
    skb.tstamp = 0
    skbuff.__skb_pull(skb, skbuff.skb_network_header_len(skb))
    ip_protocol_deliver_rcu(net, skb, skbuff.ip_hdr(skb).protocol)
    return 0


def ip_protocol_deliver_rcu(net: Net, skb: sk_buff, protocol: int) -> None:
    """Raw sockets get clones; then the registered handler (a negative return resubmits as
    that protocol); no handler and no raw socket → InUnknownProtos, ICMP protocol
    unreachable, IP_NOPROTO. Consumes the skb.

    Kernel: net/ipv4/ip_input.c ip_protocol_deliver_rcu.
    """
    mib = net.mib.ip_statistics
    protos = net.ipv4.inet_protos
    while True:
        raw_took = raw.raw_local_deliver(skb, protocol)
        ipprot = protos[protocol]
        if ipprot is None:
            break
        ret = ipprot.handler(skb)
        if ret < 0:
            protocol = -ret
            continue
        mib[snmp.IPSTATS_MIB_INDELIVERS] += 1
        return
    if raw_took:
        mib[snmp.IPSTATS_MIB_INDELIVERS] += 1
        skbuff.consume_skb(skb)
        return
    mib[snmp.IPSTATS_MIB_INUNKNOWNPROTOS] += 1
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0)
    skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.IP_NOPROTO)


def ip_call_ra_chain(skb: sk_buff) -> bool:
    """Router-alert sockets (ip_ra_chain). No IP_ROUTER_ALERT socket option is offered, so
    the chain is always empty and the packet is forwarded normally: False.

    Kernel: net/ipv4/ip_input.c ip_call_ra_chain.
    """
    return False
