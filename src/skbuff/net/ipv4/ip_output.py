"""IPv4 output: local out, POST_ROUTING, MTU and fragmentation, the neighbour hand-off.

Kernel: net/ipv4/ip_output.c (__ip_local_out, ip_local_out, ip_output, ip_finish_output,
__ip_finish_output, ip_finish_output2, ip_fragment, ip_do_fragment, ip_frag_next,
ip_copy_metadata, ip_send_check), include/net/ip.h (ip_select_ident_segs, ip_skb_dst_mtu),
net/ipv4/route.c (__ip_select_ident, ip_idents_reserve). Process or softirq context; each
function owns the skb it is given (it is sent or freed).
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.kernel import bug
from skbuff.net.core import dev as core_dev
from skbuff.net.core import dst as core_dst
from skbuff.net.core import neighbour, skbuff
from skbuff.net.core import sock as core_sock
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.core.skbuff import GFP_ATOMIC
from skbuff.net.ipv4 import arp, icmp, ip_options, route
from skbuff.net.netfilter import core as nf
from skbuff.uapi import if_ether, rtnetlink, snmp
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED
from skbuff.uapi.in_ import (
    IP_PMTUDISC_DO,
    IP_PMTUDISC_OMIT,
    IP_PMTUDISC_PROBE,
    IP_PMTUDISC_WANT,
    IPPROTO_ICMP,
)
from skbuff.uapi.ip import IP_DF, IP_MF, IP_OFFSET, ip_send_check

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.uapi.ip import iphdr

    Output = Callable[[Net, Any, sk_buff], int]

IP_IDENTS_SZ = 2048
_SIPHASH_3U32 = struct.Struct("<3I")  # siphash_3u32 hashes little-endian words


def ip_idents_reserve(net: Net, hash: int, segs: int) -> int:
    """Reserve `segs` IDs from the hash bucket's counter, jumping it by a random amount
    proportional to the idle jiffies. Kernel: net/ipv4/route.c ip_idents_reserve.
    """
    k = net.kernel
    bucket = hash % IP_IDENTS_SZ
    tstamps = net.ipv4.ip_tstamps
    old = tstamps[bucket]
    now = k.jiffies & 0xFFFFFFFF
    delta = 0
    if old != now:
        tstamps[bucket] = now
        delta = k.rng.get_random_u32_below((now - old) & 0xFFFFFFFF)
    idents = net.ipv4.ip_idents
    idents[bucket] = (idents[bucket] + segs + delta) & 0xFFFFFFFF
    return (idents[bucket] - segs) & 0xFFFFFFFF


def __ip_select_ident(net: Net, iph: iphdr, segs: int) -> None:
    """ID from the per-namespace keyed-hash bucket of (daddr, saddr, protocol).

    Kernel: net/ipv4/route.c __ip_select_ident.
    """
    k = net.kernel
    if net.ipv4.ip_id_key is None:
        net.ipv4.ip_id_key = k.rng.get_random_bytes(16)
    data = _SIPHASH_3U32.pack(iph.daddr, iph.saddr, iph.protocol)
    hash = k.rng.siphash(net.ipv4.ip_id_key, data) & 0xFFFFFFFF
    iph.id = ip_idents_reserve(net, hash, segs) & 0xFFFF


def ip_select_ident_segs(net: Net, skb: sk_buff, sk: Any, segs: int) -> None:
    """Connected socket → its own counter; DF (and not ignore_df) → 0; else the hashed
    counter. Kernel: include/net/ip.h ip_select_ident_segs.
    """
    iph = skbuff.ip_hdr(skb)
    if sk is not None and sk.inet_daddr:
        sk.inet_id = (sk.inet_id + segs) & 0xFFFF
        iph.id = sk.inet_id
        return
    if iph.frag_off & IP_DF and not skb.ignore_df:
        iph.id = 0
    else:
        __ip_select_ident(net, iph, segs)


def ip_select_ident(net: Net, skb: sk_buff, sk: Any) -> None:
    """Kernel: include/net/ip.h ip_select_ident."""
    ip_select_ident_segs(net, skb, sk, 1)


def __ip_local_out(net: Net, sk: Any, skb: sk_buff) -> int:
    """OutRequests, tot_len, checksum, NF_INET_LOCAL_OUT. 1 = continue to dst_output.

    Kernel: net/ipv4/ip_output.c __ip_local_out.
    """
    net.mib.ip_statistics[snmp.IPSTATS_MIB_OUTREQUESTS] += 1
    iph = skbuff.ip_hdr(skb)
    iph.tot_len = skb.len
    ip_send_check(iph)
    skb.protocol = if_ether.ETH_P_IP
    return nf.nf_hook(nf.NFPROTO_IPV4, nf.NF_INET_LOCAL_OUT, net, sk, skb, None,
                      skbuff.skb_dst(skb).dev, core_dst.dst_output)


def ip_local_out(net: Net, sk: Any, skb: sk_buff) -> int:
    """Send a locally built datagram (header filled, dst set). Owns the skb.

    Kernel: net/ipv4/ip_output.c ip_local_out (dst_output is inline: the dst's output is
    called from here).
    """
    err = __ip_local_out(net, sk, skb)
    if err == 1:
        err = skb._skb_refdst.output(net, sk, skb)
    return err


def ip_output(net: Net, sk: Any, skb: sk_buff) -> int:
    """dst.output for unicast routes: set dev/protocol, POST_ROUTING unless rerouted.

    Kernel: net/ipv4/ip_output.c ip_output. NF_HOOK_COND is inline: with no hook registered
    (the static key off) it is a direct call of ip_finish_output.
    """
    indev = skb.dev
    dev = skb._skb_refdst.dev
    skb.dev = dev
    skb.protocol = if_ether.ETH_P_IP
    if net.ipv4.nf_hooks_ipv4[nf.NF_INET_POST_ROUTING]:
        return nf.NF_HOOK_COND(nf.NFPROTO_IPV4, nf.NF_INET_POST_ROUTING, net, sk, skb, indev,
                               dev, ip_finish_output,
                               not ip_options.IPCB(skb).flags & ip_options.IPSKB_REROUTED)
    return ip_finish_output(net, sk, skb)


def ip_skb_dst_mtu(sk: Any, skb: sk_buff) -> int:
    """The MTU for this skb: the path MTU unless the socket's pmtudisc is PROBE or above.

    Kernel: include/net/ip.h ip_skb_dst_mtu.
    """
    rt = skb._skb_refdst
    if sk is None or sk.pmtudisc < IP_PMTUDISC_PROBE:
        flags = ip_options.IPCB_FLAGS_FMS.unpack_from(skb.cb, ip_options.IPCB_FLAGS)[0]
        return route.ip_dst_mtu_maybe_forward(rt, bool(flags & ip_options.IPSKB_FORWARDED))
    return min(rt.dev.mtu, route.IP_MAX_MTU)


def ip_finish_output(net: Net, sk: Any, skb: sk_buff) -> int:
    """POST_ROUTING okfn (no cgroup BPF here). Kernel: net/ipv4/ip_output.c ip_finish_output."""
    return __ip_finish_output(net, sk, skb)


def __ip_finish_output(net: Net, sk: Any, skb: sk_buff) -> int:
    """Fragment when over the MTU (or the packet was reassembled from fragments).

    Kernel: net/ipv4/ip_output.c __ip_finish_output.
    """
    mtu = ip_skb_dst_mtu(sk, skb)
    if skb.len > mtu or ip_options.IPCB_FLAGS_FMS.unpack_from(skb.cb, ip_options.IPCB_FLAGS)[1]:
        return ip_fragment(net, sk, skb, mtu, ip_finish_output2)
    return ip_finish_output2(net, sk, skb)


def ip_finish_output2(net: Net, sk: Any, skb: sk_buff) -> int:
    """Count the packet (after fragmentation), ensure link-layer headroom (LL_RESERVED_SPACE,
    a macro, expanded), find or create the neighbour and hand over (`neigh_output`).

    Kernel: net/ipv4/ip_output.c ip_finish_output2.
    """
    rt = skb._skb_refdst
    dev = rt.dev
    mib = net.mib.ip_statistics
    rt_type = rt.rt_type
    if rt_type == rtnetlink.RTN_MULTICAST:
        snmp.IP_UPD_PO_STATS(net, snmp.IPSTATS_MIB_OUTMCASTPKTS, skb.len)
    elif rt_type == rtnetlink.RTN_BROADCAST:
        snmp.IP_UPD_PO_STATS(net, snmp.IPSTATS_MIB_OUTBCASTPKTS, skb.len)
    mib[snmp.IPSTATS_MIB_OUTPKTS] += 1
    mib[snmp.IPSTATS_MIB_OUTOCTETS] += skb.len
    hh_len = ((dev.hard_header_len + dev.needed_headroom) & ~(core_dev.HH_DATA_MOD - 1)) \
        + core_dev.HH_DATA_MOD
    if skb.data < hh_len and dev.header_ops is not None:
        skb = skbuff.skb_expand_head(skb, hh_len)
    neigh, is_v6gw = arp.ip_neigh_for_gw(rt, skb)
    if isinstance(neigh, int):
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NEIGH_CREATEFAIL)
        return neigh
    return neighbour.neigh_output(neigh, skb, is_v6gw)


def ip_fragment(net: Net, sk: Any, skb: sk_buff, mtu: int, output: Output) -> int:
    """DF clear → fragment; DF set and (not ignore_df, or the original fragments were larger
    than `mtu`) → FragFails, ICMP Frag Needed(mtu), -EMSGSIZE.

    Kernel: net/ipv4/ip_output.c ip_fragment.
    """
    if not skbuff.ip_hdr(skb).frag_off & IP_DF:
        return ip_do_fragment(net, sk, skb, output)
    frag_max_size = ip_options.IPCB(skb).frag_max_size
    if not skb.ignore_df or (frag_max_size and frag_max_size > mtu):
        net.mib.ip_statistics[snmp.IPSTATS_MIB_FRAGFAILS] += 1
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu)
        skbuff.kfree_skb(skb)
        return -errno.EMSGSIZE
    return ip_do_fragment(net, sk, skb, output)


def ip_copy_metadata(to: sk_buff, frm: sk_buff) -> None:
    """Kernel: net/ipv4/ip_output.c ip_copy_metadata."""
    to.pkt_type = frm.pkt_type
    to.priority = frm.priority
    to.protocol = frm.protocol
    to.skb_iif = frm.skb_iif
    skbuff.skb_dst_drop(to)
    dst = skbuff.skb_dst(frm)
    if skbuff.skb_dst_is_noref(frm):
        skbuff.skb_dst_set_noref(to, dst)
    elif dst is not None:
        core_dst.dst_hold(dst)
        skbuff.skb_dst_set(to, dst)
    to.dev = frm.dev
    to.mark = frm.mark
    to.hash = frm.hash


def ip_do_fragment(net: Net, sk: Any, skb: sk_buff, output: Output) -> int:
    """Split into fragments of at most mtu-hlen data bytes (a multiple of 8 except the last),
    sending each through `output`. Consumes the skb; FragCreates per fragment, then FragOKs
    or FragFails. Always the kernel's slow path (fresh skbs), which yields the same frames
    as its frag_list fast path.

    Kernel: net/ipv4/ip_output.c ip_do_fragment, ip_frag_init, ip_frag_next, ip_frag_ipcb.
    """
    mib = net.mib.ip_statistics
    err = 0
    iph = skbuff.ip_hdr(skb)
    parm = ip_options.IPCB(skb)
    mtu = ip_skb_dst_mtu(sk, skb)
    if parm.frag_max_size and parm.frag_max_size < mtu:
        mtu = parm.frag_max_size
    hlen = iph.ihl * 4
    if mtu < hlen + 8:
        return _frag_fail(mib, skb, -errno.EMSGSIZE)
    mtu -= hlen
    parm.flags |= ip_options.IPSKB_FRAG_COMPLETE
    ll_rs = core_dev.LL_RESERVED_SPACE(route.skb_rtable(skb).dev)
    left = skb.len - hlen
    ptr = hlen
    frag_off = iph.frag_off
    offset = (frag_off & IP_OFFSET) << 3
    not_last_frag = frag_off & IP_MF
    df = IP_DF if parm.flags & ip_options.IPSKB_FRAG_PMTU else 0
    nh = skbuff.skb_network_offset(skb)
    header = _copy(skb, nh, hlen)
    while left > 0:
        flen = min(left, mtu)
        if flen < left:
            flen &= ~7
        skb2 = skbuff.alloc_skb(flen + hlen + ll_rs, GFP_ATOMIC)
        ip_copy_metadata(skb2, skb)
        skbuff.skb_reserve(skb2, ll_rs)
        skbuff.skb_put(skb2, flen + hlen)
        skbuff.skb_reset_network_header(skb2)
        skbuff.skb_set_transport_header(skb2, hlen)
        skbuff.skb_store_bits(skb2, 0, header)
        skbuff.skb_store_bits(skb2, hlen, _copy(skb, nh + ptr, flen))
        left -= flen
        ip_options.IPCB(skb2).flags = parm.flags
        if offset == 0:
            ip_options.ip_options_fragment(skb)
            header = _copy(skb, nh, hlen)
        iph2 = skbuff.ip_hdr(skb2)
        iph2.frag_off = (offset >> 3) | df | (IP_MF if left > 0 or not_last_frag else 0)
        ptr += flen
        offset += flen
        iph2.tot_len = flen + hlen
        ip_send_check(iph2)
        err = output(net, sk, skb2)
        if err:
            return _frag_fail(mib, skb, err)
        mib[snmp.IPSTATS_MIB_FRAGCREATES] += 1
    skbuff.consume_skb(skb)
    mib[snmp.IPSTATS_MIB_FRAGOKS] += 1
    return err


def _copy(skb: sk_buff, offset: int, length: int) -> bytes:
    """skb_copy_bits that cannot fail (the kernel BUG()s if it does)."""
    data = skbuff.skb_copy_bits(skb, offset, length)
    if data is None:
        raise bug.KernelBug(f"skb_copy_bits({offset}, {length}) beyond skb {skb.id}")
    return data


def _frag_fail(mib: list[int], skb: sk_buff, err: int) -> int:
    """ip_do_fragment's `fail:` label: free, FragFails."""
    skbuff.kfree_skb(skb)
    mib[snmp.IPSTATS_MIB_FRAGFAILS] += 1
    return err


