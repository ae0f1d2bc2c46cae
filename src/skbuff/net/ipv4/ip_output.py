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
from skbuff.uapi.checksum import CHECKSUM_NONE
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED
from skbuff.uapi.in_ import (
    IP_PMTUDISC_DO,
    IP_PMTUDISC_OMIT,
    IP_PMTUDISC_PROBE,
    IP_PMTUDISC_WANT,
    IPPROTO_ICMP,
    IPPROTO_TCP,
)
from skbuff.uapi.ip import IP_DF, IP_MF, IP_OFFSET, ip_send_check
from skbuff.uapi.socket import MSG_MORE, MSG_PROBE

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


class ip_fraglist_iter:
    """The state of the frag_list fast path: the next member, the header to copy, the
    offset reached. Kernel: include/net/ip.h struct ip_fraglist_iter.
    """

    __slots__ = ("frag", "hlen", "iph", "offset")

    def __init__(self, frag: sk_buff | None, iph: iphdr, hlen: int) -> None:
        self.frag = frag
        self.iph = iph
        self.hlen = hlen
        self.offset = 0


def skb_pagelen(skb: sk_buff) -> int:
    """Linear + paged bytes, without the frag_list. Kernel: include/linux/skbuff.h."""
    return skbuff.skb_headlen(skb) + sum(f.size for f in skbuff.skb_shinfo(skb).frags)


def ip_fraglist_init(skb: sk_buff, iph: iphdr, hlen: int) -> ip_fraglist_iter:
    """Detach the frag_list and make `skb` the first fragment (its own bytes only, MF set,
    DF cleared). Kernel: net/ipv4/ip_output.c ip_fraglist_init.
    """
    first_len = skb_pagelen(skb)
    shinfo = skbuff.skb_shinfo(skb)
    it = ip_fraglist_iter(shinfo.frag_list, iph, hlen)
    shinfo.frag_list = None
    skb.data_len = first_len - skbuff.skb_headlen(skb)
    skb.len = first_len
    iph.tot_len = first_len
    iph.frag_off = IP_MF
    ip_send_check(iph)
    return it


def ip_fraglist_prepare(skb: sk_buff, it: ip_fraglist_iter) -> None:
    """Give the next frag_list member the previous fragment's header with its own length,
    offset and MF, and `skb`'s metadata. Kernel: net/ipv4/ip_output.c ip_fraglist_prepare.
    """
    hlen = it.hlen
    frag = it.frag
    assert frag is not None
    frag.ip_summed = CHECKSUM_NONE
    skbuff.skb_reset_transport_header(frag)
    skbuff.__skb_push(frag, hlen)
    skbuff.skb_reset_network_header(frag)
    prev = it.iph
    frag.buf[frag.data:frag.data + hlen] = prev.buf[prev.off:prev.off + hlen]
    it.iph = iph = skbuff.ip_hdr(frag)
    iph.tot_len = frag.len
    ip_copy_metadata(frag, skb)
    it.offset += skb.len - hlen
    iph.frag_off = (it.offset >> 3) | (IP_MF if frag.next is not None else 0)
    ip_send_check(iph)


def ip_fraglist_next(it: ip_fraglist_iter) -> sk_buff:
    """Unlink and return the member just prepared. Kernel: include/net/ip.h ip_fraglist_next."""
    skb = it.frag
    assert skb is not None
    it.frag = skb.next
    skb.next = None
    return skb


def _fraglist_fits(skb: sk_buff, hlen: int, mtu: int, ll_rs: int) -> bool:
    """ip_do_fragment's geometry check for the fast path: the head and every member hold
    at most `mtu` data bytes, a multiple of 8 except the last, with headroom for a header;
    nothing is a fragment already, cloned or shared. Members are charged to the socket.
    """
    first = skb_pagelen(skb) - hlen
    if (first > mtu or first & 7 or ip_is_fragment(skbuff.ip_hdr(skb))
            or skbuff.skb_cloned(skb) or skbuff.skb_headroom(skb) < ll_rs):
        return False
    members = []
    frag = skbuff.skb_shinfo(skb).frag_list
    while frag is not None:
        if (frag.len > mtu or (frag.len & 7 and frag.next is not None)
                or skbuff.skb_headroom(frag) < hlen + ll_rs or skbuff.skb_shared(frag)):
            return False
        members.append(frag)
        frag = frag.next
    for frag in members:
        if skb.sk is not None:
            frag.sk = skb.sk
            frag.destructor = core_sock.sock_wfree
        skb.truesize -= frag.truesize
    return True


