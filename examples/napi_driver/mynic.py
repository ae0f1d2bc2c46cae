"""mynic: a NAPI driver for the simnic controller, written from scratch (tutorial 1).

The hardware (skbuff.drivers.net.simnic.hw.simnic_hw) is an e1000-like NIC: an RX ring of
posted buffers (`rx_ring`, doorbell `write_rdt`), a TX ring (`tx_ring`, doorbell
`write_tdt`), a read-to-clear interrupt cause register (`read_icr`) and a mask (`write_ims`
unmasks causes, `write_imc` masks them). Descriptors the device finished carry DESC_DD.
"""

from __future__ import annotations

from skbuff.drivers.net.simnic import hw as simnic
from skbuff.kernel import irq as kirq
from skbuff.kernel import printk
from skbuff.kernel.bug import NapiContractViolation
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.dev import napi_struct, net_device
from skbuff.net.core.net_namespace import Net
from skbuff.net.core.skbuff import sk_buff
from skbuff.net.ethernet import eth

MYNIC_IRQS = simnic.SIMNIC_IMS_ENABLE_MASK  # every cause we handle
RX_BUF_LEN = 1522  # 1500 + Ethernet header + VLAN tag + FCS


class mynic_priv:
    """netdev_priv(dev): the hardware and where the driver is in each ring."""

    __slots__ = ("hw", "napi", "rx_next_to_clean", "rx_next_to_use", "tx_next_to_clean",
                 "tx_next_to_use")

    def __init__(self, hw: simnic.simnic_hw) -> None:
        self.hw = hw
        self.napi = napi_struct()
        self.rx_next_to_use = self.rx_next_to_clean = 0
        self.tx_next_to_use = self.tx_next_to_clean = 0


def ring_free(next_to_clean: int, next_to_use: int, size: int) -> int:
    """Descriptors the driver may still fill (one stays empty so full != empty)."""
    return (next_to_clean - next_to_use - 1) % size


# -- receive ---------------------------------------------------------------------------------

def mynic_refill(dev: net_device, priv: mynic_priv, count: int) -> None:
    """Post `count` fresh buffers after the last posted one and ring the RX doorbell."""
    ring = priv.hw.rx_ring
    i = priv.rx_next_to_use
    for _ in range(count):
        skb = core_skbuff.netdev_alloc_skb_ip_align(dev, RX_BUF_LEN)
        ring[i].buf = skb
        ring[i].buf_len = core_skbuff.skb_tailroom(skb)
        ring[i].status = 0
        i = (i + 1) % len(ring)
    priv.rx_next_to_use = i
    priv.hw.write_rdt(i)


def mynic_clean_rx(dev: net_device, priv: mynic_priv, napi: napi_struct, budget: int) -> int:
    """Hand at most `budget` received frames to the stack; refill what was taken."""
    ring = priv.hw.rx_ring
    i = priv.rx_next_to_clean
    work = 0
    while work < budget:
        desc = ring[i]
        if not desc.status & simnic.SIMNIC_DESC_DD:
            break
        skb = desc.buf
        assert skb is not None
        desc.buf = None
        desc.status = 0
        core_skbuff.skb_put(skb, desc.length)
        skb.protocol = eth.eth_type_trans(skb, dev)
        dev.stats.rx_packets += 1
        dev.stats.rx_bytes += desc.length
        core_dev.napi_gro_receive(napi, skb)  # the stack owns the skb now
        work += 1
        i = (i + 1) % len(ring)
    priv.rx_next_to_clean = i
    if work:
        mynic_refill(dev, priv, work)
    return work


# -- transmit --------------------------------------------------------------------------------

def mynic_clean_tx(dev: net_device, priv: mynic_priv) -> None:
    """Free the skbs the device has sent; wake the queue if it was stopped for room."""
    ring = priv.hw.tx_ring
    i = priv.tx_next_to_clean
    while i != priv.tx_next_to_use and ring[i].status & simnic.SIMNIC_DESC_DD:
        dev.stats.tx_packets += 1
        dev.stats.tx_bytes += ring[i].length
        core_skbuff.dev_kfree_skb_any(ring[i].buf)
        ring[i].buf = None
        ring[i].status = 0
        i = (i + 1) % len(ring)
    priv.tx_next_to_clean = i
    if core_dev.netif_queue_stopped(dev) and \
            ring_free(i, priv.tx_next_to_use, len(ring)) >= len(ring) // 4:
        core_dev.netif_wake_queue(dev)


def mynic_start_xmit(skb: sk_buff, dev: net_device) -> int:
    """ndo_start_xmit: put `skb` on the TX ring (the driver owns it until TX completion);
    stop the queue when the ring is full. BH disabled."""
    priv: mynic_priv = dev.priv
    ring = priv.hw.tx_ring
    if not ring_free(priv.tx_next_to_clean, priv.tx_next_to_use, len(ring)):
        core_dev.netif_stop_queue(dev)
        return core_dev.NETDEV_TX_BUSY  # the caller keeps the skb and retries
    desc = ring[priv.tx_next_to_use]
    desc.buf = skb
    desc.length = skb.len
    desc.status = 0
    priv.tx_next_to_use = (priv.tx_next_to_use + 1) % len(ring)
    priv.hw.write_tdt(priv.tx_next_to_use)
    if not ring_free(priv.tx_next_to_clean, priv.tx_next_to_use, len(ring)):
        core_dev.netif_stop_queue(dev)
    return core_dev.NETDEV_TX_OK


