"""A capture tap: an ETH_P_ALL protocol handler that records every frame a device sees.

Kernel: net/packet/af_packet.c (packet_create registering `po->prot_hook`, packet_rcv,
packet_do_bind for a per-device hook, packet_release). A tap is what `tcpdump -i DEV` (or
`-i any`) opens: a SOCK_RAW packet socket with protocol ETH_P_ALL. It gets every received
frame (with `users` raised by `deliver_skb`) and a clone of every transmitted one
(`dev_queue_xmit_nit`, pkt_type PACKET_OUTGOING), copies up to `snaplen` bytes from the link
header on, stamps them with the simulated time and drops its reference — where the kernel
would queue the skb on the socket, we copy the bytes into a `packet_record`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff as core_skbuff
from skbuff.uapi.if_ether import ETH_P_ALL
from skbuff.uapi.if_packet import PACKET_LOOPBACK, PACKET_OUTGOING

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

DEFAULT_SNAPLEN = 262144  # tcpdump's MAXIMUM_SNAPLEN


class packet_record:
    """One captured frame: simulated time, device, direction, bytes from the link header."""

    __slots__ = ("data", "dev", "ifindex", "ifname", "netns", "orig_len", "pkt_type",
                 "tstamp_ns")

    def __init__(self, tstamp_ns: int, dev: net_device, pkt_type: int, data: bytes,
                 orig_len: int) -> None:
        self.tstamp_ns = tstamp_ns
        self.dev = dev
        self.ifindex = dev.ifindex
        self.ifname = dev.name
        self.netns = dev.nd_net.name
        self.pkt_type = pkt_type
        self.data = data
        self.orig_len = orig_len

    @property
    def outgoing(self) -> bool:
        return self.pkt_type == PACKET_OUTGOING

    def __repr__(self) -> str:
        where = f"{self.netns}/{self.ifname}" if self.netns else self.ifname
        return (f"<packet_record {self.tstamp_ns}ns {where} type={self.pkt_type} "
                f"len={self.orig_len}>")


class packet_sock:
    """A capture socket (struct packet_sock): its hook, filter scope and captured records.

    `net` None captures every namespace of the kernel (a machine-wide tap); `dev` restricts
    the hook to one device (packet_do_bind). `records` grows until `packet_release`.

    Kernel: net/packet/internal.h struct packet_sock.
    """

    __slots__ = ("k", "net", "prot_hook", "records", "running", "snaplen")

    def __init__(self, k: Kernel, net: Net | None, dev: net_device | None, snaplen: int) -> None:
        self.k = k
        self.net = net
        self.snaplen = snaplen
        self.records: list[packet_record] = []
        self.running = False
        self.prot_hook = core_dev.packet_type(ETH_P_ALL, dev, packet_rcv, af_packet_priv=self)


def packet_rcv(skb: sk_buff, dev: net_device, pt: core_dev.packet_type,
               orig_dev: net_device) -> int:
    """Copy the frame (from its MAC header, at most snaplen bytes) into the tap's records.

    Kernel: net/packet/af_packet.c packet_rcv: frames looped back to us (PACKET_LOOPBACK) and
    frames of another namespace are not ours. Softirq or BH-disabled context; consumes the
    reference it was given. Returns 0.
    """
    po: packet_sock = pt.af_packet_priv
    if skb.pkt_type == PACKET_LOOPBACK or (po.net is not None and dev.nd_net is not po.net):
        core_skbuff.consume_skb(skb)
        return 0
    mac = skb.mac_header
    start = mac if mac != core_skbuff.HEADER_UNSET and mac <= skb.data else skb.data
    orig_len = skb.len + (skb.data - start)
    snap = min(orig_len, po.snaplen)
    if skb.data_len:
        head = bytes(skb.buf[start:skb.data])
        data = (head + (core_skbuff.skb_copy_bits(skb, 0, skb.len) or b""))[:snap]
    else:
        data = bytes(skb.buf[start:start + snap])
    po.records.append(packet_record(po.k.now_ns, dev, skb.pkt_type, data, orig_len))
    core_skbuff.consume_skb(skb)
    return 0


def packet_create(net: Net | None, dev: net_device | None = None,
                  snaplen: int = DEFAULT_SNAPLEN, k: Kernel | None = None) -> packet_sock:
    """Open a tap on `dev` (or every device of `net`, or with `net` None every device of the
    kernel `k`) and start capturing. Process context.

    Kernel: net/packet/af_packet.c packet_create + packet_do_bind (register_prot_hook).
    """
    if k is None:
        if net is None:
            raise ValueError("packet_create: a machine-wide tap needs the kernel `k`")
        k = net.kernel
    po = packet_sock(k, net, dev, snaplen)
    k.run_task(core_dev.dev_add_pack, po.prot_hook)
    po.running = True
    return po


def packet_release(po: packet_sock) -> None:
    """Stop capturing (unregister the hook); the records stay.

    Kernel: net/packet/af_packet.c packet_release.
    """
    if po.running:
        po.k.run_task(core_dev.dev_remove_pack, po.prot_hook)
        po.running = False
