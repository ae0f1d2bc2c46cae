"""Option parsing on receive (ip_options_compile): RR filling, timestamps, malformed options
→ Parameter Problem + InHdrErrors (the copy bit on fragments: test_frag_output)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.net.ipv4.ip_testbed import Bed

from skbuff.net.core import skbuff
from skbuff.net.ipv4 import ip_input, ip_options
from skbuff.uapi.ip import IPOPT_END, IPOPT_NOOP, IPOPT_RA, IPOPT_RR, IPOPT_TIMESTAMP
from skbuff.uapi.rtnetlink import RTN_LOCAL


@pytest.fixture
def bed() -> Iterator[Bed]:
    b = Bed()
    yield b
    b.close()


def compile_opts(bed: Bed, opts: bytes) -> tuple[int, skbuff.sk_buff]:
    skb = bed.frame(bed.packet(options=opts))
    skbuff.skb_dst_set(skb, bed.rt(RTN_LOCAL))
    opt = ip_options.IPCB(skb).opt
    opt.optlen = len(opts) + (-len(opts) % 4)
    return ip_options.__ip_options_compile(bed.net, opt, skb), skb


def test_router_alert_and_padding(bed: Bed) -> None:
    bad, skb = compile_opts(bed, bytes([IPOPT_RA, 4, 0, 0]))
    opt = ip_options.IPCB(skb).opt
    assert bad == 0 and opt.router_alert == 20 and opt.srr == 0
    skbuff.kfree_skb(skb)


def test_rr_without_room_is_recorded_not_filled(bed: Bed) -> None:
    bad, skb = compile_opts(bed, bytes([IPOPT_RR, 7, 8, 1, 2, 3, 4]))  # pointer past the end
    opt = ip_options.IPCB(skb).opt
    assert bad == 0 and opt.rr == 20 and not opt.rr_needaddr
    skbuff.kfree_skb(skb)


def test_timestamp_overflow_counter(bed: Bed) -> None:
    bad, skb = compile_opts(bed, bytes([IPOPT_TIMESTAMP, 8, 9, 0x00, 0, 0, 0, 0]))
    nh = skbuff.skb_network_header(skb)
    assert bad == 0 and skb.buf[nh + 23] >> 4 == 1  # full: overflow count 0 → 1
    skbuff.kfree_skb(skb)


@pytest.mark.parametrize(("opts", "pointer"), [
    (bytes([IPOPT_RR, 2, 4, IPOPT_END]), 21),   # optlen < 3
    (bytes([IPOPT_RR, 7, 3, 0, 0, 0, 0]), 22),  # pointer < 4
    (bytes([IPOPT_NOOP, IPOPT_RR, 9, 4]), 21),  # optlen beyond the options
    (bytes([IPOPT_RA, 4, 0, 0, IPOPT_RR, 3, 4, IPOPT_RR]), 27),  # lone trailing type
])
def test_malformed_points_at_the_bad_byte(bed: Bed, opts: bytes, pointer: int) -> None:
    bad, skb = compile_opts(bed, opts)
    assert bad == pointer + 1
    skbuff.kfree_skb(skb)


def test_bad_option_on_receive_is_header_error(bed: Bed) -> None:
    skb = bed.frame(bed.packet(options=bytes([IPOPT_RR, 2, 4, 0])))
    skbuff.skb_dst_set(skb, bed.rt(RTN_LOCAL, input=ip_input.ip_local_deliver))
    ip_input.ip_rcv(skb, bed.dev, None, bed.dev)
    assert bed.reasons() == ["NOT_SPECIFIED"]
    d = bed.ip_delta()
    assert d["InHdrErrors"] == 1 and "InDelivers" not in d