def ip_is_fragment(iph: iphdr) -> bool:
    """Kernel: include/net/ip.h ip_is_fragment."""
    return bool(iph.frag_off & (IP_MF | IP_OFFSET))


def ip_do_fragment(net: Net, sk: Any, skb: sk_buff, output: Output) -> int:
    """Send `skb` as fragments of at most mtu-hlen data bytes (a multiple of 8 but the
    last) through `output`. Consumes the skb; FragCreates per fragment, then FragOKs or
    FragFails. A datagram built as a frag_list (ip_append_data) whose pieces already have
    that geometry is sent piece by piece with fresh headers (fast path); anything else is
    copied into new skbs (slow path).

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
    if skbuff.skb_shinfo(skb).frag_list is not None and _fraglist_fits(skb, hlen, mtu, ll_rs):
        it = ip_fraglist_init(skb, iph, hlen)
        optlen = parm.opt.optlen
        while True:
            if it.frag is not None:
                first_frag = it.offset == 0
                ip_options.IPCB(it.frag).flags = ip_options.IPCB(skb).flags
                ip_fraglist_prepare(skb, it)
                if first_frag and optlen:
                    ip_options.IPCB(it.frag).opt.optlen = optlen
                    ip_options.ip_options_fragment(it.frag)
                    ip_send_check(it.iph)
            err = output(net, sk, skb)
            if not err:
                mib[snmp.IPSTATS_MIB_FRAGCREATES] += 1
            if err or it.frag is None:
                break
            skb = ip_fraglist_next(it)
        if err == 0:
            mib[snmp.IPSTATS_MIB_FRAGOKS] += 1
            return 0
        skbuff.kfree_skb_list(it.frag)
        mib[snmp.IPSTATS_MIB_FRAGFAILS] += 1
        return err
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
        if skb.sk is not None:
            core_sock.skb_set_owner_w(skb2, skb.sk)
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


IPCORK_OPT = 1  # include/net/inet_sock.h: cork->opt holds options
_ALLOC_EXTRA = 15  # __ip_append_data: hh_len + 15 bytes beyond the frame
SKB_MAX_ALLOC = 4 * 4096 - skbuff.SKB_SHINFO_SIZEOF  # SKB_MAX_ORDER(0, 2)


class ipcm_cookie:
    """struct ipcm_cookie: per-send IP parameters (destination for options, options, TTL,
    TOS, priority, mark, output interface, IP_PROTOCOL). `tos` -1 and `ttl` 0 mean "the
    socket's"; `oif` 0 none.

    Kernel: include/net/ip.h struct ipcm_cookie, ipcm_init.
    """

    __slots__ = ("addr", "mark", "oif", "opt", "priority", "protocol", "tos", "ttl")

    def __init__(self, sk: Any, addr: int = 0, opt: ip_options.ip_options_data | None = None
                 ) -> None:
        self.addr = addr
        self.opt = opt
        self.ttl = 0
        self.tos = -1
        self.priority = sk.sk_priority
        self.mark = sk.sk_mark
        self.oif = 0
        self.protocol = 0


def ipcm_init_sk(sk: Any) -> ipcm_cookie:
    """A send's cookie from the socket: its source address, bound device, mark, protocol.

    Kernel: include/net/ip.h ipcm_init_sk.
    """
    ipc = ipcm_cookie(sk, sk.inet_saddr)
    ipc.oif = sk.sk_bound_dev_if
    ipc.protocol = sk.inet_num
    return ipc


def inet_opt_faddr(opt: ip_options.ip_options_data | None, daddr: int) -> int:
    """Where a datagram to `daddr` is routed: the first hop of the source route in the
    send's options (`ipc.opt`: a control message's or the socket's IP_OPTIONS), else `daddr`.

    Kernel: net/ipv4/ping.c ping_v4_sendmsg, raw.c raw_sendmsg, udp.c udp_sendmsg (faddr).
    """
    return opt.opt.faddr if opt is not None and opt.opt.srr else daddr


def ip_setup_cork(sk: Any, cork: core_sock.inet_cork, ipc: ipcm_cookie, rtp: list[Any]) -> int:
    """Start a datagram: fragment size from the route (path MTU unless PROBE or above),
    options and their destination, TTL/TOS/mark. The cork takes the route (`rtp[0]` becomes
    None). 0, -EFAULT (no route) or -ENETUNREACH (MTU below 68).

    Kernel: net/ipv4/ip_output.c ip_setup_cork.
    """
    rt = rtp[0]
    if rt is None:
        return -errno.EFAULT
    cork.fragsize = core_dst.dst_mtu(rt) if ip_sk_use_pmtu(sk) else rt.dev.mtu
    if cork.fragsize < 68:  # inetdev_valid_mtu
        return -errno.ENETUNREACH
    if ipc.opt is not None:
        if cork.opt is None:
            cork.opt = ip_options.ip_options_data()
        optlen = ipc.opt.buf[12]
        cork.opt.buf[:ip_options.OPT_DATA + optlen] = \
            ipc.opt.buf[:ip_options.OPT_DATA + optlen]
        cork.flags |= IPCORK_OPT
        cork.addr = ipc.addr
    cork.dst = rt
    rtp[0] = None
    cork.length = 0
    cork.ttl = ipc.ttl
    cork.tos = ipc.tos
    cork.mark = ipc.mark
    cork.priority = ipc.priority
    return 0


def _sock_alloc_send_skb(sk: Any, size: int) -> sk_buff | int:
    """An skb charged to `sk`: first the pending socket error, then the send buffer (no
    waiting here, as with MSG_DONTWAIT: a full buffer is -EAGAIN).

    Kernel: net/core/sock.c sock_alloc_send_pskb.
    """
    err = core_sock.sock_error(sk)
    if err:
        return err
    if core_sock.sk_wmem_alloc_get(sk) >= sk.sk_sndbuf:
        return -errno.EAGAIN
    skb = skbuff.alloc_skb(size, GFP_ATOMIC)
    core_sock.skb_set_owner_w(skb, sk)
    return skb


def __ip_append_data(sk: Any, fl4: Any, queue: skbuff.sk_buff_head, cork: core_sock.inet_cork,
                     from_: bytes, length: int, transhdrlen: int, flags: int) -> int:
    """Append `length` bytes of `from_` to the datagram being built on `queue`: each skb
    holds one future fragment (at most maxfraglen bytes with its IP header room, or the
    whole MTU while it is the last), data beyond a full skb's 8-byte boundary moves to the
    next one (fraggap), and data added to an existing skb goes to its paged frags. With
    `transhdrlen` (the first call of a datagram) `from_` starts with that many bytes of
    transport header. 0, or -EMSGSIZE (past the MTU with DF, or 64K; reported through
    IP_RECVERR; or MAX_SKB_FRAGS reached), -EAGAIN/-ENOBUFS or the pending socket error
    (OutDiscards).

    Devices are taken as scatter-gather capable without checksum offload (veth and lo have
    NETIF_F_SG), so a new skb beyond SKB_MAX_ALLOC is paged too.
    Kernel: net/ipv4/ip_output.c __ip_append_data, ip_generic_getfrag.
    """
    from skbuff.net.ipv4 import ip_sockglue

    rt = cork.dst
    opt = cork.opt if cork.flags & IPCORK_OPT else None
    skb = skbuff.skb_peek_tail(queue)
    mtu = cork.fragsize
    hh_len = core_dev.LL_RESERVED_SPACE(rt.dev)
    optlen = opt.buf[12] if opt is not None else 0
    fragheaderlen = 20 + optlen
    maxfraglen = ((mtu - fragheaderlen) & ~7) + fragheaderlen
    maxnonfragsize = route.IP_MAX_MTU if ip_sk_ignore_df(sk) else mtu
    if cork.length + length > maxnonfragsize - fragheaderlen:
        ip_sockglue.ip_local_error(sk, errno.EMSGSIZE, fl4.daddr, sk.inet_dport, mtu - optlen)
        return -errno.EMSGSIZE
    cork.length += length
    offset = 0
    while skb is None or length > 0:
        copy = 0
        if skb is not None:
            copy = mtu - skb.len
            if copy < length:
                copy = maxfraglen - skb.len
        if skb is None or copy <= 0:
            skb_prev = skb
            fraggap = skb_prev.len - maxfraglen if skb_prev is not None else 0
            datalen = length + fraggap
            if datalen > mtu - fragheaderlen:
                datalen = maxfraglen - fragheaderlen
            fraglen = datalen + fragheaderlen
            pagedlen = 0
            alloc_extra = hh_len + _ALLOC_EXTRA
            if fraglen + alloc_extra < SKB_MAX_ALLOC:
                alloclen = fraglen
            else:
                alloclen = fragheaderlen + transhdrlen + fraggap
                pagedlen = datalen - transhdrlen - fraggap
            alloclen += alloc_extra
            if transhdrlen:
                new = _sock_alloc_send_skb(sk, alloclen)
            elif sk.sk_wmem_alloc <= 2 * sk.sk_sndbuf:
                new = skbuff.alloc_skb(alloclen, GFP_ATOMIC)
                core_sock.skb_set_owner_w(new, sk)
            else:
                new = -errno.ENOBUFS
            if isinstance(new, int):
                return _append_error(sk, cork, length, new)
            skb = new
            skb.ip_summed = CHECKSUM_NONE
            skb.csum = 0
            skbuff.skb_reserve(skb, hh_len)
            data = skbuff.skb_put(skb, fraglen - pagedlen)
            skbuff.skb_set_network_header(skb, 0)
            skb.transport_header = skb.network_header + fragheaderlen
            data += fragheaderlen
            if fraggap:
                assert skb_prev is not None
                skb.buf[data:data + fraggap] = _copy(skb_prev, maxfraglen, fraggap)
                data += fraggap
                skbuff.pskb_trim(skb_prev, maxfraglen)
            copy = datalen - transhdrlen - fraggap - pagedlen
            take = transhdrlen + max(copy, 0)
            skb.buf[data:data + take] = from_[offset:offset + take]
            offset += take
            length -= take
            transhdrlen = 0
            skbuff.__skb_queue_tail(queue, skb)
            continue
        copy = _append_page(sk, skb, from_[offset:offset + min(copy, length)])
        if copy < 0:
            return _append_error(sk, cork, length, copy)
        offset += copy
        length -= copy
    return 0


def _append_page(sk: Any, skb: sk_buff, data: bytes) -> int:
    """Append (part of) `data` to `skb` as paged data from the socket's page frag,
    coalescing with the last frag when contiguous; returns the bytes taken, or -EMSGSIZE
    when the skb already has MAX_SKB_FRAGS frags.

    Kernel: net/ipv4/ip_output.c __ip_append_data (the !zc branch), skb_can_coalesce.
    """
    pfrag = sk.sk_frag
    core_sock.sk_page_frag_refill(sk, pfrag)
    page = pfrag.page
    assert page is not None
    copy = min(len(data), pfrag.size - pfrag.offset)
    frags = skbuff.skb_shinfo(skb).frags
    last = frags[-1] if frags else None
    if last is not None and last.page is page and last.offset + last.size == pfrag.offset:
        last.size += copy
    elif len(frags) == skbuff.MAX_SKB_FRAGS:
        return -errno.EMSGSIZE
    else:
        frags.append(skbuff.skb_frag(page, pfrag.offset, copy))
    page[pfrag.offset:pfrag.offset + copy] = data[:copy]
    pfrag.offset += copy
    skb.len += copy
    skb.data_len += copy
    skb.truesize += copy
    sk.sk_wmem_alloc += copy
    return copy


def _append_error(sk: Any, cork: core_sock.inet_cork, length: int, err: int) -> int:
    """__ip_append_data's `error:` label: the unsent length leaves the cork; OutDiscards."""
    cork.length -= length
    sk.sk_net.mib.ip_statistics[snmp.IPSTATS_MIB_OUTDISCARDS] += 1
    return err


