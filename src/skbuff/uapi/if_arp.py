"""ARP: constants, the `arphdr` view and the Ethernet/IPv4 payload view.

Kernel: include/uapi/linux/if_arp.h, net/ipv4/arp.c (arp_create lays out the payload).
"""

from __future__ import annotations

from skbuff.uapi.hdrview import be16, be32, hdrview, octets, u8

ARPHRD_NETROM = 0
ARPHRD_ETHER = 1
ARPHRD_EETHER = 2
ARPHRD_AX25 = 3
ARPHRD_PRONET = 4
ARPHRD_CHAOS = 5
ARPHRD_IEEE802 = 6
ARPHRD_ARCNET = 7
ARPHRD_APPLETLK = 8
ARPHRD_DLCI = 15
ARPHRD_ATM = 19
ARPHRD_METRICOM = 23
ARPHRD_IEEE1394 = 24
ARPHRD_EUI64 = 27
ARPHRD_INFINIBAND = 32
ARPHRD_SLIP = 256
ARPHRD_CSLIP = 257
ARPHRD_SLIP6 = 258
ARPHRD_CSLIP6 = 259
ARPHRD_RSRVD = 260
ARPHRD_ADAPT = 264
ARPHRD_ROSE = 270
ARPHRD_X25 = 271
ARPHRD_HWX25 = 272
ARPHRD_CAN = 280
ARPHRD_MCTP = 290
ARPHRD_PPP = 512
ARPHRD_CISCO = 513
ARPHRD_HDLC = ARPHRD_CISCO
ARPHRD_LAPB = 516
ARPHRD_DDCMP = 517
ARPHRD_RAWHDLC = 518
ARPHRD_RAWIP = 519
ARPHRD_TUNNEL = 768
ARPHRD_TUNNEL6 = 769
ARPHRD_FRAD = 770
ARPHRD_SKIP = 771
ARPHRD_LOOPBACK = 772
ARPHRD_LOCALTLK = 773
ARPHRD_FDDI = 774
ARPHRD_BIF = 775
ARPHRD_SIT = 776
ARPHRD_IPDDP = 777
ARPHRD_IPGRE = 778
ARPHRD_PIMREG = 779
ARPHRD_HIPPI = 780
ARPHRD_ASH = 781
ARPHRD_ECONET = 782
ARPHRD_IRDA = 783
ARPHRD_FCPP = 784
ARPHRD_FCAL = 785
ARPHRD_FCPL = 786
ARPHRD_FCFABRIC = 787
ARPHRD_IEEE802_TR = 800
ARPHRD_IEEE80211 = 801
ARPHRD_IEEE80211_PRISM = 802
ARPHRD_IEEE80211_RADIOTAP = 803
ARPHRD_IEEE802154 = 804
ARPHRD_IEEE802154_MONITOR = 805
ARPHRD_PHONET = 820
ARPHRD_PHONET_PIPE = 821
ARPHRD_CAIF = 822
ARPHRD_IP6GRE = 823
ARPHRD_NETLINK = 824
ARPHRD_6LOWPAN = 825
ARPHRD_VSOCKMON = 826
ARPHRD_VOID = 0xFFFF
ARPHRD_NONE = 0xFFFE
ARPOP_REQUEST = 1
ARPOP_REPLY = 2
ARPOP_RREQUEST = 3
ARPOP_RREPLY = 4
ARPOP_InREQUEST = 8
ARPOP_InREPLY = 9
ARPOP_NAK = 10

# ARP flag values (struct arpreq arp_flags), as /proc/net/arp shows them.
ATF_COM = 0x02
ATF_PERM = 0x04
ATF_PUBL = 0x08
ATF_USETRAILERS = 0x10
ATF_NETMASK = 0x20
ATF_DONTPUB = 0x40


class arphdr(hdrview):
    """`struct arphdr`: hardware/protocol type, address lengths, opcode (8 bytes)."""

    __slots__ = ()
    LEN = 8
    ar_hrd = be16(0)
    ar_pro = be16(2)
    ar_hln = u8(4)
    ar_pln = u8(5)
    ar_op = be16(6)


class arp_payload(hdrview):
    """The Ethernet/IPv4 body after `arphdr` (ar_sha, ar_sip, ar_tha, ar_tip; 20 bytes).

    Build at `arphdr offset + 8`. Addresses: MACs as bytes, IPv4 as host-order ints.
    """

    __slots__ = ()
    LEN = 20
    ar_sha = octets(0, 6)
    ar_sip = be32(6)
    ar_tha = octets(10, 6)
    ar_tip = be32(16)


def arp_hdr_len(addr_len: int) -> int:
    """Header + payload length for Ethernet-sized addresses. Kernel: include/linux/if_arp.h."""
    return 8 + 2 * (addr_len + 4)


def build_arp(op: int, sha: bytes, sip: int, tha: bytes, tip: int) -> bytes:
    """An Ethernet/IPv4 ARP packet (28 bytes, no Ethernet header)."""
    buf = bytearray(28)
    h = arphdr(buf, 0)
    h.ar_hrd = ARPHRD_ETHER
    h.ar_pro = 0x0800
    h.ar_hln = 6
    h.ar_pln = 4
    h.ar_op = op
    p = arp_payload(buf, 8)
    p.ar_sha = sha
    p.ar_sip = sip
    p.ar_tha = tha
    p.ar_tip = tip
    return bytes(buf)
