"""The simnic driver: probe, open/stop, xmit, the interrupt handler and the NAPI poll.

Kernel: drivers/net/ethernet/intel/e1000/e1000_main.c (e1000_probe, e1000_open, e1000_close,
e1000_xmit_frame, e1000_intr, e1000_clean, e1000_clean_rx_irq, e1000_clean_tx_irq,
e1000_alloc_rx_buffers, e1000_tx_timeout), which this driver follows step by step.

Two receive modes, chosen per device at probe (`mode=`):
- "napi" (the kernel's only mode since 2.6.x drivers): the ISR acks and masks the device's
  interrupts and schedules NAPI; `simnic_poll` cleans TX, receives at most `budget` frames
  with `napi_gro_receive`, refills, and unmasks only if `napi_complete_done` returned true.
- "legacy" (pre-NAPI drivers, for the livelock experiment): the ISR itself cleans TX and
  drains up to one ring of RX descriptors with `netif_rx` per frame, then unmasks.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.drivers.net.simnic import hw as simhw
from skbuff.kernel import irq as kirq
from skbuff.kernel import printk
from skbuff.kernel.bug import NapiContractViolation
from skbuff.net.core import dev as core_dev
from skbuff.net.core import rtnl_link
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.ethernet import eth
from skbuff.uapi.if_ether import ETH_FCS_LEN, ETH_HLEN

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import napi_struct, net_device, net_device_stats
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.rtnetlink import netlink_ext_ack

DRV_NAME = "simnic"
SIMNIC_MODES = ("napi", "legacy")
TX_WAKE_THRESHOLD = 32  # e1000_main.c: free descriptors before the queue is woken

PollFn = Callable[["napi_struct", int], int]


class simnic_adapter:
    """The driver's private state (netdev_priv): the hardware, ring indexes, NAPI, mode.

    Kernel: e1000.h struct e1000_adapter (+ e1000_rx_ring/e1000_tx_ring next_to_use/clean).
    """

    __slots__ = ("hw", "k", "mode", "napi", "netdev", "rx_buffer_len", "rx_next_to_clean",
                 "rx_next_to_use", "tx_next_to_clean", "tx_next_to_use")

    def __init__(self, hw: simhw.simnic_hw, mode: str) -> None:
        if mode not in SIMNIC_MODES:
            raise ValueError(f"simnic mode must be one of {SIMNIC_MODES}, not {mode!r}")
        self.hw = hw
        self.k: Kernel = hw.k
        self.mode = mode
        self.napi = core_dev.napi_struct()
        self.netdev: net_device | None = None
        self.rx_buffer_len = 0
        self.rx_next_to_use = self.rx_next_to_clean = 0
        self.tx_next_to_use = self.tx_next_to_clean = 0


def _desc_unused(next_to_clean: int, next_to_use: int, count: int) -> int:
    """Free descriptors, keeping one gap. Kernel: e1000.h E1000_DESC_UNUSED."""
    return (next_to_clean - next_to_use - 1) % count


# --------------------------------------------------------------------------------------------
# Interrupt enable/disable


def simnic_irq_enable(adapter: simnic_adapter) -> None:
    """Unmask the device's causes (IMS). Kernel: e1000_main.c e1000_irq_enable."""
    adapter.hw.write_ims(simhw.SIMNIC_IMS_ENABLE_MASK)


def simnic_irq_disable(adapter: simnic_adapter) -> None:
    """Mask every cause (IMC). Kernel: e1000_main.c e1000_irq_disable."""
    adapter.hw.write_imc(0xFFFFFFFF)


# --------------------------------------------------------------------------------------------
# Receive


def simnic_alloc_rx_buffers(adapter: simnic_adapter, cleaned_count: int) -> None:
    """Post `cleaned_count` fresh skbs to the RX ring and ring the RDT doorbell once.

    Kernel: e1000_main.c e1000_alloc_rx_buffers. Any context (BH or hardirq).
    """
    hw = adapter.hw
    ring = hw.rx_ring
    count = len(ring)
    dev = adapter.netdev
    k = adapter.k
    cost = k.costs.simnic_rx_alloc
    length = adapter.rx_buffer_len
    i = adapter.rx_next_to_use
    alloc = core_skbuff.netdev_alloc_skb_ip_align
    for _ in range(cleaned_count):
        k.charge(cost)
        skb = alloc(dev, length)
        desc = ring[i]
        desc.buf = skb
        desc.buf_len = core_skbuff.skb_tailroom(skb)
        desc.status = 0
        i += 1
        if i == count:
            i = 0
    adapter.rx_next_to_use = i
    hw.write_rdt(i)