def ip_mc_finish_output(net: Net, sk: Any, skb: sk_buff) -> int:
    """Loop a multicast/broadcast copy back in (the kernel also re-homes the dst on lo to
    reset rt_iif for IP_PKTINFO, which is not modelled).
    Kernel: net/ipv4/ip_output.c ip_mc_finish_output.
    """
    return int(core_dev.dev_loopback_xmit(net, sk, skb))


def ip_mc_output(net: Net, sk: Any, skb: sk_buff) -> int:
    """dst.output for multicast/broadcast routes: a looped-back clone for local listeners
    (multicast with IP_MULTICAST_LOOP, always for broadcast), then POST_ROUTING → the wire.

    Kernel: net/ipv4/ip_output.c ip_mc_output (no multicast routing).
    """
    rt = route.skb_rtable(skb)
    skb.dev = rt.dev
    skb.protocol = if_ether.ETH_P_IP
    if rt.rt_flags & route.RTCF_MULTICAST:
        if sk is None or sk.mc_loop:
            _mc_loop(net, sk, skb)
        if skbuff.ip_hdr(skb).ttl == 0:
            skbuff.kfree_skb(skb)
            return 0
    if rt.rt_flags & route.RTCF_BROADCAST:
        _mc_loop(net, sk, skb)
    return nf.NF_HOOK_COND(nf.NFPROTO_IPV4, nf.NF_INET_POST_ROUTING, net, sk, skb, None,
                           skb.dev, ip_finish_output,
                           not ip_options.IPCB(skb).flags & ip_options.IPSKB_REROUTED)


