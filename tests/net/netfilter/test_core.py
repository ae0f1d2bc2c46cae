"""Netfilter hook registration order and verdicts."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import Any

import pytest
from tests.net.ipv4.ip_testbed import Bed

from skbuff.kernel.bug import KernelBug
from skbuff.net.core import skbuff
from skbuff.net.netfilter import core as nf


@pytest.fixture
def bed() -> Iterator[Bed]:
    b = Bed()
    yield b
    b.close()


def _okfn(log: list[str]) -> Any:
    def okfn(net: Any, sk: Any, skb: skbuff.sk_buff) -> int:
        log.append("ok")
        skbuff.consume_skb(skb)
        return 0
    return okfn


def _hook(log: list[str], name: str, verdict: int) -> Any:
    def fn(priv: Any, skb: skbuff.sk_buff, state: nf.nf_hook_state) -> int:
        log.append(name)
        return verdict
    return fn


def _run(bed: Bed, log: list[str]) -> int:
    skb = bed.frame(bed.packet())
    return nf.NF_HOOK(nf.NFPROTO_IPV4, nf.NF_INET_FORWARD, bed.net, None, skb, bed.dev, None,
                      _okfn(log))


def test_no_hooks_goes_straight_to_okfn(bed: Bed) -> None:
    log: list[str] = []
    assert _run(bed, log) == 0 and log == ["ok"]


def test_priority_order_then_okfn(bed: Bed) -> None:
    log: list[str] = []
    for name, prio in (("filter", nf.NF_IP_PRI_FILTER), ("raw", nf.NF_IP_PRI_RAW),
                       ("mangle", nf.NF_IP_PRI_MANGLE), ("filter2", nf.NF_IP_PRI_FILTER)):
        ops = nf.nf_hook_ops(nf.NF_INET_FORWARD, nf.NFPROTO_IPV4, prio,
                             _hook(log, name, nf.NF_ACCEPT))
        assert nf.nf_register_net_hook(bed.net, ops) == 0
    _run(bed, log)
    assert log == ["raw", "mangle", "filter", "filter2", "ok"]


def test_drop_frees_with_netfilter_reason(bed: Bed) -> None:
    log: list[str] = []
    ops = nf.nf_hook_ops(nf.NF_INET_FORWARD, nf.NFPROTO_IPV4, 0, _hook(log, "d", nf.NF_DROP))
    nf.nf_register_net_hook(bed.net, ops)
    assert _run(bed, log) == -errno.EPERM
    assert log == ["d"] and bed.reasons() == ["NETFILTER_DROP"]
    nf.nf_unregister_net_hook(bed.net, ops)
    assert _run(bed, log) == 0 and log[-1] == "ok"


def test_drop_err_and_stolen(bed: Bed) -> None:
    log: list[str] = []
    ops = nf.nf_hook_ops(nf.NF_INET_FORWARD, nf.NFPROTO_IPV4, 0,
                         _hook(log, "d", nf.NF_DROP_ERR(-errno.EHOSTUNREACH)))
    nf.nf_register_net_hook(bed.net, ops)
    assert _run(bed, log) == -errno.EHOSTUNREACH
    nf.nf_unregister_net_hook(bed.net, ops)
    kept: list[skbuff.sk_buff] = []

    def steal(priv: Any, skb: skbuff.sk_buff, state: nf.nf_hook_state) -> int:
        kept.append(skb)
        return nf.NF_STOLEN

    nf.nf_register_net_hook(bed.net, nf.nf_hook_ops(nf.NF_INET_FORWARD, nf.NFPROTO_IPV4, 0,
                                                    steal))
    assert _run(bed, log) == 0 and len(kept) == 1 and log.count("ok") == 0
    skbuff.kfree_skb(kept[0])


def test_unregister_unknown_is_a_bug(bed: Bed) -> None:
    ops = nf.nf_hook_ops(nf.NF_INET_FORWARD, nf.NFPROTO_IPV4, 0, _hook([], "x", nf.NF_ACCEPT))
    with pytest.raises(KernelBug):
        nf.nf_unregister_net_hook(bed.net, ops)
    assert nf.nf_register_net_hook(bed.net, nf.nf_hook_ops(9, nf.NFPROTO_IPV4, 0,
                                                           ops.hook)) == -errno.EINVAL


def test_forward_hook_drop_in_ip_forward(bed: Bed) -> None:
    from skbuff.net.ipv4 import ip_forward
    from skbuff.uapi.rtnetlink import RTN_UNICAST

    seen: list[int] = []

    def drop_ttl_9(priv: Any, skb: skbuff.sk_buff, state: nf.nf_hook_state) -> int:
        seen.append(state.hook)
        assert state.in_ is bed.dev and state.out is bed.dev
        return nf.NF_DROP if skbuff.ip_hdr(skb).ttl == 9 else nf.NF_ACCEPT

    nf.nf_register_net_hook(bed.net, nf.nf_hook_ops(nf.NF_INET_FORWARD, nf.NFPROTO_IPV4,
                                                    nf.NF_IP_PRI_FILTER, drop_ttl_9))
    out: list[skbuff.sk_buff] = []

    def output(net: Any, sk: Any, skb: skbuff.sk_buff) -> int:
        out.append(skb)
        return 0

    for ttl in (10, 11):
        skb = bed.frame(bed.packet(ttl=ttl))
        skbuff.skb_dst_set(skb, bed.rt(RTN_UNICAST, output=output))
        ip_forward.ip_forward(skb)
    assert seen == [nf.NF_INET_FORWARD] * 2 and len(out) == 1  # ttl 10 → 9 after decrement
    assert bed.reasons() == ["NETFILTER_DROP"]
    assert bed.ip_delta() == {"ForwDatagrams": 2}
    skbuff.kfree_skb(out[0])
