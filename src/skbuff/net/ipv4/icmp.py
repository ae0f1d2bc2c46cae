"""ICMP: receiving (echo, errors, redirects, timestamps) and sending errors and replies.

Kernel: net/ipv4/icmp.c (icmp_rcv, icmp_pointers, icmp_echo, icmp_timestamp, icmp_unreach,
icmp_redirect, __icmp_send, icmp_reply, icmp_push_reply, icmp_global_allow,
icmp_global_consume, icmpv4_mask_allow, icmpv4_global_allow, icmpv4_xrlim_allow).
Softirq context for receive; `icmp_send` may be called from any path that holds an skb
(the skb stays the caller's). Replies go out through a per-namespace control socket, with
the request's IP options echoed (ip_options_echo). Not modelled: PROBE (RFC 8335).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from skbuff.net import flow
from skbuff.net.core import dst as core_dst
from skbuff.net.core import skbuff, sock
from skbuff.net.core.dev import NET_RX_DROP, NET_RX_SUCCESS
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.ipv4 import devinet, fib_frontend, inetpeer, ip_options, ip_output, route
from skbuff.uapi import checksum, if_link, if_packet, snmp
from skbuff.uapi.icmp import (
    ICMP_ADDRESS,
    ICMP_ADDRESSREPLY,
    ICMP_DEST_UNREACH,
    ICMP_ECHO,
    ICMP_ECHOREPLY,
    ICMP_FRAG_NEEDED,
    ICMP_PARAMETERPROB,
    ICMP_REDIRECT,
    ICMP_TIMESTAMP,
    ICMP_TIMESTAMPREPLY,
    NR_ICMP_TYPES,
    NR_ICMP_UNREACH,
    build_icmp,
)
from skbuff.uapi.in_ import INADDR_DUMMY, IPPROTO_ICMP
from skbuff.uapi.ip import IP_OFFSET
from skbuff.uapi.rtnetlink import AF_INET, RT_SCOPE_LINK
from skbuff.uapi.socket import MSG_DONTWAIT

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

SOCK_RAW = 3
IPTOS_PREC_INTERNETCONTROL = 0xC0

IcmpHandler = Callable[["sk_buff"], SKB_DROP_REASON]


class icmp_control:
    """struct icmp_control: the receive handler and whether the type is an error.

    Kernel: net/ipv4/icmp.c struct icmp_control.
    """

    __slots__ = ("error", "handler")

    def __init__(self, handler: IcmpHandler, error: bool) -> None:
        self.handler = handler
        self.error = error


def inet_current_timestamp(net: Net) -> int:
    """Milliseconds since midnight UTC of the simulated clock. Kernel: net/ipv4/icmp.c."""
    return int((net.kernel.now_ns // 1_000_000) % 86_400_000)


def icmp_out_count(net: Net, type: int) -> None:
    """OutMsgs + IcmpMsg OutTypeN. Kernel: net/ipv4/icmp.c icmp_out_count."""
    snmp.ICMPMSGOUT_INC_STATS(net, type)
    net.mib.icmp_statistics[snmp.ICMP_MIB_OUTMSGS] += 1


def icmp_hdr_gateway(skb: sk_buff) -> int:
    """icmp_hdr(skb)->un.gateway (the redirect's new gateway).

    Kernel: include/uapi/linux/icmp.h struct icmphdr.
    """
    return int(skbuff.icmp_hdr(skb).un_gateway)


def icmp_global_allow(net: Net) -> bool:
    """The namespace token bucket (icmp_msgs_per_sec, burst icmp_msgs_burst), refilled at
    most every HZ/50. Kernel: net/ipv4/icmp.c icmp_global_allow.
    """
    state = net.ipv4.icmp_global
    if state[0] > 0:
        return True
    k = net.kernel
    now = k.jiffies & 0xFFFFFFFF
    delta = min((now - state[1]) & 0xFFFFFFFF, k.hz)
    if delta < k.hz // 50:
        return False
    incr = net.ipv4.sysctl_icmp_msgs_per_sec * delta // k.hz
    if not incr:
        return False
    state[1] = now
    state[0] = min(state[0] + incr, net.ipv4.sysctl_icmp_msgs_burst)
    return True


def icmp_global_consume(net: Net) -> None:
    """Spend 0-2 credits (random, so the limit is not exact).

    Kernel: net/ipv4/icmp.c icmp_global_consume.
    """
    credits = net.kernel.rng.get_random_u32_below(3)
    if credits:
        net.ipv4.icmp_global[0] -= credits


def icmpv4_mask_allow(net: Net, type: int, code: int) -> bool:
    """True if this type is not rate limited (not in icmp_ratemask, or Frag Needed).

    Kernel: net/ipv4/icmp.c icmpv4_mask_allow.
    """
    if type > NR_ICMP_TYPES:
        return True
    if type == ICMP_DEST_UNREACH and code == ICMP_FRAG_NEEDED:
        return True
    return not (1 << type) & net.ipv4.sysctl_icmp_ratemask


def icmpv4_global_allow(net: Net, type: int, code: int) -> tuple[bool, bool]:
    """(allowed, apply_ratelimit). Counts OutRateLimitGlobal.

    Kernel: net/ipv4/icmp.c icmpv4_global_allow.
    """
    if icmpv4_mask_allow(net, type, code):
        return True, False
    if icmp_global_allow(net):
        return True, True
    net.mib.icmp_statistics[snmp.ICMP_MIB_RATELIMITGLOBAL] += 1
    return False, False


def icmpv4_xrlim_allow(net: Net, rt: route.rtable, fl4: flow.flowi4, type: int, code: int,
                       apply_ratelimit: bool) -> bool:
    """Per-destination limit (inet_peer token bucket, icmp_ratelimit); loopback exempt.
    Counts OutRateLimitHost. Kernel: net/ipv4/icmp.c icmpv4_xrlim_allow.
    """
    if not apply_ratelimit:
        return True
    dev = rt.dev
    rc = True
    if dev is None or not dev.flags & if_link.IFF_LOOPBACK:
        peer = inetpeer.inet_getpeer_v4(net.ipv4.peers, fl4.daddr, 0, 1)
        rc = inetpeer.inet_peer_xrlim_allow(peer, net.ipv4.sysctl_icmp_ratelimit)
        inetpeer.inet_putpeer(peer)
    if not rc:
        net.mib.icmp_statistics[snmp.ICMP_MIB_RATELIMITHOST] += 1
    else:
        icmp_global_consume(net)
    return rc


def icmp_push_reply(net: Net, fl4: flow.flowi4, rt: route.rtable, message: bytes,
                    tos: int, ipc: ip_output.ipcm_cookie) -> None:
    """Build and send the ICMP datagram (`message`: header with its checksum, then data)
    from the namespace's control socket, with `ipc`'s options. Takes the route.

    Kernel: net/ipv4/icmp.c icmp_push_reply (ip_append_data + ip_push_pending_frames).
    """
    sk = net.ipv4.icmp_sk
    ipc.tos = tos
    rtp: list[route.rtable | None] = [rt]
    if ip_output.ip_append_data(sk, fl4, message, len(message), 8, ipc, rtp,
                                MSG_DONTWAIT) < 0:
        net.mib.icmp_statistics[snmp.ICMP_MIB_OUTERRORS] += 1
        ip_output.ip_flush_pending_frames(sk)
    else:
        ip_output.ip_push_pending_frames(sk, fl4)
    if rtp[0] is not None:
        core_dst.dst_release(rtp[0])


def __icmp_send(skb_in: sk_buff, type: int, code: int, info: int,
                opt: ip_options.ip_options) -> None:
    """Send an ICMP error (or other message) about `skb_in`, unless a never-send rule holds:
    no route, header outside the data, not PACKET_HOST, a broadcast/multicast route, a
    non-first fragment, or an error about an ICMP error. Then the global and per-host
    rate limits, source selection, TOS | 0xC0 for errors, the options `opt` describes
    echoed back (a source route reversed: sent to its first hop), and a 576-byte cap.

    Kernel: net/ipv4/icmp.c __icmp_send. The skb stays the caller's.
    """
    rt = route.skb_rtable(skb_in)
    if rt is None:
        return
    dev = rt.dev if rt.dev is not None else skb_in.dev
    if dev is None:
        return
    net = dev.nd_net
    nh = skbuff.skb_network_header(skb_in)
    if nh < skb_in.head or nh + 20 > skb_in.tail:
        return
    iph = skbuff.ip_hdr(skb_in)
    if skb_in.pkt_type != if_packet.PACKET_HOST:
        return
    if rt.rt_flags & (route.RTCF_BROADCAST | route.RTCF_MULTICAST):
        return
    if iph.frag_off & IP_OFFSET:
        return
    if icmp_pointers[type].error and iph.protocol == IPPROTO_ICMP:
        itp = nh + iph.ihl * 4
        if itp >= skb_in.tail:
            return
        inner = skb_in.buf[itp]
        if inner > NR_ICMP_TYPES or icmp_pointers[inner].error:
            return
    apply_ratelimit = False
    if not (skb_in.dev is not None and skb_in.dev.flags & if_link.IFF_LOOPBACK):
        allowed, apply_ratelimit = icmpv4_global_allow(net, type, code)
        if not allowed:
            return
    saddr = iph.daddr
    if not rt.rt_flags & route.RTCF_LOCAL:
        in_dev_ifindex = 0
        if rt.rt_is_input and net.ipv4.sysctl_icmp_errors_use_inbound_ifaddr:
            in_dev_ifindex = skb_in.skb_iif
        idev = net.dev_index_head.get(in_dev_ifindex) if in_dev_ifindex else None
        saddr = devinet.inet_select_addr(idev, iph.saddr, RT_SCOPE_LINK) if idev else 0
    tos = ((iph.tos & 0x1E) | IPTOS_PREC_INTERNETCONTROL) if icmp_pointers[type].error \
        else iph.tos
    replyopts = ip_options.ip_options_data()
    if ip_options.__ip_options_echo(net, replyopts, skb_in, opt):
        return
    ropt = replyopts.opt
    ipc = ip_output.ipcm_cookie(net.ipv4.icmp_sk, iph.saddr, replyopts)
    ipc.mark = 0
    fl4 = flow.flowi4(daddr=ropt.faddr if ropt.srr else iph.saddr, saddr=saddr,
                      flowi4_tos=tos & 0xFC,
                      flowi4_proto=IPPROTO_ICMP, flowi4_mark=0)
    fl4.fl4_icmp_type = type
    fl4.fl4_icmp_code = code
    rt2 = route.ip_route_output_key(net, fl4)
    if isinstance(rt2, int):
        return
    if not icmpv4_xrlim_allow(net, rt2, fl4, type, code, apply_ratelimit):
        core_dst.dst_release(rt2)
        return
    room = min(core_dst.dst_mtu(rt2), 576) - 20 - ropt.optlen - 8
    if room <= 20:
        core_dst.dst_release(rt2)
        return
    offset = skbuff.skb_network_offset(skb_in)
    data_len = min(skb_in.len - offset, room)
    quoted = skbuff.skb_copy_bits(skb_in, offset, data_len) or b""
    if not fl4.saddr:
        fl4.saddr = INADDR_DUMMY
    icmp_push_reply(net, fl4, rt2, build_icmp(type, code, info, quoted), tos, ipc)


def icmp_send(skb_in: sk_buff, type: int, code: int, info: int) -> None:
    """__icmp_send echoing the options `skb_in` arrived with (IPCB).

    Kernel: include/net/icmp.h icmp_send.
    """
    __icmp_send(skb_in, type, code, info, ip_options.IPCB(skb_in).opt)


def icmp_ndo_send(skb_in: sk_buff, type: int, code: int, info: int) -> None:
    """icmp_send for drivers: no options echoed (the cb is not IPv4's there); no NAT here.

    Kernel: net/ipv4/icmp.c icmp_ndo_send.
    """
    __icmp_send(skb_in, type, code, info, ip_options.ip_options_data().opt)


def icmp_reply(skb: sk_buff, message: bytes) -> None:
    """Answer a request (echo, timestamp) to its sender from the address it was sent to,
    echoing its IP options (a source route reversed: the reply goes to its first hop).

    Kernel: net/ipv4/icmp.c icmp_reply.
    """
    net = skbuff.skb_dst(skb).dev.nd_net
    replyopts = ip_options.ip_options_data()
    if ip_options.ip_options_echo(net, replyopts, skb):
        return
    type = message[0]
    allowed, apply_ratelimit = icmpv4_global_allow(net, type, message[1])
    if not allowed:
        return
    iph = skbuff.ip_hdr(skb)
    ropt = replyopts.opt
    ipc = ip_output.ipcm_cookie(net.ipv4.icmp_sk, iph.saddr,
                                replyopts if ropt.optlen else None)
    ipc.mark = 0
    fl4 = flow.flowi4(daddr=ropt.faddr if ropt.srr else iph.saddr,
                      saddr=fib_frontend.fib_compute_spec_dst(skb),
                      flowi4_tos=iph.tos & 0xFC, flowi4_proto=IPPROTO_ICMP)
    rt2 = route.ip_route_output_key(net, fl4)
    if isinstance(rt2, int):
        return
    if not icmpv4_xrlim_allow(net, rt2, fl4, type, message[1], apply_ratelimit):
        core_dst.dst_release(rt2)
        return
    icmp_push_reply(net, fl4, rt2, message, iph.tos, ipc)


def _icmp_message(skb: sk_buff) -> bytearray:
    """The received ICMP header (at the transport header) + the data after it (skb->data)."""
    th = skbuff.skb_transport_header(skb)
    return bytearray(skb.buf[th:th + 8]) + (skbuff.skb_copy_bits(skb, 0, skb.len) or b"")


def icmp_echo(skb: sk_buff) -> SKB_DROP_REASON:
    """Echo request → echo reply with the same id, sequence and data (unless
    icmp_echo_ignore_all). Kernel: net/ipv4/icmp.c icmp_echo.
    """
    net = skbuff.skb_dst(skb).dev.nd_net
    if net.ipv4.sysctl_icmp_echo_ignore_all:
        return SKB_DROP_REASON.NOT_DROPPED_YET
    msg = _icmp_message(skb)
    msg[0] = ICMP_ECHOREPLY
    msg[2:4] = b"\0\0"
    csum = checksum.ip_compute_csum(msg, 0, len(msg))
    msg[2:4] = csum.to_bytes(2, "big")
    icmp_reply(skb, bytes(msg))
    return SKB_DROP_REASON.NOT_DROPPED_YET


def icmp_timestamp(skb: sk_buff) -> SKB_DROP_REASON:
    """Timestamp request → reply with receive/transmit time (ms since midnight UTC).

    Kernel: net/ipv4/icmp.c icmp_timestamp.
    """
    net = skbuff.skb_dst(skb).dev.nd_net
    if skb.len < 4:
        net.mib.icmp_statistics[snmp.ICMP_MIB_INERRORS] += 1
        return SKB_DROP_REASON.PKT_TOO_SMALL
    req = _icmp_message(skb)
    now = inet_current_timestamp(net)
    stamps = bytes(req[8:12]) + now.to_bytes(4, "big") + now.to_bytes(4, "big")
    icmp_reply(skb, build_icmp(ICMP_TIMESTAMPREPLY, 0,
                               int.from_bytes(req[4:8], "big"), stamps))
    return SKB_DROP_REASON.NOT_DROPPED_YET


def icmp_socket_deliver(skb: sk_buff, info: int) -> None:
    """Tell raw sockets and the quoted protocol's err_handler about an ICMP error; skb->data
    (and the network header) is at the quoted IP header.
    Kernel: net/ipv4/icmp.c icmp_socket_deliver.
    """
    from skbuff.net.ipv4 import raw

    net = skb.dev.nd_net
    iph = skbuff.ip_hdr(skb)
    protocol = iph.protocol
    if not skbuff.pskb_may_pull(skb, iph.ihl * 4 + 8):
        net.mib.icmp_statistics[snmp.ICMP_MIB_INERRORS] += 1
        return
    raw.raw_icmp_error(skb, protocol, info)
    ipprot = net.ipv4.inet_protos[protocol]
    if ipprot is not None and ipprot.err_handler is not None:
        ipprot.err_handler(skb, info)


def icmp_unreach(skb: sk_buff) -> SKB_DROP_REASON:
    """Destination unreachable, source quench, time exceeded, parameter problem: validate,
    take the Frag Needed MTU (per ip_no_pmtu_disc), hand to the sockets.

    Kernel: net/ipv4/icmp.c icmp_unreach.
    """
    net = skbuff.skb_dst(skb).dev.nd_net
    if not skbuff.pskb_may_pull(skb, 20):
        net.mib.icmp_statistics[snmp.ICMP_MIB_INERRORS] += 1
        return SKB_DROP_REASON.PKT_TOO_SMALL
    icmph = skbuff.icmp_hdr(skb)
    skbuff.skb_reset_network_header(skb)
    iph = skbuff.ip_hdr(skb)
    if iph.ihl < 5:
        net.mib.icmp_statistics[snmp.ICMP_MIB_INERRORS] += 1
        return SKB_DROP_REASON.IP_INHDR
    info = 0
    if icmph.type == ICMP_DEST_UNREACH:
        code = icmph.code
        if code == ICMP_FRAG_NEEDED:
            no_pmtu = net.ipv4.sysctl_ip_no_pmtu_disc
            if no_pmtu == 2:
                return SKB_DROP_REASON.NOT_DROPPED_YET
            if no_pmtu in (0, 3):
                info = int(icmph.un_frag_mtu)
        elif code > NR_ICMP_UNREACH:
            return SKB_DROP_REASON.NOT_DROPPED_YET
    elif icmph.type == ICMP_PARAMETERPROB:
        info = int(icmph.un_gateway) >> 24
    icmp_socket_deliver(skb, info)
    return SKB_DROP_REASON.NOT_DROPPED_YET


def icmp_redirect(skb: sk_buff) -> SKB_DROP_REASON:
    """Redirect: the route code decides whether to accept it; then tell the sockets.

    Kernel: net/ipv4/icmp.c icmp_redirect.
    """
    net = skbuff.skb_dst(skb).dev.nd_net
    if skb.len < 20:
        net.mib.icmp_statistics[snmp.ICMP_MIB_INERRORS] += 1
        return SKB_DROP_REASON.PKT_TOO_SMALL
    if not skbuff.pskb_may_pull(skb, 20):
        return SKB_DROP_REASON.NOT_DROPPED_YET
    gateway = icmp_hdr_gateway(skb)
    skbuff.skb_reset_network_header(skb)
    icmp_socket_deliver(skb, gateway)
    return SKB_DROP_REASON.NOT_DROPPED_YET


def icmp_discard(skb: sk_buff) -> SKB_DROP_REASON:
    """Accepted and ignored. Kernel: net/ipv4/icmp.c icmp_discard."""
    return SKB_DROP_REASON.NOT_DROPPED_YET


def _ping_rcv(skb: sk_buff) -> SKB_DROP_REASON:
    from skbuff.net.ipv4 import ping

    return ping.ping_rcv(skb)


icmp_pointers: tuple[icmp_control, ...] = (
    icmp_control(_ping_rcv, False),        # ECHOREPLY
    icmp_control(icmp_discard, True),      # 1
    icmp_control(icmp_discard, True),      # 2
    icmp_control(icmp_unreach, True),      # DEST_UNREACH
    icmp_control(icmp_unreach, True),      # SOURCE_QUENCH
    icmp_control(icmp_redirect, True),     # REDIRECT
    icmp_control(icmp_discard, True),      # 6
    icmp_control(icmp_discard, True),      # 7
    icmp_control(icmp_echo, False),        # ECHO
    icmp_control(icmp_discard, True),      # 9
    icmp_control(icmp_discard, True),      # 10
    icmp_control(icmp_unreach, True),      # TIME_EXCEEDED
    icmp_control(icmp_unreach, True),      # PARAMETERPROB
    icmp_control(icmp_timestamp, False),   # TIMESTAMP
    icmp_control(icmp_discard, False),     # TIMESTAMPREPLY
    icmp_control(icmp_discard, False),     # INFO_REQUEST
    icmp_control(icmp_discard, False),     # INFO_REPLY
    icmp_control(icmp_discard, False),     # ADDRESS
    icmp_control(icmp_discard, False),     # ADDRESSREPLY
)
"""Kernel: net/ipv4/icmp.c icmp_pointers[NR_ICMP_TYPES + 1]."""


def icmp_rcv(skb: sk_buff) -> int:
    """IPPROTO_ICMP handler: checksum (InCsumErrors + InErrors, ICMP_CSUM), InMsgs, IcmpMsg
    InTypeN, broadcast policy, dispatch. Consumes the skb. Kernel: net/ipv4/icmp.c icmp_rcv.
    """
    rt = route.skb_rtable(skb)
    net = skbuff.skb_dst(skb).dev.nd_net
    icmp_mib = net.mib.icmp_statistics
    icmp_mib[snmp.ICMP_MIB_INMSGS] += 1
    reason = SKB_DROP_REASON.NOT_SPECIFIED
    if skb.ip_summed != checksum.CHECKSUM_UNNECESSARY and checksum.csum_fold(
            skbuff.skb_checksum(skb, 0, skb.len, 0)):
        icmp_mib[snmp.ICMP_MIB_CSUMERRORS] += 1
        icmp_mib[snmp.ICMP_MIB_INERRORS] += 1
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.ICMP_CSUM)
        return NET_RX_DROP
    if skbuff.pskb_pull(skb, 8) is None:
        icmp_mib[snmp.ICMP_MIB_INERRORS] += 1
        skbuff.kfree_skb_reason(skb, reason)
        return NET_RX_DROP
    type = skbuff.icmp_hdr(skb).type
    snmp.ICMPMSGIN_INC_STATS(net, type)
    if type > NR_ICMP_TYPES:
        icmp_mib[snmp.ICMP_MIB_INERRORS] += 1
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.UNHANDLED_PROTO)
        return NET_RX_DROP
    if rt.rt_flags & (route.RTCF_BROADCAST | route.RTCF_MULTICAST) and (
        (type in (ICMP_ECHO, ICMP_TIMESTAMP) and net.ipv4.sysctl_icmp_echo_ignore_broadcasts)
        or type not in (ICMP_ECHO, ICMP_TIMESTAMP, ICMP_ADDRESS, ICMP_ADDRESSREPLY)
    ):
        icmp_mib[snmp.ICMP_MIB_INERRORS] += 1
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.INVALID_PROTO)
        return NET_RX_DROP
    reason = icmp_pointers[type].handler(skb)
    if reason == SKB_DROP_REASON.NOT_DROPPED_YET:
        skbuff.consume_skb(skb)
        return NET_RX_SUCCESS
    skbuff.kfree_skb_reason(skb, reason)
    return NET_RX_DROP


def icmp_sk_init(net: Net) -> None:
    """The namespace's ICMP control socket (PMTUDISC_DONT, its send buffer) and rate state.

    Kernel: net/ipv4/icmp.c icmp_sk_init, inet_ctl_sock_create (the per-CPU icmp_sk).
    """
    sk = sock.sock(net, AF_INET, SOCK_RAW, IPPROTO_ICMP)
    sk.pmtudisc = 0
    # 2 * SKB_TRUESIZE(64 * 1024): room for two maximal replies in flight
    sk.sk_sndbuf = 2 * (64 * 1024 + (skbuff.SKB_SIZEOF + 63 & ~63) + skbuff.SKB_SHINFO_SIZEOF)
    net.ipv4.icmp_sk = sk
    net.ipv4.icmp_global = [0, 0]
    net.ipv4.sysctl_icmp_ratelimit = net.kernel.hz


def icmp_err(skb: sk_buff, info: int) -> int:
    """An ICMP error quoting an ICMP message: echo requests go to ping sockets; for our own
    echo replies, learn the PMTU / take the redirect. skb->data is at the quoted header.

    Kernel: net/ipv4/icmp.c icmp_err.
    """
    from skbuff.net.ipv4 import ping

    offset = skbuff.ip_hdr(skb).ihl * 4
    inner_type = skb.buf[skbuff.skb_network_header(skb) + offset]
    outer = skbuff.icmp_hdr(skb)
    net = skb.dev.nd_net
    if inner_type != ICMP_ECHOREPLY:
        ping.ping_err(skb, offset, info)
    elif outer.type == ICMP_DEST_UNREACH and outer.code == ICMP_FRAG_NEEDED:
        route.ipv4_update_pmtu(skb, net, info, 0, IPPROTO_ICMP)
    elif outer.type == ICMP_REDIRECT:
        route.ipv4_redirect(skb, net, 0, IPPROTO_ICMP)
    return 0