def ip_append_data(sk: Any, fl4: Any, from_: bytes, length: int, transhdrlen: int,
                   ipc: ipcm_cookie, rtp: list[Any], flags: int) -> int:
    """Add data to the datagram pending on `sk.sk_write_queue` (corking), setting up the
    cork (taking `rtp[0]`) when the queue is empty; later calls carry no transport header.
    Process context. Kernel: net/ipv4/ip_output.c ip_append_data.
    """
    if flags & MSG_PROBE:
        return 0
    if skbuff.skb_queue_empty(sk.sk_write_queue):
        err = ip_setup_cork(sk, sk.cork, ipc, rtp)
        if err:
            return err
    else:
        transhdrlen = 0
    return __ip_append_data(sk, fl4, sk.sk_write_queue, sk.cork, from_, length, transhdrlen,
                            flags)


def ip_cork_release(cork: core_sock.inet_cork) -> None:
    """Forget the options and drop the route. Kernel: net/ipv4/ip_output.c ip_cork_release."""
    cork.flags &= ~IPCORK_OPT
    cork.opt = None
    if cork.dst is not None:
        core_dst.dst_release(cork.dst)
    cork.dst = None


def __ip_make_skb(sk: Any, fl4: Any, queue: skbuff.sk_buff_head, cork: core_sock.inet_cork
                  ) -> sk_buff | None:
    """Join the queued pieces into one datagram (the first skb, the rest on its frag_list)
    and write its IP header: DF per IP_MTU_DISCOVER, TTL, TOS, ID, options. The skb takes
    the cork's route. None if nothing is queued.

    Kernel: net/ipv4/ip_output.c __ip_make_skb.
    """
    net = sk.sk_net
    skb = skbuff.__skb_dequeue(queue)
    if skb is None:
        return None
    tail: sk_buff | None = None
    nhlen = skbuff.skb_network_header_len(skb)
    while (tmp := skbuff.__skb_dequeue(queue)) is not None:
        skbuff.__skb_pull(tmp, nhlen)
        if tail is None:
            skbuff.skb_shinfo(skb).frag_list = tmp
        else:
            tail.next = tmp
        tail = tmp
        skb.len += tmp.len
        skb.data_len += tmp.len
        skb.truesize += tmp.truesize
        tmp.destructor = None
        tmp.sk = None
    rt = cork.dst
    skb.ignore_df = ip_sk_ignore_df(sk)
    pmtudisc = sk.pmtudisc
    df = pmtudisc in (IP_PMTUDISC_DO, IP_PMTUDISC_PROBE) or (
        skb.len <= core_dst.dst_mtu(rt) and ip_dont_fragment(sk, rt))
    if cork.ttl:
        ttl = cork.ttl
    elif rt.rt_type == rtnetlink.RTN_MULTICAST:
        ttl = sk.mc_ttl
    else:
        ttl = ip_select_ttl(sk, rt)
    iph = skbuff.ip_hdr(skb)
    iph.version = 4
    iph.ihl = 5
    iph.tos = cork.tos if cork.tos != -1 else sk.tos
    iph.frag_off = IP_DF if df else 0
    iph.ttl = ttl
    iph.protocol = sk.sk_protocol
    iph.saddr = fl4.saddr
    iph.daddr = fl4.daddr
    ip_select_ident(net, skb, sk)
    if cork.flags & IPCORK_OPT:
        iph.ihl = 5 + (cork.opt.buf[12] >> 2)
        ip_options.ip_options_build(skb, cork.opt, cork.addr, rt)
    skb.priority = cork.priority if cork.tos != -1 else sk.sk_priority
    skb.mark = cork.mark
    cork.dst = None
    skbuff.skb_dst_set(skb, rt)  # the cork's reference moves to the skb
    if sk.sk_protocol == IPPROTO_ICMP:
        icmp_type = fl4.fl4_icmp_type if sk.sk_type == icmp.SOCK_RAW else \
            skb.buf[skbuff.skb_transport_header(skb)]
        icmp.icmp_out_count(net, icmp_type)
    ip_cork_release(cork)
    return skb


