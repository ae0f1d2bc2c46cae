"""pfifo_fast bands and limits, requeue on NETDEV_TX_BUSY, noop before activation, and the
TX watchdog (net/sched/sch_generic.c)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.net.core.test_dev import dev_boot

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D
from skbuff.net.core import skbuff as S
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.sched import sch_generic as Q


@pytest.fixture
def k() -> Iterator[Kernel]:
    k = dev_boot()
    with k:
        yield k


class Nic:
    """An Ethernet device with a real qdisc: records what it sends; can be made busy."""

    def __init__(self, k: Kernel, tx_timeout: bool = False) -> None:
        self.k = k
        self.sent: list[int] = []
        self.busy = False
        self.timeouts: list[int] = []
        dev = D.alloc_etherdev()
        assert dev is not None
        dev.netdev_ops = D.net_device_ops(
            ndo_start_xmit=self.xmit,
            ndo_tx_timeout=self.tx_timeout if tx_timeout else None,
        )
        dev.dev_addr = b"\x02\x00\x00\x00\x00\x01"
        assert k.run_task(D.register_netdevice, dev) == 0
        self.dev = dev

    def xmit(self, skb: S.sk_buff, dev: D.net_device) -> int:
        if self.busy:
            return D.NETDEV_TX_BUSY
        self.sent.append(skb.priority)
        S.consume_skb(skb)
        return D.NETDEV_TX_OK

    def tx_timeout(self, dev: D.net_device, txqueue: int) -> None:
        self.timeouts.append(txqueue)
        D.netif_wake_queue(dev)

    def send(self, priority: int) -> int:
        skb = S.alloc_skb(128, 0)
        S.skb_reserve(skb, 32)
        S.skb_put_data(skb, bytes(46))
        skb.dev = self.dev
        skb.priority = priority
        D.dev_hard_header(skb, self.dev, 0x88B5, b"\x02" * 6, None, 46)
        return int(self.k.run_task(D.dev_queue_xmit, skb))


def test_noop_before_open_drops(k: Kernel) -> None:
    nic = Nic(k)
    reasons: list[SKB_DROP_REASON] = []
    k.trace.attach("kfree_skb", lambda skb, loc, r: reasons.append(r))
    assert nic.dev.qdisc.ops.id == "noop"
    assert nic.send(0) == D.NET_XMIT_CN
    assert reasons == [SKB_DROP_REASON.QDISC_DROP] and nic.dev.core_stats.tx_dropped == 1


def test_pfifo_fast_bands_and_per_band_limit(k: Kernel) -> None:
    nic = Nic(k)
    nic.dev.tx_queue_len = 3
    assert k.run_task(D.dev_open, nic.dev, None) == 0
    q = nic.dev.qdisc
    assert q.ops.id == "pfifo_fast" and q.limit == 3
    D.netif_stop_queue(nic.dev)
    reasons: list[SKB_DROP_REASON] = []
    k.trace.attach("kfree_skb", lambda skb, loc, r: reasons.append(r))
    # the first skb takes the bypass, meets the stopped queue and is requeued
    assert nic.send(7) == D.NET_XMIT_SUCCESS and q.qstats.requeues == 1
    rets = [nic.send(p) for p in (1, 1, 1, 1, 0, 6, 6, 6, 6)]  # bands 2,2,2,2(drop),1,0,0,0,0(drop)
    assert rets.count(D.NET_XMIT_DROP) == 2 and q.qstats.drops == 2
    assert reasons == [SKB_DROP_REASON.QDISC_DROP] * 2
    assert Q.qdisc_qlen(q) == 8 and nic.sent == []
    k.run_task(D.netif_wake_queue, nic.dev)
    k.run_for(1_000_000)
    assert nic.sent == [7, 6, 6, 6, 0, 1, 1, 1]
    assert Q.qdisc_qlen(q) == 0 and q.bstats.packets == 8


def test_tx_busy_requeues_until_woken(k: Kernel) -> None:
    nic = Nic(k)
    k.run_task(D.dev_open, nic.dev, None)
    nic.busy = True
    assert nic.send(0) == D.NET_XMIT_SUCCESS
    assert nic.send(0) == D.NET_XMIT_SUCCESS
    k.run_for(1_000_000)  # NET_TX retries the requeued skb: still busy
    assert nic.sent == [] and nic.dev.qdisc.qstats.requeues >= 2
    nic.busy = False
    k.run_task(D.__netif_schedule, nic.dev.qdisc)
    k.run_for(1_000_000)
    assert nic.sent == [0, 0]


def test_carrier_off_keeps_noop_live(k: Kernel) -> None:
    nic = Nic(k)
    D.netif_carrier_off(nic.dev)
    k.run_task(D.dev_open, nic.dev, None)
    assert nic.dev.qdisc.ops.id == "pfifo_fast"
    assert nic.dev._tx[0].qdisc.ops.id == "noop"  # activation waits for carrier
    D.netif_carrier_on(nic.dev)
    k.run_for(1_000_000)  # linkwatch (urgent: the qdisc is still to be activated)
    assert nic.dev._tx[0].qdisc is nic.dev.qdisc
    assert nic.dev.carrier_up_count == 1 and nic.dev.carrier_down_count == 1


def test_watchdog_fires_tx_timeout(k: Kernel) -> None:
    nic = Nic(k, tx_timeout=True)
    k.run_task(D.dev_open, nic.dev, None)
    assert nic.dev.watchdog_timeo == 5 * k.hz
    refs = nic.dev.refcnt
    k.run_for(1_000_000_000)
    k.run_task(D.netif_stop_queue, nic.dev)
    k.run_for(4_000_000_000)
    assert nic.timeouts == []
    k.run_for(4_000_000_000)
    assert nic.timeouts == [0] and nic.dev._tx[0].trans_timeout == 1
    lines = [r.text for r in k.dmesg if "WATCHDOG" in r.text]
    assert len(lines) == 1
    assert lines[0].startswith("eth0: NETDEV WATCHDOG: CPU: 0: transmit queue 0 timed out ")
    ms = int(lines[0].rsplit(" ", 2)[1])
    assert 5000 < ms <= 7000
    k.run_task(D.dev_close, nic.dev)
    assert nic.dev.refcnt == refs - 1  # the watchdog's reference is gone


def test_no_watchdog_without_ndo_tx_timeout(k: Kernel) -> None:
    nic = Nic(k)
    k.run_task(D.dev_open, nic.dev, None)
    assert not nic.dev.watchdog_ref_held and nic.dev.watchdog_timeo == 0


def test_default_qdisc_sysctl(k: Kernel) -> None:
    from skbuff.kernel.sysctl import SysctlError

    k.sysctl.write(k.init_net, "net.core.default_qdisc", "noqueue")
    nic = Nic(k)
    k.run_task(D.dev_open, nic.dev, None)
    assert nic.dev.qdisc.ops.id == "noqueue"
    with pytest.raises(SysctlError) as exc:
        k.sysctl.write(k.init_net, "net.core.default_qdisc", "fq_codel")
    assert exc.value.errno == 2
    assert k.sysctl.read(k.init_net, "net.core.default_qdisc") == "noqueue"