def simnic_clean_rx_irq(adapter: simnic_adapter, napi: napi_struct | None, budget: int) -> int:
    """Pass up to `budget` received frames to the stack, then refill; returns the count.

    With `napi` (a poll): `napi_gro_receive`; without (legacy ISR): `netif_rx`. The stack owns
    each skb once handed over. Kernel: e1000_main.c e1000_clean_rx_irq.
    """
    ring = adapter.hw.rx_ring
    count = len(ring)
    dev = adapter.netdev
    assert dev is not None
    k = adapter.k
    charge = k.charge
    cost = k.costs.simnic_rx_desc
    put = core_skbuff.skb_put
    type_trans = eth.eth_type_trans
    receive = core_dev.netif_rx
    gro_receive = core_dev.napi_gro_receive
    i = adapter.rx_next_to_clean
    work = 0
    nbytes = 0
    while work < budget:
        desc = ring[i]
        if not desc.status & simhw.SIMNIC_DESC_DD:
            break
        skb = desc.buf
        assert skb is not None
        length = desc.length
        desc.buf = None
        desc.status = 0
        charge(cost)
        put(skb, length)
        skb.protocol = type_trans(skb, dev)
        nbytes += length
        work += 1
        i += 1
        if i == count:
            i = 0
        if napi is None:
            receive(skb)
        else:
            gro_receive(napi, skb)
    adapter.rx_next_to_clean = i
    if work:
        stats = dev.stats
        stats.rx_packets += work
        stats.rx_bytes += nbytes
        simnic_alloc_rx_buffers(adapter, work)
    return work


# --------------------------------------------------------------------------------------------
# Transmit