def ip_finish_skb(sk: Any, fl4: Any) -> sk_buff | None:
    """Kernel: include/net/ip.h ip_finish_skb."""
    return __ip_make_skb(sk, fl4, sk.sk_write_queue, sk.cork)


def ip_push_pending_frames(sk: Any, fl4: Any) -> int:
    """Build the corked datagram and send it (ip_send_skb). 0 or -errno.

    Kernel: net/ipv4/ip_output.c ip_push_pending_frames.
    """
    skb = ip_finish_skb(sk, fl4)
    if skb is None:
        return 0
    return ip_send_skb(sk.sk_net, skb)


def __ip_flush_pending_frames(sk: Any, queue: skbuff.sk_buff_head, cork: core_sock.inet_cork
                              ) -> None:
    """Kernel: net/ipv4/ip_output.c __ip_flush_pending_frames."""
    while (skb := skbuff.__skb_dequeue_tail(queue)) is not None:
        skbuff.kfree_skb(skb)
    ip_cork_release(cork)


def ip_flush_pending_frames(sk: Any) -> None:
    """Throw away the corked datagram. Kernel: net/ipv4/ip_output.c ip_flush_pending_frames."""
    __ip_flush_pending_frames(sk, sk.sk_write_queue, sk.cork)


def ip_make_skb(sk: Any, fl4: Any, from_: bytes, length: int, transhdrlen: int,
                ipc: ipcm_cookie, rtp: list[Any], cork: core_sock.inet_cork, flags: int
                ) -> sk_buff | int | None:
    """One whole datagram without corking (a private queue and `cork`): the skb, None for
    MSG_PROBE, or -errno. The skb holds the route taken from `rtp[0]`.

    Kernel: net/ipv4/ip_output.c ip_make_skb.
    """
    if flags & MSG_PROBE:
        return None
    queue = skbuff.sk_buff_head()
    cork.flags = 0
    cork.addr = 0
    cork.opt = None
    err = ip_setup_cork(sk, cork, ipc, rtp)
    if err:
        return err
    err = __ip_append_data(sk, fl4, queue, cork, from_, length, transhdrlen, flags)
    if err:
        __ip_flush_pending_frames(sk, queue, cork)
        return err
    return __ip_make_skb(sk, fl4, queue, cork)


