"""Sockets, the kernel side: struct sock with the IPv4 fields of struct inet_sock.

Kernel: include/net/sock.h struct sock, include/net/inet_sock.h struct inet_sock,
net/core/sock.c (sock_queue_rcv_skb, sock_queue_err_skb, sk_rmem_alloc accounting). One class
holds both (every socket here is an inet socket); field names are the kernel's.
"""

from __future__ import annotations

import errno
import sys
from collections import deque
from typing import TYPE_CHECKING, Any

from skbuff.net.core.skbuff import sk_buff_head
from skbuff.uapi.in_ import IP_PMTUDISC_WANT
from skbuff.uapi.socket import SO_MARK

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.net.ipv4.ip_options import ip_options_data

SK_WMEM_MAX = 212992  # include/net/sock.h: _SK_MEM_OVERHEAD * _SK_MEM_PACKETS
SOCK_RCVBUF_DEFAULT = 212992  # net.core.rmem_default
SOCK_SNDBUF_DEFAULT = 212992  # net.core.wmem_default

SOL_SOCKET = 1
SCM_RIGHTS = 1
SCM_CREDENTIALS = 2

TCP_ESTABLISHED = 1
TCP_CLOSE = 7
PAGE_FRAG_SIZE = 32768  # net/core/sock.c SKB_FRAG_PAGE_ORDER: a 32 KiB compound page


class page_frag:
    """struct page_frag: the page a socket appends paged data to, and how much is used.

    Kernel: include/linux/mm_types_task.h struct page_frag.
    """

    __slots__ = ("offset", "page", "size")

    def __init__(self) -> None:
        self.page: bytearray | None = None
        self.offset = 0
        self.size = 0


class inet_cork:
    """struct inet_cork: the state of a datagram being built by ip_append_data (the route,
    the options, the fragment size, the length so far). `opt` is an ip_options_data.

    Kernel: include/net/inet_sock.h struct inet_cork.
    """

    __slots__ = ("addr", "dst", "flags", "fragsize", "length", "mark", "opt", "priority",
                 "tos", "ttl")

    def __init__(self) -> None:
        self.flags = 0
        self.addr = 0
        self.opt: Any = None
        self.fragsize = 0
        self.length = 0
        self.dst: Any = None
        self.ttl = 0
        self.tos = -1
        self.priority = 0
        self.mark = 0



class sock_extended_err:
    """struct sock_extended_err, attached to error-queue skbs.

    Kernel: include/uapi/linux/errqueue.h.
    """

    __slots__ = ("ee_code", "ee_data", "ee_errno", "ee_info", "ee_origin", "ee_pad", "ee_type",
                 "offender", "port", "ttl")

    def __init__(self, ee_errno: int, ee_origin: int, ee_type: int, ee_code: int,
                 ee_info: int, offender: int, port: int) -> None:
        self.ee_errno = ee_errno
        self.ee_origin = ee_origin
        self.ee_type = ee_type
        self.ee_code = ee_code
        self.ee_pad = 0
        self.ee_info = ee_info
        self.ee_data = 0
        self.offender = offender
        self.port = port
        # The TTL of the ICMP message's IP header (IP_RECVTTL on the error queue), or -1.
        self.ttl = -1