def simnic_clean_tx_irq(adapter: simnic_adapter) -> int:
    """Reclaim completed TX descriptors; wake the queue once enough are free.

    Kernel: e1000_main.c e1000_clean_tx_irq. Returns the number reclaimed.
    """
    hw = adapter.hw
    ring = hw.tx_ring
    count = len(ring)
    dev = adapter.netdev
    assert dev is not None
    k = adapter.k
    cost = k.costs.simnic_tx_clean
    i = adapter.tx_next_to_clean
    ntu = adapter.tx_next_to_use
    cleaned = 0
    nbytes = 0
    while i != ntu:
        desc = ring[i]
        if not desc.status & simhw.SIMNIC_DESC_DD:
            break
        k.charge(cost)
        nbytes += desc.length
        core_skbuff.dev_kfree_skb_any(desc.buf)
        desc.buf = None
        desc.status = 0
        cleaned += 1
        i += 1
        if i == count:
            i = 0
    adapter.tx_next_to_clean = i
    if cleaned:
        dev.stats.tx_packets += cleaned
        dev.stats.tx_bytes += nbytes
        if (core_dev.netif_queue_stopped(dev) and core_dev.netif_carrier_ok(dev)
                and _desc_unused(i, ntu, count) >= min(TX_WAKE_THRESHOLD, count // 2)):
            core_dev.netif_wake_queue(dev)
    return cleaned


def simnic_xmit_frame(skb: core_skbuff.sk_buff, dev: net_device) -> int:
    """Map `skb` to the next TX descriptor and ring the doorbell; stop the queue when full.

    Kernel: e1000_main.c e1000_xmit_frame, e1000_maybe_stop_tx. BH disabled. On NETDEV_TX_OK
    the driver owns `skb` (freed at TX completion); on NETDEV_TX_BUSY the caller keeps it.
    """
    adapter: simnic_adapter = dev.priv
    hw = adapter.hw
    count = len(hw.tx_ring)
    ntu = adapter.tx_next_to_use
    if not _desc_unused(adapter.tx_next_to_clean, ntu, count):
        core_dev.netif_stop_queue(dev)
        return core_dev.NETDEV_TX_BUSY
    k = adapter.k
    k.charge(k.costs.simnic_tx_desc)
    desc = hw.tx_ring[ntu]
    desc.buf = skb
    desc.length = skb.len
    desc.status = 0
    ntu += 1
    if ntu == count:
        ntu = 0
    adapter.tx_next_to_use = ntu
    hw.write_tdt(ntu)
    if not _desc_unused(adapter.tx_next_to_clean, ntu, count):
        core_dev.netif_stop_queue(dev)
    return core_dev.NETDEV_TX_OK


def simnic_clean_tx_ring(adapter: simnic_adapter) -> None:
    """Free every skb still on the TX ring (device stopped). Kernel: e1000_clean_tx_ring."""
    for desc in adapter.hw.tx_ring:
        if desc.buf is not None:
            core_skbuff.dev_kfree_skb_any(desc.buf)
            desc.buf = None
        desc.status = 0
    adapter.tx_next_to_use = adapter.tx_next_to_clean = 0


def simnic_clean_rx_ring(adapter: simnic_adapter) -> None:
    """Free every posted RX buffer (device stopped). Kernel: e1000_clean_rx_ring."""
    for desc in adapter.hw.rx_ring:
        if desc.buf is not None:
            core_skbuff.dev_kfree_skb_any(desc.buf)
            desc.buf = None
        desc.status = 0
    adapter.rx_next_to_use = adapter.rx_next_to_clean = 0


def simnic_tx_timeout(dev: net_device, txqueue: int) -> None:
    """The watchdog saw a stuck queue: reset the TX unit and ring, wake the queue.

    Kernel: e1000_main.c e1000_tx_timeout (+ the reset task's TX half). Timer context.
    """
    adapter: simnic_adapter = dev.priv
    dev.stats.tx_errors += 1
    core_dev.netdev_log(dev, printk.KERN_ERR, "Reset adapter: TX unit hang")
    simnic_clean_tx_ring(adapter)
    adapter.hw.reset_tx()
    core_dev.netif_wake_queue(dev)


def simnic_check_link(adapter: simnic_adapter) -> None:
    """Link status change: follow STATUS.LU with the carrier.

    Kernel: e1000_main.c e1000_intr (E1000_ICR_LSC) + e1000_watchdog's carrier update.
    """
    dev = adapter.netdev
    assert dev is not None
    if adapter.hw.link_up():
        if core_dev.netif_running(dev):
            core_dev.netif_carrier_on(dev)
    else:
        core_dev.netif_carrier_off(dev)


# --------------------------------------------------------------------------------------------
# Interrupts and NAPI


def simnic_read_icr(adapter: simnic_adapter) -> int:
    """Charge the ISR, read (and so ack) ICR and handle a link-status change; 0 = the
    interrupt was not ours. Kernel: drivers/net/ethernet/intel/e1000/e1000_main.c e1000_intr
    (its opening). Hardirq context.
    """
    k = adapter.k
    k.charge(k.costs.simnic_isr)
    icr = adapter.hw.read_icr()
    if icr & simhw.SIMNIC_ICR_LSC:
        simnic_check_link(adapter)
    return icr


def simnic_intr(irq: int, dev: net_device) -> int:
    """NAPI-mode ISR: read (and so ack) ICR, mask the device, schedule NAPI.

    Kernel: e1000_main.c e1000_intr. Hardirq context. An interrupt while our NAPI instance is
    still scheduled means the poll unmasked although `napi_complete_done` returned false
    (the instance was not released): raised as NapiContractViolation.
    """
    adapter: simnic_adapter = dev.priv
    hw = adapter.hw
    if not simnic_read_icr(adapter):
        return kirq.IRQ_NONE
    napi = adapter.napi
    if napi.state & core_dev.NAPIF_STATE_SCHED and not napi.state & core_dev.NAPIF_STATE_DISABLE:
        raise NapiContractViolation(
            f"{dev.name}: interrupt {irq} while NAPI is still scheduled: the poll re-enabled "
            "device interrupts although napi_complete_done() returned false"
        )
    hw.write_imc(0xFFFFFFFF)
    if core_dev.napi_schedule_prep(napi):
        core_dev.__napi_schedule(napi)
    return kirq.IRQ_HANDLED


def simnic_poll(napi: napi_struct, budget: int) -> int:
    """NAPI poll: clean TX, receive at most `budget`, unmask only after a true completion.

    Kernel: e1000_main.c e1000_clean. NET_RX softirq context.
    """
    dev = napi.dev
    assert dev is not None
    adapter: simnic_adapter = dev.priv
    simnic_clean_tx_irq(adapter)
    work_done = simnic_clean_rx_irq(adapter, napi, budget)
    if work_done < budget and core_dev.napi_complete_done(napi, work_done):
        simnic_irq_enable(adapter)
    return work_done


def simnic_intr_legacy(irq: int, dev: net_device) -> int:
    """Pre-NAPI ISR: ack and mask, clean TX, drain up to a ring of RX with netif_rx, unmask.

    Kernel: e1000_main.c e1000_intr of 2.6.x built without CONFIG_E1000_NAPI (it looped
    clean_rx/clean_tx up to E1000_MAX_INTR rounds; here one ring's worth) — the receive path
    whose per-packet interrupts livelock a CPU under overload. Hardirq context.
    """
    adapter: simnic_adapter = dev.priv
    hw = adapter.hw
    if not simnic_read_icr(adapter):
        return kirq.IRQ_NONE
    hw.write_imc(0xFFFFFFFF)
    simnic_clean_tx_irq(adapter)
    simnic_clean_rx_irq(adapter, None, len(hw.rx_ring))
    simnic_irq_enable(adapter)
    return kirq.IRQ_HANDLED


# --------------------------------------------------------------------------------------------
# net_device_ops


def simnic_open(dev: net_device) -> int:
    """Reset the device, fill the RX ring, request the IRQ, enable NAPI and the queue, unmask.

    Kernel: e1000_main.c e1000_open (e1000_configure, request_irq, napi_enable,
    e1000_irq_enable, netif_start_queue). Process context.
    """
    adapter: simnic_adapter = dev.priv
    hw = adapter.hw
    k = adapter.k
    hw.reset()
    adapter.rx_next_to_use = adapter.rx_next_to_clean = 0
    adapter.tx_next_to_use = adapter.tx_next_to_clean = 0
    adapter.rx_buffer_len = dev.mtu + ETH_HLEN + core_dev.VLAN_HLEN + ETH_FCS_LEN
    hw.enable()
    simnic_alloc_rx_buffers(adapter, len(hw.rx_ring) - 1)
    handler = simnic_intr if adapter.mode == "napi" else simnic_intr_legacy
    err = kirq.request_irq(k, hw.irq, handler, 0, dev.name, dev)
    if err:
        hw.reset()
        simnic_clean_rx_ring(adapter)
        return err
    if adapter.mode == "napi":
        core_dev.napi_enable(adapter.napi)
    core_dev.netif_start_queue(dev)
    simnic_irq_enable(adapter)
    return 0


def simnic_close(dev: net_device) -> int:
    """Reverse of open: carrier off, stop the queue, mask, stop the device, disable NAPI,
    free the IRQ, reset, free the ring buffers.

    Kernel: e1000_main.c e1000_close / e1000_down. Process context.
    """
    adapter: simnic_adapter = dev.priv
    hw = adapter.hw
    core_dev.netif_carrier_off(dev)
    core_dev.netif_stop_queue(dev)
    simnic_irq_disable(adapter)
    hw.disable()
    if adapter.mode == "napi":
        core_dev.napi_disable(adapter.napi)
    kirq.free_irq(adapter.k, hw.irq, dev)
    hw.reset()
    simnic_clean_tx_ring(adapter)
    simnic_clean_rx_ring(adapter)
    return 0


def simnic_get_stats64(dev: net_device, stats: net_device_stats) -> None:
    """Driver counters plus the hardware's drop registers.

    Kernel: e1000_main.c e1000_update_stats / igb_update_stats (rx_missed_errors = MPC,
    rx_fifo_errors = RQDPC, rx_length_errors = RLEC).
    """
    hw: simhw.simnic_hw = dev.priv.hw
    core_dev.netdev_stats_to_stats64(stats, dev.stats)
    stats.rx_missed_errors = hw.mpc
    stats.rx_fifo_errors = hw.rqdpc
    stats.rx_length_errors = hw.rlec
    stats.rx_errors = hw.rlec
    stats.rx_over_errors = 0


simnic_netdev_ops = core_dev.net_device_ops(
    ndo_open=simnic_open,
    ndo_stop=simnic_close,
    ndo_start_xmit=simnic_xmit_frame,
    ndo_tx_timeout=simnic_tx_timeout,
    ndo_get_stats64=simnic_get_stats64,
    ndo_set_mac_address=eth.eth_mac_addr,
    ndo_validate_addr=eth.eth_validate_addr,
)


def simnic_setup(dev: net_device) -> None:
    """Ethernet defaults plus simnic's ops and a 5 s TX watchdog.

    Kernel: e1000_main.c e1000_probe (netdev->netdev_ops, watchdog_timeo).
    """
    eth.ether_setup(dev)
    dev.netdev_ops = simnic_netdev_ops
    dev.watchdog_timeo = 5 * dev.nd_net.kernel.hz


def simnic_attach(dev: net_device, hw: simhw.simnic_hw, mode: str, poll: PollFn) -> None:
    """Bind a set-up `dev` to `hw`: the adapter, the permanent address, the NAPI instance
    (none in legacy mode)."""
    adapter = simnic_adapter(hw, mode)
    adapter.netdev = dev
    dev.priv = adapter
    if not dev.dev_addr.strip(b"\0"):
        dev.dev_addr = hw.perm_addr
    dev.perm_addr = hw.perm_addr
    if mode == "napi":
        core_dev.netif_napi_add(dev, adapter.napi, poll)


def simnic_probe(net: Net, hw: simhw.simnic_hw, name: str = "eth%d", mode: str = "napi",
                 poll: PollFn = simnic_poll) -> net_device | int:
    """Create and register the net_device for `hw` in `net`; returns it or -errno.

    `poll` replaces the NAPI poll (test drivers). Kernel: e1000_main.c e1000_probe
    (alloc_etherdev, netdev_ops, watchdog_timeo, netif_napi_add, register_netdev, carrier
    off until the link comes up). Process context.
    """
    assign = core_dev.NET_NAME_ENUM if "%" in name else core_dev.NET_NAME_USER
    dev = core_dev.alloc_netdev_mqs(None, name, assign, simnic_setup, 1, 1)
    if dev is None:
        return -errno.ENOMEM
    dev.nd_net = net
    simnic_attach(dev, hw, mode, poll)
    err = core_dev.register_netdev(dev)
    if err:
        core_dev.free_netdev(dev)
        return err
    core_dev.netif_carrier_off(dev)
    return dev


def simnic_newlink(src_net: Net, dev: net_device, tb: dict[int, Any],
                   data: dict[int, Any] | None, extack: netlink_ext_ack | None) -> int:
    """`ip link add NAME type simnic`: a new controller (NAPI mode, no cable: a traffic
    generator, or a later `simnic_connect`, is its link partner), registered.

    Kernel: the rtnl_link_ops newlink of a software device; probe for real hardware.
    """
    simnic_attach(dev, simhw.simnic_hw(dev.nd_net.kernel), "napi", simnic_poll)
    err = core_dev.register_netdevice(dev)
    if err:
        return err
    core_dev.netif_carrier_off(dev)
    return 0


simnic_link_ops = core_dev.rtnl_link_ops(kind=DRV_NAME, setup=simnic_setup,
                                         newlink=simnic_newlink)


def simnic_init(k: Kernel) -> int:
    """Register the "simnic" link kind. Kernel: module_init (rtnl_link_register)."""
    return rtnl_link.rtnl_link_register(k, simnic_link_ops)


def simnic_pair(net_a: Net, net_b: Net, speed_mbps: int = 1000, latency_ns: int = 1000,
                names: tuple[str, str] = ("eth%d", "eth%d"), mode: str = "napi",
                ring_size: int = simhw.SIMNIC_DEFAULT_RING) -> tuple[net_device, net_device]:
    """Two simnics, one in each namespace, joined by a cable. Runs in a task of their kernel.

    Raises ValueError if a device cannot be registered (e.g. a name taken).
    """
    k = net_a.kernel
    hw_a = simhw.simnic_hw(k, ring_size, ring_size)
    hw_b = simhw.simnic_hw(k, ring_size, ring_size)
    simhw.simnic_connect(hw_a, hw_b, speed_mbps, latency_ns)
    devs: list[net_device] = []
    for net, hw, name in ((net_a, hw_a, names[0]), (net_b, hw_b, names[1])):
        dev = k.run_task(simnic_probe, net, hw, name, mode)
        if isinstance(dev, int):
            raise ValueError(f"simnic_probe {name!r} in {net!r}: error {dev}")
        devs.append(dev)
    return devs[0], devs[1]