def ip_build_and_send_pkt(skb: sk_buff, sk: Any, saddr: int, daddr: int,
                          opt: ip_options.ip_options_data | None, tos: int) -> int:
    """Push an IP header (with `opt`) in front of a built transport segment whose dst is
    set, and send it: DF and ID 0 when small (<= 576) or DF applies, else a hashed ID (a
    random one for TCP); a source route sends to its first hop. Owns the skb.

    Kernel: net/ipv4/ip_output.c ip_build_and_send_pkt (TCP's SYN-ACK path).
    """
    rt = route.skb_rtable(skb)
    net = sk.sk_net
    optlen = opt.buf[12] if opt is not None else 0
    skbuff.skb_push(skb, 20 + optlen)
    skbuff.skb_reset_network_header(skb)
    iph = skbuff.ip_hdr(skb)
    iph.version = 4
    iph.ihl = 5
    iph.tos = tos
    iph.ttl = ip_select_ttl(sk, rt)
    iph.daddr = opt.opt.faddr if opt is not None and opt.opt.srr else daddr
    iph.saddr = saddr
    iph.protocol = sk.sk_protocol
    if skb.len <= 576 or ip_dont_fragment(sk, rt):
        iph.frag_off = IP_DF
        iph.id = 0
    else:
        iph.frag_off = 0
        if sk.sk_protocol == IPPROTO_TCP:
            iph.id = net.kernel.rng.get_random_u32() & 0xFFFF
        else:
            __ip_select_ident(net, iph, 1)
    if opt is not None and optlen:
        iph.ihl = 5 + (optlen >> 2)
        ip_options.ip_options_build(skb, opt, daddr, rt)
    skb.priority = sk.sk_priority
    if not skb.mark:
        skb.mark = sk.sk_mark
    return ip_local_out(net, skb.sk, skb)


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