def _mc_loop(net: Net, sk: Any, skb: sk_buff) -> None:
    newskb = skbuff.skb_clone(skb, GFP_ATOMIC)
    nf.NF_HOOK(nf.NFPROTO_IPV4, nf.NF_INET_POST_ROUTING, net, sk, newskb, None, newskb.dev,
               ip_mc_finish_output)


def ip_sk_use_pmtu(sk: Any) -> bool:
    """Kernel: include/net/ip.h ip_sk_use_pmtu."""
    return bool(sk.pmtudisc < IP_PMTUDISC_PROBE)


def ip_sk_ignore_df(sk: Any) -> bool:
    """Kernel: include/net/ip.h ip_sk_ignore_df."""
    return bool(sk.pmtudisc < IP_PMTUDISC_DO or sk.pmtudisc == IP_PMTUDISC_OMIT)


def ip_dont_fragment(sk: Any, dst: Any) -> bool:
    """Kernel: include/net/ip.h ip_dont_fragment."""
    pmtudisc = sk.pmtudisc
    return bool(pmtudisc == IP_PMTUDISC_DO
                or (pmtudisc == IP_PMTUDISC_WANT and not route.ip_mtu_locked(dst)))


def ip_select_ttl(sk: Any, dst: Any) -> int:
    """The socket's IP_TTL, else the route's hoplimit metric, else ip_default_ttl.

    Kernel: include/net/route.h ip_select_ttl, ip4_dst_hoplimit.
    """
    if sk.uc_ttl >= 0:
        return int(sk.uc_ttl)
    hoplimit = core_dst.dst_metric_raw(dst, rtnetlink.RTAX_HOPLIMIT)
    return int(hoplimit) if hoplimit else int(dst.dev.nd_net.ipv4.sysctl_ip_default_ttl)