class sock:
    """struct sock + struct inet_sock. Receive queue items: (payload, saddr, sport, truesize,
    IP header with its options, skb->cb (IPCB(skb), in_pktinfo over its start), the first 4
    bytes of the transport header, skb->csum if CHECKSUM_COMPLETE else -1): what recvmsg's
    control messages are built from (ip_sockglue.ip_cmsg_recv).

    Kernel: include/net/sock.h struct sock, include/net/inet_sock.h struct inet_sock.
    """

    __slots__ = (
        "broadcast",
        "cmsg_flags",
        "cork",
        "cork_fl",
        "corkflag",
        "dead",
        "inet_daddr",
        "inet_dport",
        "inet_id",
        "inet_num",
        "inet_opt",
        "inet_rcv_saddr",
        "inet_saddr",
        "inet_sport",
        "mc_loop",
        "mc_ttl",
        "pending",
        "pmtudisc",
        "recverr",
        "sk_bound_dev_if",
        "sk_drops",
        "sk_err",
        "sk_error_queue",
        "sk_family",
        "sk_frag",
        "sk_ino",
        "sk_mark",
        "sk_net",
        "sk_priority",
        "sk_protocol",
        "sk_rcvbuf",
        "sk_receive_queue",
        "sk_rmem_alloc",
        "sk_sndbuf",
        "sk_state",
        "sk_type",
        "sk_wmem_alloc",
        "sk_write_queue",
        "tos",
        "uc_ttl",
    )

    def __init__(self, net: Net, family: int, type: int, protocol: int) -> None:
        self.sk_net = net
        self.sk_family = family
        self.sk_type = type
        self.sk_protocol = protocol
        self.sk_state = TCP_CLOSE
        self.sk_rcvbuf = SOCK_RCVBUF_DEFAULT
        self.sk_sndbuf = SOCK_SNDBUF_DEFAULT
        self.sk_rmem_alloc = 0
        self.sk_receive_queue: deque[tuple[bytes, int, int, int, bytes, bytes, bytes, int]] = \
            deque()
        self.sk_error_queue: deque[tuple[bytes, sock_extended_err]] = deque()
        self.sk_err = 0
        self.sk_mark = 0
        self.sk_priority = 0
        self.sk_bound_dev_if = 0
        self.inet_saddr = 0
        self.inet_rcv_saddr = 0
        self.inet_daddr = 0
        self.inet_sport = 0
        self.inet_dport = 0
        self.inet_num = 0
        self.inet_id = 0
        self.inet_opt: ip_options_data | None = None  # IP_OPTIONS (inet_sock.inet_opt)
        self.uc_ttl = -1
        self.mc_ttl = 1
        self.mc_loop = True
        self.tos = 0
        self.pmtudisc = IP_PMTUDISC_WANT
        self.recverr = False
        self.cmsg_flags = 0  # inet_flags' IP_CMSG_* bits (ip_sockglue)
        self.broadcast = False
        self.dead = False
        self.sk_drops = 0
        self.sk_ino = 0  # the socket inode number (sock_i_ino); 0 for kernel sockets
        self.sk_wmem_alloc = 1  # a refcount: 1 + the truesize of skbs charged to us
        self.sk_write_queue = sk_buff_head()
        self.sk_frag = page_frag()
        self.cork = inet_cork()  # inet->cork.base
        self.cork_fl: Any = None  # inet->cork.fl: the flow of a corked UDP datagram
        self.corkflag = False  # udp_sock UDP_CORK
        self.pending = 0  # udp_sock pending: AF_INET while a corked datagram is pending


def get_next_ino(k: Kernel) -> int:
    """The next inode number of the pseudo filesystems (sockfs).

    Kernel: fs/inode.c get_next_ino.
    """
    k.last_ino += 1
    return int(k.last_ino)


def sk_wmem_alloc_get(sk: sock) -> int:
    """Bytes charged to the send side. Kernel: include/net/sock.h sk_wmem_alloc_get."""
    return sk.sk_wmem_alloc - 1


def sock_wfree(skb: sk_buff) -> None:
    """Destructor of an skb charged to its socket's send buffer: give the memory back.

    Kernel: net/core/sock.c sock_wfree.
    """
    skb.sk.sk_wmem_alloc -= skb.truesize


def skb_set_owner_w(skb: sk_buff, sk: sock) -> None:
    """Charge `skb` to `sk`'s send buffer until it is freed.

    Kernel: net/core/sock.c skb_set_owner_w.
    """
    skb.sk = sk
    skb.destructor = sock_wfree
    sk.sk_wmem_alloc += skb.truesize


def sk_page_frag_refill(sk: sock, pfrag: page_frag) -> bool:
    """Make sure `pfrag` has room left, taking a fresh 32 KiB page when it is full.

    Kernel: net/core/sock.c sk_page_frag_refill, skb_page_frag_refill.
    """
    if pfrag.page is not None and pfrag.offset < pfrag.size:
        return True
    pfrag.page = bytearray(PAGE_FRAG_SIZE)
    pfrag.offset = 0
    pfrag.size = PAGE_FRAG_SIZE
    return True