def ip4_datagram_route(sk: Any, fl4: Any) -> Any:
    """A datagram sendmsg's output route for `fl4`, or -errno: ENETUNREACH counts
    OutNoRoutes; a broadcast route without SO_BROADCAST is -EACCES. The caller owns the
    returned rtable's reference.

    Kernel: net/ipv4/udp.c udp_sendmsg, ping.c ping_v4_sendmsg, raw.c raw_sendmsg (each
    has these lines inline).
    """
    net = sk.sk_net
    rt = route.ip_route_output_key(net, fl4)
    if isinstance(rt, int):
        if rt == -errno.ENETUNREACH:
            net.mib.ip_statistics[snmp.IPSTATS_MIB_OUTNOROUTES] += 1
        return rt
    if rt.rt_flags & route.RTCF_BROADCAST and not sk.broadcast:
        core_dst.dst_release(rt)
        return -errno.EACCES
    return rt


def ip4_datagram_send(sk: Any, fl4: Any, build: Callable[[Any], bytes], transhdrlen: int,
                      ipc: ipcm_cookie, daddr: int, flags: int = 0) -> int:
    """The common tail of ping_v4_sendmsg and raw_sendmsg: output route (errors as -errno,
    ENETUNREACH counting OutNoRoutes), SO_BROADCAST check (-EACCES), build the transport
    message for the chosen source (`build(fl4)`, its first `transhdrlen` bytes the transport
    header), then send it with `ipc`'s TTL, TOS, priority, mark and options (ip_datagram_ipc
    built it). The message length or -errno. `daddr` is the final destination (a source
    route's last slot; it becomes `ipc.addr`), `fl4.daddr` the first hop (inet_opt_faddr).

    Corking (raw sockets' MSG_MORE, `flags`): the message is appended to the socket's
    pending datagram (sk_write_queue, whose cork keeps the first call's route and options)
    and sent by the first call without MSG_MORE, with the header from that call's flow, as
    raw_sendmsg does; on error the pending datagram is thrown away. Without a pending
    datagram or MSG_MORE, the same is done on a private queue (ip_make_skb).

    Kernel: net/ipv4/ping.c ping_v4_sendmsg, raw.c raw_sendmsg (ip_append_data +
    ip_push_pending_frames, or ip_flush_pending_frames).
    """
    net = sk.sk_net
    rt = ip4_datagram_route(sk, fl4)
    if isinstance(rt, int):
        return rt
    message = build(fl4)
    ipc.addr = daddr
    rtp: list[Any] = [rt]
    if flags & MSG_MORE or not skbuff.skb_queue_empty(sk.sk_write_queue):
        err = ip_append_data(sk, fl4, message, len(message), transhdrlen, ipc, rtp, flags)
        if err:
            ip_flush_pending_frames(sk)
        elif not flags & MSG_MORE:
            err = ip_push_pending_frames(sk, fl4)
        if rtp[0] is not None:
            core_dst.dst_release(rtp[0])
        return err if err else len(message)
    skb = ip_make_skb(sk, fl4, message, len(message), transhdrlen, ipc, rtp,
                      core_sock.inet_cork(), 0)
    if rtp[0] is not None:
        core_dst.dst_release(rtp[0])
    if skb is None:
        return len(message)
    if isinstance(skb, int):
        return skb
    err = ip_send_skb(net, skb)
    return err if err else len(message)
