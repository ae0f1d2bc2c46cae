"""IPv4 reassembly: ip_defrag and the per-namespace fragment queues.

Kernel: net/ipv4/ip_fragment.c (ip_defrag, ip_find, ip_frag_queue, ip_frag_reasm, ip_expire,
ip_frag_too_far, ip_frag_reinit, ipv4_frags_init_net, ip4_frags_ns_ctl_register), with the
generic queue in inet_fragment.py. Softirq context.

Difference from the kernel, on purpose: the kernel morphs the arriving skb into the head of
the reassembled datagram; here `ip_defrag` returns a fresh linear skb that carries the arriving
skb's metadata and dst (every fragment skb is consumed).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from skbuff.kernel import bug, sysctl, timer
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.core.skbuff import GFP_ATOMIC
from skbuff.net.ipv4 import icmp, inet_fragment, ip_options, ip_output, route
from skbuff.uapi import rtnetlink, snmp
from skbuff.uapi.checksum import CHECKSUM_NONE, CHECKSUM_UNNECESSARY
from skbuff.uapi.icmp import ICMP_EXC_FRAGTIME, ICMP_TIME_EXCEEDED
from skbuff.uapi.ip import IP_DF, IP_MF, IP_OFFSET, ip_send_check

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.net.ipv4.inet_fragment import inet_frag_queue

# enum ip_defrag_users (include/net/ip.h)
IP_DEFRAG_LOCAL_DELIVER = 0
IP_DEFRAG_CALL_RA_CHAIN = 1
IP_DEFRAG_CONNTRACK_IN = 2
IP_DEFRAG_CONNTRACK_OUT = 0x10002
IP_DEFRAG_CONNTRACK_BRIDGE_IN = 0x20002
IP_DEFRAG_VS_IN = 0x30002
IP_DEFRAG_VS_OUT = 0x30003
IP_DEFRAG_VS_FWD = 0x30004
IP_DEFRAG_AF_PACKET = 0x30005
IP_DEFRAG_MACVLAN = 0x30006

# ECN bits per fragment (include/net/inet_ecn.h / ip_fragment.c)
IPFRAG_ECN_NOT_ECT = 0x01
IPFRAG_ECN_ECT_1 = 0x02
IPFRAG_ECN_ECT_0 = 0x04
IPFRAG_ECN_CE = 0x08
INET_ECN_CE = 3


def _ecn_table() -> tuple[int, ...]:
    """Kernel: net/ipv4/inet_fragment.c ip_frag_ecn_table."""
    t = [0] * 16
    for m in (IPFRAG_ECN_CE | IPFRAG_ECN_ECT_0, IPFRAG_ECN_CE | IPFRAG_ECN_ECT_1,
              IPFRAG_ECN_CE | IPFRAG_ECN_ECT_0 | IPFRAG_ECN_ECT_1):
        t[m] = INET_ECN_CE
    for m in range(16):
        if m & IPFRAG_ECN_NOT_ECT and m != IPFRAG_ECN_NOT_ECT:
            t[m] = 0xFF
    return tuple(t)


ip_frag_ecn_table = _ecn_table()


def ip4_frag_ecn(tos: int) -> int:
    """Kernel: net/ipv4/ip_fragment.c ip4_frag_ecn."""
    return 1 << (tos & 3)


def frag_expire_skip_icmp(user: int) -> bool:
    """Conntrack/IPVS users only answer for local routes. Kernel: include/net/ip.h."""
    return (user == IP_DEFRAG_AF_PACKET
            or IP_DEFRAG_CONNTRACK_IN <= user <= IP_DEFRAG_CONNTRACK_IN + 0xFFFF
            or IP_DEFRAG_CONNTRACK_BRIDGE_IN <= user <= IP_DEFRAG_CONNTRACK_BRIDGE_IN + 0xFFFF)


def ip_expire(q: inet_frag_queue) -> None:
    """Timer: ReasmFails + ReasmTimeout, drop the queue (FRAG_REASM_TIMEOUT), and send ICMP
    Time Exceeded (fragment reassembly) only if the offset-0 fragment arrived and the
    re-looked-up route is local (or the user is not conntrack).

    Kernel: net/ipv4/ip_fragment.c ip_expire. TIMER_SOFTIRQ context.
    """
    fq_dir = q.fqdir
    net = fq_dir.net
    if fq_dir.dead or q.flags & inet_fragment.INET_FRAG_COMPLETE:
        return
    q.flags |= inet_fragment.INET_FRAG_DROP
    head: sk_buff | None = None
    if q.flags & inet_fragment.INET_FRAG_FIRST_IN and q.runs:
        first_run = q.runs[0]
        head = first_run.skbs.pop(0)[1]
        fq_dir.mem -= head.truesize
        if not first_run.skbs:
            q.runs.pop(0)
    inet_fragment.inet_frag_kill(q)
    mib = net.mib.ip_statistics
    mib[snmp.IPSTATS_MIB_REASMFAILS] += 1
    mib[snmp.IPSTATS_MIB_REASMTIMEOUT] += 1
    if head is None:
        return
    reason = SKB_DROP_REASON.NOT_SPECIFIED
    head.dev = net.dev_index_head.get(q.iif)
    if head.dev is not None:
        iph = skbuff.ip_hdr(head)
        if not route.ip_route_input_noref(head, iph.daddr, iph.saddr, iph.tos & 0xFC,
                                          head.dev):
            reason = SKB_DROP_REASON.FRAG_REASM_TIMEOUT
            user = q.key[4]
            if not (frag_expire_skip_icmp(user)
                    and route.skb_rtable(head).rt_type != rtnetlink.RTN_LOCAL):
                icmp.icmp_send(head, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0)
    skbuff.kfree_skb_reason(head, reason)


def ip_frag_too_far(q: inet_frag_queue) -> bool:
    """More than max_dist fragments from this source since this queue last grew.

    Kernel: net/ipv4/ip_fragment.c ip_frag_too_far (inet_peer.rid kept in fqdir.peer_rid).
    """
    fq_dir = q.fqdir
    if q.peer is None or not fq_dir.max_dist:
        return False
    entry = fq_dir.peer_rid[q.peer]
    start = q.rid
    entry[0] = (entry[0] + 1) & 0xFFFFFFFF
    end = entry[0]
    q.rid = end
    rc = bool(q.runs) and ((end - start) & 0xFFFFFFFF) > fq_dir.max_dist
    if rc:
        fq_dir.net.mib.ip_statistics[snmp.IPSTATS_MIB_REASMFAILS] += 1
    return rc


def ip_frag_reinit(q: inet_frag_queue) -> int:
    """Restart a queue that fell too far behind (FRAG_TOO_FAR).

    Kernel: net/ipv4/ip_fragment.c ip_frag_reinit.
    """
    if not timer.mod_timer(q.timer, q.fqdir.net.kernel.jiffies + q.fqdir.timeout):
        return -errno.ETIMEDOUT
    inet_fragment.inet_frag_queue_flush(q, SKB_DROP_REASON.FRAG_TOO_FAR)
    q.flags = 0
    q.len = 0
    q.meat = 0
    q.iif = 0
    q.ecn = 0
    return 0


def ip_frag_queue(q: inet_frag_queue, skb: sk_buff) -> sk_buff | int:
    """Add one fragment. Returns the reassembled skb when this completed the datagram, else
    a negative errno (-EINPROGRESS when queued). The fragment skb is always taken.

    Kernel: net/ipv4/ip_fragment.c ip_frag_queue.
    """
    net = q.fqdir.net
    mib = net.mib.ip_statistics
    reason = SKB_DROP_REASON.NOT_SPECIFIED
    if q.flags & inet_fragment.INET_FRAG_COMPLETE:
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.DUP_FRAG)
        return -errno.EINVAL
    if not ip_options.IPCB(skb).flags & ip_options.IPSKB_FRAG_COMPLETE and ip_frag_too_far(q):
        err = ip_frag_reinit(q)
        if err:
            inet_fragment.inet_frag_kill(q)
            skbuff.kfree_skb_reason(skb, reason)
            return err
    iph = skbuff.ip_hdr(skb)
    ecn = ip4_frag_ecn(iph.tos)
    frag_off = iph.frag_off
    offset = (frag_off & IP_OFFSET) << 3
    ihl = iph.ihl * 4
    end = offset + skb.len - skbuff.skb_network_offset(skb) - ihl
    if not frag_off & IP_MF:
        if end < q.len or (q.flags & inet_fragment.INET_FRAG_LAST_IN and end != q.len):
            return _discard_qp(q, skb, mib, reason, -errno.EINVAL)
        q.flags |= inet_fragment.INET_FRAG_LAST_IN
        q.len = end
    else:
        if end & 7:
            end &= ~7
            if skb.ip_summed != CHECKSUM_UNNECESSARY:
                skb.ip_summed = CHECKSUM_NONE
        if end > q.len:
            if q.flags & inet_fragment.INET_FRAG_LAST_IN:
                return _discard_qp(q, skb, mib, reason, -errno.EINVAL)
            q.len = end
    if end == offset:
        return _discard_qp(q, skb, mib, reason, -errno.EINVAL)
    if skbuff.pskb_pull(skb, skbuff.skb_network_offset(skb) + ihl) is None:
        return _discard_qp(q, skb, mib, reason, -errno.ENOMEM)
    err = skbuff.pskb_trim_rcsum(skb, end - offset)
    if err:
        return _discard_qp(q, skb, mib, reason, err)
    dev = skb.dev
    res = inet_fragment.inet_frag_queue_insert(q, skb, offset, end)
    if res == inet_fragment.IPFRAG_DUP:
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.DUP_FRAG)
        return -errno.EINVAL
    if res == inet_fragment.IPFRAG_OVERLAP:
        mib[snmp.IPSTATS_MIB_REASM_OVERLAPS] += 1
        return _discard_qp(q, skb, mib, reason, -errno.EINVAL)
    if dev is not None:
        q.iif = dev.ifindex
    q.stamp = skb.tstamp
    q.meat += skb.len
    q.ecn |= ecn
    q.fqdir.mem += skb.truesize
    if offset == 0:
        q.flags |= inet_fragment.INET_FRAG_FIRST_IN
    fragsize = skb.len + ihl
    q.max_size = max(q.max_size, fragsize)
    if frag_off & IP_DF and fragsize > q.max_df_size:
        q.max_df_size = fragsize
    if (q.flags == inet_fragment.INET_FRAG_FIRST_IN | inet_fragment.INET_FRAG_LAST_IN
            and q.meat == q.len):
        return ip_frag_reasm(q, skb, dev)
    skbuff.skb_dst_drop(skb)
    skbuff.skb_orphan(skb)
    return -errno.EINPROGRESS


def _discard_qp(q: inet_frag_queue, skb: sk_buff, mib: list[int], reason: SKB_DROP_REASON,
                err: int) -> int:
    """ip_frag_queue's `discard_qp:` label: kill the queue, ReasmFails, free the fragment."""
    inet_fragment.inet_frag_kill(q)
    mib[snmp.IPSTATS_MIB_REASMFAILS] += 1
    skbuff.kfree_skb_reason(skb, reason)
    return err


