"""A custom protocol driver with two planted sk_buff bugs (tutorial 2: find the corruption).

The "hello" protocol (ethertype 0x88B5, the IEEE local experimental one) sends a line of text
behind a 4-byte header: version, flags, sequence number. `hello_send` builds the frame the way
a protocol driver must: payload at the tail, then each header pushed in front of the last.
`hello_rcv` is the receiving side, a `dev_add_pack` handler. `main` joins two namespaces
with a veth pair and says hello three times.

Run: python examples/corruption/hello.py [--trace]
(--trace: the journey of each frame with the sk_buff layout at each step)
"""

from __future__ import annotations

import struct
import sys

from skbuff.kernel.bug import KernelBug
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.core.net_namespace import Net
from skbuff.net.core.skbuff import sk_buff
from skbuff.sim.world import World
from skbuff.trace import journey, render_text

ETH_P_HELLO = 0x88B5
HELLO_VERSION = 1
HELLO_HDR = struct.Struct("!BBH")  # version, flags, sequence
HELLO_HLEN = HELLO_HDR.size


def hello_send(dev: core_dev.net_device, dest: bytes, seq: int, text: bytes) -> int:
    """Build a hello frame for `dest` and queue it on `dev`. Process context; the skb
    belongs to dev_queue_xmit once handed over."""
    skb = core_skbuff.alloc_skb(HELLO_HLEN + len(text), core_skbuff.GFP_KERNEL)
    core_skbuff.skb_put_data(skb, text)
    hdr = core_skbuff.skb_put(skb, HELLO_HLEN)
    HELLO_HDR.pack_into(skb.buf, hdr, HELLO_VERSION, 0, seq)
    skb.dev = dev
    skb.protocol = ETH_P_HELLO
    core_dev.dev_hard_header(skb, dev, ETH_P_HELLO, dest, dev.dev_addr, skb.len)
    return core_dev.dev_queue_xmit(skb)


def hello_rcv(skb: sk_buff, dev: core_dev.net_device, pt: core_dev.packet_type,
              orig_dev: core_dev.net_device) -> int:
    """The hello protocol handler: check the header, print the text. Owns `skb` (softirq)."""
    data = core_skbuff.skb_copy_bits(skb, 0, skb.len) or b""
    version, _flags, seq = HELLO_HDR.unpack_from(data)
    if version != HELLO_VERSION:
        print(f"{dev.nd_net.name} {dev.name}: bad hello version {version:#04x}, "
              f"{skb.len} bytes dropped:")
        print(hexdump(skb))
        core_skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.UNHANDLED_PROTO)
        return core_dev.NET_RX_DROP
    print(f"{dev.nd_net.name} {dev.name}: hello #{seq}: {data[HELLO_HLEN:].decode()}")
    if skb.data % 4:
        print(f"{dev.nd_net.name} {dev.name}: hello header at head+{skb.data} "
              "is not 4-byte aligned")
    core_skbuff.consume_skb(skb)
    return core_dev.NET_RX_SUCCESS


def hexdump(skb: sk_buff) -> str:
    """The frame from its MAC header, as `tcpdump -xx` prints it."""
    mac = core_skbuff.skb_mac_header(skb)
    frame = bytes(skb.buf[mac:skb.tail])
    rows = []
    for off in range(0, len(frame), 16):
        chunk = frame[off:off + 16]
        words = " ".join(chunk[i:i + 2].hex() for i in range(0, len(chunk), 2))
        rows.append(f"\t0x{off:04x}:  {words}")
    return "\n".join(rows)


def build(w: World) -> tuple[Net, Net]:
    """Two namespaces, left and right, joined by a veth pair (eth0 on both sides)."""
    for line in ("ip netns add left", "ip netns add right",
                 "ip -n left link add eth0 address 02:00:00:00:00:01 type veth"
                 " peer name eth0 address 02:00:00:00:00:02 netns right",
                 "ip -n left link set eth0 up", "ip -n right link set eth0 up",
                 "sleep 0.01"):
        res = w.run(line)
        assert res.status == 0, res.stderr
    return w.netns("left"), w.netns("right")


TRACE_FILTER = "func __dev_queue_xmit or func veth_xmit or func __netif_receive_skb_core"


def main(argv: list[str]) -> int:
    w = World()
    left, right = build(w)
    k = w.kernel
    dev = left.dev_base_head["eth0"]
    peer = right.dev_base_head["eth0"]
    pt = core_dev.packet_type(ETH_P_HELLO, peer, hello_rcv)
    k.run_task(core_dev.dev_add_pack, pt)
    tracer = journey.journey_tracer(k, TRACE_FILTER, ("skb",))
    if "--trace" in argv:
        k.run_task(tracer.attach)
    try:
        for seq, text in enumerate((b"hello, world", b"how are you?", b"bye"), 1):
            k.run_task(hello_send, dev, peer.dev_addr, seq, text)
            k.run_for(1_000_000)
    except KernelBug as e:
        print(f"{type(e).__name__}: {e}")
        return 1
    finally:
        tracer.detach()
    if tracer.events:
        print(render_text.render_events(tracer.events, ("skb",)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