def ip_make_skb(sk: Any, fl4: Any, rt: Any, data: bytes, ttl: int, tos: int) -> sk_buff | int:
    """One datagram: the size checks of __ip_append_data, then the header of __ip_make_skb
    (DF per IP_MTU_DISCOVER, TTL, TOS, ID). `data` starts with the transport header; `ttl`
    0 and `tos` -1 mean "the socket's". Returns the skb (holding the caller's reference to
    `rt`) or -EMSGSIZE. A datagram above the MTU is fragmented on output (ip_fragment) —
    the kernel pre-builds the frag_list instead; the frames on the wire are the same.

    Kernel: net/ipv4/ip_output.c ip_make_skb, __ip_append_data, __ip_make_skb.
    """
    net = sk.sk_net
    length = len(data)
    mtu = core_dst.dst_mtu(rt) if ip_sk_use_pmtu(sk) else rt.dev.mtu
    maxnonfragsize = route.IP_MAX_MTU if ip_sk_ignore_df(sk) else mtu
    if length > 0xFFFF - 20 or length > maxnonfragsize - 20:
        return -errno.EMSGSIZE
    err = core_sock.sock_error(sk)  # sock_alloc_send_skb: a pending error fails the send
    if err:
        net.mib.ip_statistics[snmp.IPSTATS_MIB_OUTDISCARDS] += 1
        return err
    ll_rs = core_dev.LL_RESERVED_SPACE(rt.dev)
    skb = skbuff.alloc_skb(ll_rs + 20 + length, GFP_ATOMIC)
    skbuff.skb_reserve(skb, ll_rs)
    skbuff.skb_put(skb, 20 + length)
    skbuff.skb_reset_network_header(skb)
    skbuff.skb_set_transport_header(skb, 20)
    skbuff.skb_store_bits(skb, 20, data)
    skb.ignore_df = ip_sk_ignore_df(sk)
    pmtudisc = sk.pmtudisc
    df = pmtudisc in (IP_PMTUDISC_DO, IP_PMTUDISC_PROBE) or (
        skb.len <= core_dst.dst_mtu(rt) and ip_dont_fragment(sk, rt))
    if not ttl:
        ttl = sk.mc_ttl if rt.rt_type == rtnetlink.RTN_MULTICAST else ip_select_ttl(sk, rt)
    iph = skbuff.ip_hdr(skb)
    iph.version = 4
    iph.ihl = 5
    iph.tos = sk.tos if tos < 0 else tos
    iph.frag_off = IP_DF if df else 0
    iph.ttl = ttl
    iph.protocol = sk.sk_protocol
    iph.saddr = fl4.saddr
    iph.daddr = fl4.daddr
    ip_select_ident(net, skb, sk)
    skb.priority = sk.sk_priority
    skb.mark = sk.sk_mark
    skbuff.skb_dst_set(skb, rt)
    if sk.sk_protocol == IPPROTO_ICMP:
        icmp.icmp_out_count(net, data[0])
    return skb