def sock_queue_rcv(sk: sock, skb: sk_buff, data: bytes, saddr: int, sport: int, cb: bytes,
                   csum: int) -> int:
    """Charge `skb.truesize` to the receive buffer and queue the datagram; -ENOMEM (the
    caller counts RcvbufErrors and frees) when sk_rmem_alloc would exceed sk_rcvbuf.
    The skb stays the caller's (its bytes were copied out). `cb` and `csum` as for
    skb_queue_datagram.

    Kernel: net/core/sock.c __sock_queue_rcv_skb (the rmem check), sk_rmem_schedule.
    """
    if sk.sk_rmem_alloc >= sk.sk_rcvbuf:
        return -errno.ENOMEM
    skb_queue_datagram(sk, skb, data, saddr, sport, cb, csum)
    return 0


def skb_queue_datagram(sk: sock, skb: sk_buff, data: bytes, saddr: int, sport: int,
                       cb: bytes, csum: int) -> None:
    """Charge the receive buffer and queue, no limit check (the caller made its own).
    The IP header, `cb` (skb->cb as the queued skb holds it: IPCB(skb), and the in_pktinfo
    of ipv4_pktinfo_prepare), the transport header's first 4 bytes and `csum` (skb->csum
    when CHECKSUM_COMPLETE, else -1) stay with it for recvmsg's control messages (the
    kernel keeps the skb itself).

    Kernel: include/net/sock.h skb_set_owner_r + __skb_queue_tail(&sk->sk_receive_queue).
    """
    sk.sk_rmem_alloc += skb.truesize
    buf = skb.buf
    nh = skb.network_header
    th = skb.transport_header
    ports = bytes(buf[th:th + 4]) if skb.tail - th >= 4 else b""
    sk.sk_receive_queue.append((data, saddr, sport, skb.truesize,
                                bytes(buf[nh:nh + (buf[nh] & 0xF) * 4]), cb, ports, csum))


def sock_dequeue(sk: sock) -> tuple[bytes, int, int, bytes, bytes, bytes, int] | None:
    """Pop one datagram (payload, saddr, sport, IP header, cb, transport ports, csum or -1),
    giving back its memory.

    Kernel: net/core/datagram.c skb_recv_datagram + skb_free_datagram.
    """
    if not sk.sk_receive_queue:
        return None
    data, saddr, sport, truesize, iph, cb, ports, csum = sk.sk_receive_queue.popleft()
    sk.sk_rmem_alloc -= truesize
    return data, saddr, sport, iph, cb, ports, csum


def __sock_cmsg_send(sk: sock, type: int, data: bytes, ipc: Any, cap_net_raw: bool) -> int:
    """One SOL_SOCKET control message of sendmsg into `ipc`: SO_MARK (a u32; -EPERM without
    CAP_NET_RAW), SCM_RIGHTS and SCM_CREDENTIALS are ignored (they are AF_UNIX's); SCM_TXTIME
    is -EINVAL (no socket here sets SO_TXTIME), as is any other type. 0 or -errno.

    Kernel: net/core/sock.c __sock_cmsg_send (SO_TIMESTAMPING is not modelled: -EINVAL).
    """
    if type == SO_MARK:
        if not cap_net_raw:
            return -errno.EPERM
        if len(data) != 4:
            return -errno.EINVAL
        ipc.mark = int.from_bytes(data, sys.byteorder)
        return 0
    if type in (SCM_RIGHTS, SCM_CREDENTIALS):
        return 0
    return -errno.EINVAL


def sock_queue_err(sk: sock, data: bytes, ee: sock_extended_err) -> None:
    """Queue an extended error (IP_RECVERR). Kernel: net/core/sock.c sock_queue_err_skb."""
    sk.sk_error_queue.append((data, ee))


def sock_error(sk: sock) -> int:
    """Take the pending socket error: -sk_err, and clear it (0 if none). Every send path
    that allocates its skb (sock_alloc_send_pskb) returns it first.

    Kernel: include/net/sock.h sock_error.
    """
    err, sk.sk_err = sk.sk_err, 0
    return -err