def ip_frag_reasm(q: inet_frag_queue, skb: sk_buff, dev: object) -> sk_buff | int:
    """Build the whole datagram: the offset-0 fragment's header + every payload in order.
    ReasmOKs, or ReasmFails when over 65535 bytes or the ECN mix is invalid.

    Kernel: net/ipv4/ip_fragment.c ip_frag_reasm, inet_fragment.c inet_frag_reasm_*.
    """
    net = q.fqdir.net
    mib = net.mib.ip_statistics
    frags = q.fragments()
    ecn = ip_frag_ecn_table[q.ecn]
    head = frags[0][1]
    nh = skbuff.skb_network_header(head)
    ihl = (head.buf[nh] & 0xF) * 4
    length = ihl + q.len
    if ecn == 0xFF or length > 65535:
        mib[snmp.IPSTATS_MIB_REASMFAILS] += 1
        inet_fragment.inet_frag_kill(q)
        return -errno.EINVAL if ecn == 0xFF else -errno.E2BIG
    ll_rs = core_dev.LL_RESERVED_SPACE(skb.dev) if skb.dev is not None else 0
    whole = skbuff.alloc_skb(ll_rs + length, GFP_ATOMIC)
    ip_output.ip_copy_metadata(whole, skb)
    whole.tstamp = skb.tstamp
    skbuff.skb_reserve(whole, ll_rs)
    skbuff.skb_put_data(whole, bytes(head.buf[nh:nh + ihl]))
    for _, frag in frags:
        data = skbuff.skb_copy_bits(frag, 0, frag.len)
        if data is None:
            raise bug.KernelBug(f"fragment skb {frag.id} shorter than its length")
        skbuff.skb_put_data(whole, data)
    skbuff.skb_reset_network_header(whole)
    whole.transport_header = whole.network_header + ihl
    whole.cb[:] = head.cb
    parm = ip_options.IPCB(whole)
    parm.frag_max_size = max(q.max_df_size, q.max_size)
    iph = skbuff.ip_hdr(whole)
    iph.tot_len = length
    iph.tos |= ecn
    if q.max_df_size == q.max_size:
        parm.flags |= ip_options.IPSKB_FRAG_PMTU
        iph.frag_off = IP_DF
    else:
        iph.frag_off = 0
    ip_send_check(iph)
    inet_fragment.inet_frag_kill(q)
    mib[snmp.IPSTATS_MIB_REASMOKS] += 1
    return whole


