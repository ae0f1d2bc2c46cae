"""Why the kernel dropped a packet: `enum skb_drop_reason`, names and order of Linux 6.12.

Kernel: include/net/dropreason-core.h. Members are the kernel names without the
`SKB_DROP_REASON_` prefix (`SKB_DROP_REASON.IP_INHDR`); `NOT_DROPPED_YET` = 0 and `CONSUMED` = 1
stand for `SKB_NOT_DROPPED_YET`/`SKB_CONSUMED`. Numbers shift between kernel versions, so code
and tests compare by name. `drop_reason_text` gives the header's description in plain words.
"""

from __future__ import annotations

from enum import IntEnum


class SKB_DROP_REASON(IntEnum):
    """`enum skb_drop_reason` (core reasons, up to but excluding SKB_DROP_REASON_MAX).

    Kernel: include/net/dropreason-core.h enum skb_drop_reason.
    """

    NOT_DROPPED_YET = 0
    CONSUMED = 1
    NOT_SPECIFIED = 2
    NO_SOCKET = 3
    SOCKET_CLOSE = 4
    SOCKET_FILTER = 5
    SOCKET_RCVBUFF = 6
    UNIX_SKIP_OOB = 7
    PKT_TOO_SMALL = 8
    TCP_CSUM = 9
    UDP_CSUM = 10
    NETFILTER_DROP = 11
    OTHERHOST = 12
    IP_CSUM = 13
    IP_INHDR = 14
    IP_RPFILTER = 15
    UNICAST_IN_L2_MULTICAST = 16
    XFRM_POLICY = 17
    IP_NOPROTO = 18
    PROTO_MEM = 19
    TCP_AUTH_HDR = 20
    TCP_MD5NOTFOUND = 21
    TCP_MD5UNEXPECTED = 22
    TCP_MD5FAILURE = 23
    TCP_AONOTFOUND = 24
    TCP_AOUNEXPECTED = 25
    TCP_AOKEYNOTFOUND = 26
    TCP_AOFAILURE = 27
    SOCKET_BACKLOG = 28
    TCP_FLAGS = 29
    TCP_ABORT_ON_DATA = 30
    TCP_ZEROWINDOW = 31
    TCP_OLD_DATA = 32
    TCP_OVERWINDOW = 33
    TCP_OFOMERGE = 34
    TCP_RFC7323_PAWS = 35
    TCP_OLD_SEQUENCE = 36
    TCP_INVALID_SEQUENCE = 37
    TCP_INVALID_ACK_SEQUENCE = 38
    TCP_RESET = 39
    TCP_INVALID_SYN = 40
    TCP_CLOSE = 41
    TCP_FASTOPEN = 42
    TCP_OLD_ACK = 43
    TCP_TOO_OLD_ACK = 44
    TCP_ACK_UNSENT_DATA = 45
    TCP_OFO_QUEUE_PRUNE = 46
    TCP_OFO_DROP = 47
    IP_OUTNOROUTES = 48
    BPF_CGROUP_EGRESS = 49
    IPV6DISABLED = 50
    NEIGH_CREATEFAIL = 51
    NEIGH_FAILED = 52
    NEIGH_QUEUEFULL = 53
    NEIGH_DEAD = 54
    TC_EGRESS = 55
    SECURITY_HOOK = 56
    QDISC_DROP = 57
    FQ_BAND_LIMIT = 58
    FQ_HORIZON_LIMIT = 59
    FQ_FLOW_LIMIT = 60
    CPU_BACKLOG = 61
    XDP = 62
    TC_INGRESS = 63
    UNHANDLED_PROTO = 64
    SKB_CSUM = 65
    SKB_GSO_SEG = 66
    SKB_BAD_GSO = 67
    SKB_UCOPY_FAULT = 68
    DEV_HDR = 69
    DEV_READY = 70
    FULL_RING = 71
    NOMEM = 72
    HDR_TRUNC = 73
    TAP_FILTER = 74
    TAP_TXFILTER = 75
    ICMP_CSUM = 76
    INVALID_PROTO = 77
    IP_INADDRERRORS = 78
    IP_INNOROUTES = 79
    PKT_TOO_BIG = 80
    DUP_FRAG = 81
    FRAG_REASM_TIMEOUT = 82
    FRAG_TOO_FAR = 83
    TCP_MINTTL = 84
    IPV6_BAD_EXTHDR = 85
    IPV6_NDISC_FRAG = 86
    IPV6_NDISC_HOP_LIMIT = 87
    IPV6_NDISC_BAD_CODE = 88
    IPV6_NDISC_BAD_OPTIONS = 89
    IPV6_NDISC_NS_OTHERHOST = 90
    QUEUE_PURGE = 91
    TC_COOKIE_ERROR = 92
    PACKET_SOCK_ERROR = 93
    TC_CHAIN_NOTFOUND = 94
    TC_RECLASSIFY_LOOP = 95
    VXLAN_INVALID_HDR = 96
    VXLAN_VNI_NOT_FOUND = 97
    MAC_INVALID_SOURCE = 98
    VXLAN_ENTRY_EXISTS = 99
    NO_TX_TARGET = 100
    IP_TUNNEL_ECN = 101
    TUNNEL_TXINFO = 102
    LOCAL_MAC = 103