def ip_send_skb(net: Net, skb: sk_buff) -> int:
    """Send a datagram built by ip_make_skb; a failure counts OutDiscards.

    Kernel: net/ipv4/ip_output.c ip_send_skb (NET_XMIT_* codes are squashed to 0).
    """
    err = ip_local_out(net, skb.sk, skb)
    if err > 0:
        err = 0
    if err:
        net.mib.ip_statistics[snmp.IPSTATS_MIB_OUTDISCARDS] += 1
    return err


def ip4_datagram_send(sk: Any, fl4: Any, build: Callable[[Any], bytes], ttl: int, tos: int
                      ) -> int:
    """The common tail of udp_sendmsg, ping_v4_sendmsg and raw_sendmsg: output route
    (errors as -errno, ENETUNREACH counting OutNoRoutes), SO_BROADCAST check (-EACCES), build
    the transport message for the chosen source (`build(fl4)`), ip_make_skb (-EMSGSIZE also
    reported through IP_RECVERR), ip_send_skb. Returns the message length or -errno.

    Kernel: net/ipv4/udp.c udp_sendmsg, ping.c ping_v4_sendmsg, raw.c raw_sendmsg.
    """
    from skbuff.net.ipv4 import ip_sockglue

    net = sk.sk_net
    rt = route.ip_route_output_key(net, fl4)
    if isinstance(rt, int):
        if rt == -errno.ENETUNREACH:
            net.mib.ip_statistics[snmp.IPSTATS_MIB_OUTNOROUTES] += 1
        return rt
    if rt.rt_flags & route.RTCF_BROADCAST and not sk.broadcast:
        core_dst.dst_release(rt)
        return -errno.EACCES
    message = build(fl4)
    skb = ip_make_skb(sk, fl4, rt, message, ttl, tos)
    if isinstance(skb, int):
        if skb == -errno.EMSGSIZE:
            dev: Any = rt.dev
            mtu = core_dst.dst_mtu(rt) if ip_sk_use_pmtu(sk) else dev.mtu
            ip_sockglue.ip_local_error(sk, errno.EMSGSIZE, fl4.daddr, sk.inet_dport, mtu)
        core_dst.dst_release(rt)
        return skb
    err = ip_send_skb(net, skb)
    return err if err else len(message)
