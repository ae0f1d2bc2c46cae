"""The CPU cost model: how many simulated ns each kind of work consumes.

Code charges the running CPU with `k.charge(k.costs.<name>)`; IRQs preempt at charge points.
Subsystems add their own named fields here (additive edits only). Values are rough x86 figures,
chosen so that a forwarded packet costs a few microseconds; they shape timing, not results.
"""

from __future__ import annotations

from dataclasses import dataclass

from skbuff.compat import slotted


@slotted
@dataclass
class CostModel:
    """Named per-operation CPU costs in ns. Every field must stay > 0 (time must advance)."""

    hardirq_entry: int = 300
    hardirq_exit: int = 200
    softirq_entry: int = 100
    timer_entry: int = 100
    hrtimer_entry: int = 100
    ctx_switch: int = 1500
    default: int = 50
    # net/core/dev.c (dev)
    netif_rx: int = 150
    netif_receive_skb: int = 250
    napi_poll: int = 100
    dev_hard_start_xmit: int = 300
    # drivers/net/simnic (simnic): register access, per-descriptor and per-buffer work
    simnic_isr: int = 250  # read+ack ICR, write IMC (uncached MMIO)
    simnic_rx_desc: int = 300  # one RX descriptor: status, unmap, skb_put, eth_type_trans
    simnic_rx_alloc: int = 350  # one RX buffer: skb alloc + DMA map + descriptor write
    simnic_tx_desc: int = 250  # map one skb to a TX descriptor (ndo_start_xmit)
    simnic_tx_clean: int = 150  # reclaim one completed TX descriptor