_TEXT: dict[int, str] = {
    SKB_DROP_REASON.NOT_DROPPED_YET: "skb is not dropped yet (used for no-drop case)",
    SKB_DROP_REASON.CONSUMED: "packet has been consumed",
    SKB_DROP_REASON.NOT_SPECIFIED: "drop reason is not specified",
    SKB_DROP_REASON.NO_SOCKET: "no valid socket that can be used",
    SKB_DROP_REASON.SOCKET_CLOSE: "socket is close()d",
    SKB_DROP_REASON.SOCKET_FILTER: "dropped by socket filter",
    SKB_DROP_REASON.SOCKET_RCVBUFF: "socket receive buff is full",
    SKB_DROP_REASON.UNIX_SKIP_OOB: (
        "Out-Of-Band data is skipped by recv() without MSG_OOB so dropped"
    ),
    SKB_DROP_REASON.PKT_TOO_SMALL: "packet size is too small",
    SKB_DROP_REASON.TCP_CSUM: "TCP checksum error",
    SKB_DROP_REASON.UDP_CSUM: "UDP checksum error",
    SKB_DROP_REASON.NETFILTER_DROP: "dropped by netfilter",
    SKB_DROP_REASON.OTHERHOST: "packet don't belong to current host (interface is in promisc mode)",
    SKB_DROP_REASON.IP_CSUM: "IP checksum error",
    SKB_DROP_REASON.IP_INHDR: (
        "there is something wrong with IP header (see IPSTATS_MIB_INHDRERRORS)"
    ),
    SKB_DROP_REASON.IP_RPFILTER: "IP rpfilter validate failed",
    SKB_DROP_REASON.UNICAST_IN_L2_MULTICAST: (
        "destination address of L2 is multicast, but L3 is unicast"
    ),
    SKB_DROP_REASON.XFRM_POLICY: "xfrm policy check failed",
    SKB_DROP_REASON.IP_NOPROTO: "no support for IP protocol",
    SKB_DROP_REASON.PROTO_MEM: (
        "proto memory limitation, such as udp packet drop out of udp_memory_allocated"
    ),
    SKB_DROP_REASON.TCP_AUTH_HDR: "TCP-MD5 or TCP-AO hashes are met twice or set incorrectly",
    SKB_DROP_REASON.TCP_MD5NOTFOUND: "no MD5 hash and one expected",
    SKB_DROP_REASON.TCP_MD5UNEXPECTED: "MD5 hash and we're not expecting one",
    SKB_DROP_REASON.TCP_MD5FAILURE: "MD5 hash and its wrong",
    SKB_DROP_REASON.TCP_AONOTFOUND: "no TCP-AO hash and one was expected",
    SKB_DROP_REASON.TCP_AOUNEXPECTED: "TCP-AO hash is present and it was not expected",
    SKB_DROP_REASON.TCP_AOKEYNOTFOUND: "TCP-AO key is unknown",
    SKB_DROP_REASON.TCP_AOFAILURE: "TCP-AO hash is wrong",
    SKB_DROP_REASON.SOCKET_BACKLOG: (
        "failed to add skb to socket backlog (see LINUX_MIB_TCPBACKLOGDROP)"
    ),
    SKB_DROP_REASON.TCP_FLAGS: "TCP flags invalid",
    SKB_DROP_REASON.TCP_ABORT_ON_DATA: "abort on data",
    SKB_DROP_REASON.TCP_ZEROWINDOW: "TCP receive window size is zero",
    SKB_DROP_REASON.TCP_OLD_DATA: (
        "the TCP data received is already received before (spurious retrans may happened)"
    ),
    SKB_DROP_REASON.TCP_OVERWINDOW: (
        "the TCP data is out of window, the seq of the first byte"
        " exceed the right edges of receive window"
    ),
    SKB_DROP_REASON.TCP_OFOMERGE: "the data of skb is already in the ofo queue",
    SKB_DROP_REASON.TCP_RFC7323_PAWS: "PAWS check",
    SKB_DROP_REASON.TCP_OLD_SEQUENCE: "Old SEQ field (duplicate packet)",
    SKB_DROP_REASON.TCP_INVALID_SEQUENCE: "Not acceptable SEQ field",
    SKB_DROP_REASON.TCP_INVALID_ACK_SEQUENCE: "Not acceptable ACK SEQ field",
    SKB_DROP_REASON.TCP_RESET: "Invalid RST packet",
    SKB_DROP_REASON.TCP_INVALID_SYN: "Incoming packet has unexpected SYN flag",
    SKB_DROP_REASON.TCP_CLOSE: "TCP socket in CLOSE state",
    SKB_DROP_REASON.TCP_FASTOPEN: "dropped by FASTOPEN request socket",
    SKB_DROP_REASON.TCP_OLD_ACK: "TCP ACK is old, but in window",
    SKB_DROP_REASON.TCP_TOO_OLD_ACK: "TCP ACK is too old",
    SKB_DROP_REASON.TCP_ACK_UNSENT_DATA: "TCP ACK for data we haven't sent yet",
    SKB_DROP_REASON.TCP_OFO_QUEUE_PRUNE: "pruned from TCP OFO queue",
    SKB_DROP_REASON.TCP_OFO_DROP: "data already in receive queue",
    SKB_DROP_REASON.IP_OUTNOROUTES: "route lookup failed",
    SKB_DROP_REASON.BPF_CGROUP_EGRESS: "dropped by BPF_PROG_TYPE_CGROUP_SKB eBPF program",
    SKB_DROP_REASON.IPV6DISABLED: "IPv6 is disabled on the device",
    SKB_DROP_REASON.NEIGH_CREATEFAIL: "failed to create neigh entry",
    SKB_DROP_REASON.NEIGH_FAILED: "neigh entry in failed state",
    SKB_DROP_REASON.NEIGH_QUEUEFULL: "arp_queue for neigh entry is full",
    SKB_DROP_REASON.NEIGH_DEAD: "neigh entry is dead",
    SKB_DROP_REASON.TC_EGRESS: "dropped in TC egress HOOK",
    SKB_DROP_REASON.SECURITY_HOOK: "dropped",
    SKB_DROP_REASON.QDISC_DROP: (
        "dropped by qdisc when packet outputting ( failed to enqueue to current qdisc)"
    ),
    SKB_DROP_REASON.FQ_BAND_LIMIT: "dropped by fq qdisc when per band limit is reached",
    SKB_DROP_REASON.FQ_HORIZON_LIMIT: (
        "dropped by fq qdisc when packet timestamp is too far in the future"
    ),
    SKB_DROP_REASON.FQ_FLOW_LIMIT: "dropped by fq qdisc when a flow exceeds its limits",
    SKB_DROP_REASON.CPU_BACKLOG: "failed to enqueue the skb to the per CPU backlog queue",
    SKB_DROP_REASON.XDP: "dropped by XDP in input path",
    SKB_DROP_REASON.TC_INGRESS: "dropped in TC ingress HOOK",
    SKB_DROP_REASON.UNHANDLED_PROTO: "protocol not implemented or not supported",
    SKB_DROP_REASON.SKB_CSUM: "sk_buff checksum computation error",
    SKB_DROP_REASON.SKB_GSO_SEG: "gso segmentation error",
    SKB_DROP_REASON.SKB_BAD_GSO: "malicious gso packet",
    SKB_DROP_REASON.SKB_UCOPY_FAULT: "failed to copy data from user space",
    SKB_DROP_REASON.DEV_HDR: "device driver specific header/metadata is invalid",
    SKB_DROP_REASON.DEV_READY: "the device is not ready to xmit/recv",
    SKB_DROP_REASON.FULL_RING: "ring buffer is full",
    SKB_DROP_REASON.NOMEM: "error",
    SKB_DROP_REASON.HDR_TRUNC: "failed to trunc/extract the header from networking data",
    SKB_DROP_REASON.TAP_FILTER: "dropped by (ebpf) filter directly attached to tun/tap",
    SKB_DROP_REASON.TAP_TXFILTER: "dropped by tx filter implemented at tun/tap",
    SKB_DROP_REASON.ICMP_CSUM: "ICMP checksum error",
    SKB_DROP_REASON.INVALID_PROTO: (
        "the packet doesn't follow RFC 2211, such as a broadcasts ICMP_TIMESTAMP"
    ),
    SKB_DROP_REASON.IP_INADDRERRORS: "host unreachable",
    SKB_DROP_REASON.IP_INNOROUTES: "network unreachable",
    SKB_DROP_REASON.PKT_TOO_BIG: "packet size is too big (maybe exceed the MTU)",
    SKB_DROP_REASON.DUP_FRAG: "duplicate fragment",
    SKB_DROP_REASON.FRAG_REASM_TIMEOUT: "fragment reassembly timeout",
    SKB_DROP_REASON.FRAG_TOO_FAR: "ipv4 fragment too far",
    SKB_DROP_REASON.TCP_MINTTL: (
        "ipv4 ttl or ipv6 hoplimit below the threshold (IP_MINTTL or IPV6_MINHOPCOUNT)"
    ),
    SKB_DROP_REASON.IPV6_BAD_EXTHDR: "Bad IPv6 extension header",
    SKB_DROP_REASON.IPV6_NDISC_FRAG: "invalid frag (suppress_frag_ndisc)",
    SKB_DROP_REASON.IPV6_NDISC_HOP_LIMIT: "invalid hop limit",
    SKB_DROP_REASON.IPV6_NDISC_BAD_CODE: "invalid NDISC icmp6 code",
    SKB_DROP_REASON.IPV6_NDISC_BAD_OPTIONS: "invalid NDISC options",
    SKB_DROP_REASON.IPV6_NDISC_NS_OTHERHOST: "NEIGHBOUR SOLICITATION for another host",
    SKB_DROP_REASON.QUEUE_PURGE: "bulk free",
    SKB_DROP_REASON.TC_COOKIE_ERROR: "An error occurred whilst processing a tc ext cookie",
    SKB_DROP_REASON.PACKET_SOCK_ERROR: (
        "generic packet socket errors after its filter matches an incoming packet"
    ),
    SKB_DROP_REASON.TC_CHAIN_NOTFOUND: "tc chain lookup failed",
    SKB_DROP_REASON.TC_RECLASSIFY_LOOP: "tc exceeded max reclassify loop iterations",
    SKB_DROP_REASON.VXLAN_INVALID_HDR: "VXLAN header is invalid",
    SKB_DROP_REASON.VXLAN_VNI_NOT_FOUND: "no VXLAN device found for VNI",
    SKB_DROP_REASON.MAC_INVALID_SOURCE: "source mac is invalid",
    SKB_DROP_REASON.VXLAN_ENTRY_EXISTS: (
        "trying to migrate a static entry or an entry pointing to a nexthop"
    ),
    SKB_DROP_REASON.NO_TX_TARGET: "no target found for xmit",
    SKB_DROP_REASON.IP_TUNNEL_ECN: "skb is dropped according to RFC 6040 4.2",
    SKB_DROP_REASON.TUNNEL_TXINFO: (
        "packet without necessary metadata reached a device which is in 'external' mode"
    ),
    SKB_DROP_REASON.LOCAL_MAC: (
        "the source MAC address is equal to the MAC address of the local netdev"
    ),
}


def drop_reason_name(reason: int) -> str:
    """The kernel's string for a reason, as `perf`/`dropwatch` print it (`IP_INHDR`).

    Kernel: include/net/dropreason-core.h DEFINE_DROP_REASON (drop_reasons[] strings).
    """
    return SKB_DROP_REASON(reason).name


def drop_reason_text(reason: int) -> str:
    """A short plain-English description of `reason` (from the kernel header's comment).

    Kernel: include/net/dropreason-core.h (the comment on each reason).
    """
    return _TEXT[SKB_DROP_REASON(reason)]