def mynic_tx_timeout(dev: net_device, txqueue: int) -> None:
    """ndo_tx_timeout: the watchdog saw the queue stopped too long. Reset the TX side."""
    priv: mynic_priv = dev.priv
    core_dev.netdev_log(dev, printk.KERN_ERR, "TX hang: resetting the transmit ring")
    dev.stats.tx_errors += 1
    for desc in priv.hw.tx_ring:
        core_skbuff.dev_kfree_skb_any(desc.buf)
        desc.buf = None
    priv.hw.reset_tx()
    priv.tx_next_to_use = priv.tx_next_to_clean = 0
    core_dev.netif_wake_queue(dev)


# -- interrupt and NAPI poll -----------------------------------------------------------------

def mynic_irq_enable(dev: net_device, priv: mynic_priv) -> None:
    """Unmask the device. Only legal while our NAPI instance is idle: a scheduled instance
    is still polling (or about to), so an interrupt now would be wasted or worse."""
    if core_dev.napi_is_scheduled(priv.napi):
        raise NapiContractViolation(
            f"{dev.name}: unmasking interrupts while NAPI is still scheduled "
            "(napi_complete_done() returned false)")
    priv.hw.write_ims(MYNIC_IRQS)


def mynic_interrupt(irq: int, dev: net_device) -> int:
    """Hard IRQ: ack (reading ICR clears it), mask the device, schedule NAPI. Nothing else."""
    priv: mynic_priv = dev.priv
    icr = priv.hw.read_icr()
    if not icr:
        return kirq.IRQ_NONE  # not ours (a shared line)
    if icr & simnic.SIMNIC_ICR_LSC:
        if priv.hw.link_up():
            core_dev.netif_carrier_on(dev)
        else:
            core_dev.netif_carrier_off(dev)
    priv.hw.write_imc(MYNIC_IRQS)
    core_dev.napi_schedule(priv.napi)
    return kirq.IRQ_HANDLED


def mynic_poll(napi: napi_struct, budget: int) -> int:
    """NET_RX softirq: clean TX, receive up to `budget`, unmask only once really done."""
    dev = napi.dev
    assert dev is not None
    priv: mynic_priv = dev.priv
    mynic_clean_tx(dev, priv)
    work = mynic_clean_rx(dev, priv, napi, budget)
    if work < budget and core_dev.napi_complete_done(napi, work):
        mynic_irq_enable(dev, priv)
    return work


# -- open, stop, probe -----------------------------------------------------------------------

def mynic_open(dev: net_device) -> int:
    """ndo_open (`ip link set DEV up`): fill the RX ring, take the IRQ, start. Process ctx."""
    priv: mynic_priv = dev.priv
    hw = priv.hw
    hw.reset()
    priv.rx_next_to_use = priv.rx_next_to_clean = 0
    priv.tx_next_to_use = priv.tx_next_to_clean = 0
    mynic_refill(dev, priv, len(hw.rx_ring) - 1)
    err = kirq.request_irq(dev.nd_net.kernel, hw.irq, mynic_interrupt, 0, dev.name, dev)
    if err:
        return err
    hw.enable()
    core_dev.napi_enable(priv.napi)
    core_dev.netif_start_queue(dev)
    mynic_irq_enable(dev, priv)
    return 0


def mynic_stop(dev: net_device) -> int:
    """ndo_stop (`ip link set DEV down`): the reverse of open. Process context."""
    priv: mynic_priv = dev.priv
    core_dev.netif_carrier_off(dev)
    core_dev.netif_stop_queue(dev)
    priv.hw.write_imc(MYNIC_IRQS)
    priv.hw.disable()
    core_dev.napi_disable(priv.napi)
    kirq.free_irq(dev.nd_net.kernel, priv.hw.irq, dev)
    priv.hw.reset()
    for desc in (*priv.hw.rx_ring, *priv.hw.tx_ring):
        core_skbuff.dev_kfree_skb_any(desc.buf)
        desc.buf = None
    return 0


mynic_netdev_ops = core_dev.net_device_ops(
    ndo_open=mynic_open,
    ndo_stop=mynic_stop,
    ndo_start_xmit=mynic_start_xmit,
    ndo_tx_timeout=mynic_tx_timeout,
    ndo_set_mac_address=eth.eth_mac_addr,
    ndo_validate_addr=eth.eth_validate_addr,
)


def mynic_probe(net: Net, hw: simnic.simnic_hw) -> net_device:
    """The PCI probe: allocate the net_device, fill in the ops, register it. Process ctx."""
    dev = core_dev.alloc_etherdev(mynic_priv(hw))
    assert dev is not None
    dev.nd_net = net
    dev.netdev_ops = mynic_netdev_ops
    dev.watchdog_timeo = 5 * net.kernel.hz  # ndo_tx_timeout after 5 s stopped
    dev.dev_addr = dev.perm_addr = hw.perm_addr
    core_dev.netif_napi_add(dev, dev.priv.napi, mynic_poll)
    err = core_dev.register_netdev(dev)
    assert err == 0, err
    core_dev.netif_carrier_off(dev)  # until the link is up
    return dev