def ip_defrag(net: Net, skb: sk_buff, user: int) -> sk_buff | None:
    """Queue a fragment; return the reassembled datagram when complete, else None (the
    fragment was queued or dropped). Takes the skb. ReasmReqds per fragment; over the memory
    limit → ReasmFails. Kernel: net/ipv4/ip_fragment.c ip_defrag.
    """
    mib = net.mib.ip_statistics
    mib[snmp.IPSTATS_MIB_REASMREQDS] += 1
    skbuff.skb_orphan(skb)
    iph = skbuff.ip_hdr(skb)
    fq_dir = net.ipv4.fqdir
    vif = 0
    peer = (iph.saddr, vif) if fq_dir.max_dist else None
    q = inet_fragment.inet_frag_find(
        fq_dir, (iph.saddr, iph.daddr, iph.id, iph.protocol, user, vif), peer
    )
    if q is None:
        mib[snmp.IPSTATS_MIB_REASMFAILS] += 1
        skbuff.kfree_skb(skb)
        return None
    ret = ip_frag_queue(q, skb)
    return None if isinstance(ret, int) else ret


def ipv4_frags_init_net(net: Net) -> None:
    """The namespace's fragment directory and its net.ipv4.ipfrag_* sysctls.

    Kernel: net/ipv4/ip_fragment.c ipv4_frags_init_net, ip4_frags_ns_ctl_register.
    """
    fq_dir = inet_fragment.fqdir(net, ip_expire)
    net.ipv4.fqdir = fq_dir
    sysctl.register_net_sysctl(net, "net/ipv4", [
        sysctl.ctl_table("ipfrag_high_thresh", data=(fq_dir, "high_thresh"), maxlen=8,
                         proc_handler=sysctl.proc_doulongvec_minmax, extra1=(fq_dir, "low_thresh")),
        sysctl.ctl_table("ipfrag_low_thresh", data=(fq_dir, "low_thresh"), maxlen=8,
                         proc_handler=sysctl.proc_doulongvec_minmax, extra1=0,
                         extra2=(fq_dir, "high_thresh")),
        sysctl.ctl_table("ipfrag_time", data=(fq_dir, "timeout"),
                         proc_handler=sysctl.proc_dointvec_jiffies),
        sysctl.ctl_table("ipfrag_max_dist", data=(fq_dir, "max_dist"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=0),
    ])


def ipv4_frags_exit_net(net: Net) -> None:
    """Kernel: net/ipv4/ip_fragment.c ipv4_frags_exit_net."""
    inet_fragment.fqdir_exit(net.ipv4.fqdir)
