"""simnic hardware: an e1000/igb-like Ethernet controller modelled as hardware events.

Kernel: what drivers/net/ethernet/intel/e1000{,e}/ and igb/ program (the register model is
Intel's: RDH/RDT, TDH/TDT, ICR/IMS/IMC, ITR, the MPC/RQDPC statistics registers).

Nothing here runs on a CPU or charges time: DMA, the wire and interrupt assertion are
`k.hw.schedule` events and `k.hw.assert_irq`. The driver talks to the device only through the
rings and the register methods (`write_rdt`, `write_tdt`, `read_icr`, `write_ims`, `write_imc`).

RX ring: descriptors from `rx_head` (hardware's next) up to `rx_tail` (exclusive; written by the
driver) hold posted buffers (an `sk_buff` with room for `buf_len` bytes at `skb.data`). A frame
arriving with no posted buffer is dropped and counted (`mpc`, `rqdpc`); otherwise its bytes are
copied into the buffer, `length` and the DD status bit are set, and the RX cause is raised.
TX ring: descriptors from `tx_head` to `tx_tail` are sent in order at line rate (the frame is
read at the start of its serialization), then get DD; the frame reaches the peer `latency_ns`
after its last bit. Causes are latched in ICR; an enabled (IMS) cause asserts the line, through
the RX interrupt moderation (`rx_usecs`/`rx_frames`, ethtool -C) for RX causes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from skbuff.kernel import irq as kirq
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.ethernet import eth

if TYPE_CHECKING:
    from skbuff.kernel.kernel import HwEvent, Kernel
    from skbuff.net.core.skbuff import sk_buff

# Descriptor status (e1000_hw.h E1000_RXD_STAT_DD / E1000_TXD_STAT_DD)
SIMNIC_DESC_DD = 0x01
# Interrupt cause bits (e1000_hw.h E1000_ICR_*)
SIMNIC_ICR_TXDW = 0x00000001  # transmit descriptor written back
SIMNIC_ICR_LSC = 0x00000004  # link status change
SIMNIC_ICR_RXO = 0x00000040  # receiver overrun (no descriptor)
SIMNIC_ICR_RXT0 = 0x00000080  # receive timer (a frame was written back)
SIMNIC_IMS_ENABLE_MASK = SIMNIC_ICR_TXDW | SIMNIC_ICR_LSC | SIMNIC_ICR_RXO | SIMNIC_ICR_RXT0
SIMNIC_RX_CAUSES = SIMNIC_ICR_RXT0 | SIMNIC_ICR_RXO

SIMNIC_DEFAULT_RING = 256
SIMNIC_FIRST_VECTOR = 32
# Bytes a frame occupies on the wire besides itself: preamble+SFD 8, FCS 4, inter-frame gap 12.
SIMNIC_WIRE_OVERHEAD = 24
SIMNIC_MIN_FRAME = 60  # ETH_ZLEN: shorter frames are padded by the MAC


class simnic_desc:
    """One ring descriptor: the posted buffer (RX) or skb to send (TX), length, status."""

    __slots__ = ("buf", "buf_len", "length", "status")

    def __init__(self) -> None:
        self.buf: sk_buff | None = None
        self.buf_len = 0
        self.length = 0
        self.status = 0


def simnic_alloc_vector(k: Kernel) -> int:
    """Allocate an interrupt vector for a new device (the platform's MSI allocation).

    Kernel: kernel/irq/irqdesc.c irq_alloc_descs (the next free number from 32).
    """
    irq = max(k.hw.descs, default=SIMNIC_FIRST_VECTOR - 1) + 1
    k.hw.descs[irq] = kirq.irq_desc(irq, len(k.cpus))
    return irq


class simnic_hw:
    """One simnic controller: rings, registers, statistics registers, its end of a cable.

    Create with `simnic_hw(k)`; `simnic_connect` makes a cable to another one; a
    `simnic_traffic_gen` may offer frames instead. Registers are methods or plain fields
    (`rx_usecs`, `rx_frames` are the interrupt moderation settings).
    """

    __slots__ = ("gorc", "gotc", "gprc", "gptc", "icr", "ims", "ims_log", "irq", "irqs_raised",
                 "itr_frames", "itr_timer", "k", "latency_ns", "mpc", "peer", "perm_addr",
                 "rlec", "rqdpc", "rx_enabled", "rx_frames", "rx_head", "rx_ring", "rx_tail",
                 "rx_usecs", "speed_mbps", "tx_active", "tx_enabled", "tx_event", "tx_head",
                 "tx_ring", "tx_stalled", "tx_tail", "wire_free")

    def __init__(self, k: Kernel, rx_ring_size: int = SIMNIC_DEFAULT_RING,
                 tx_ring_size: int = SIMNIC_DEFAULT_RING, perm_addr: bytes | None = None) -> None:
        if rx_ring_size < 2 or tx_ring_size < 2:
            raise ValueError("simnic rings need at least 2 descriptors")
        self.k = k
        self.irq = simnic_alloc_vector(k)
        self.perm_addr = perm_addr if perm_addr is not None else eth.eth_random_addr(k)
        self.rx_ring = [simnic_desc() for _ in range(rx_ring_size)]
        self.tx_ring = [simnic_desc() for _ in range(tx_ring_size)]
        self.rx_head = self.rx_tail = 0
        self.tx_head = self.tx_tail = 0
        self.rx_enabled = False
        self.tx_enabled = False
        self.tx_active = False
        self.tx_stalled = False
        self.tx_event: HwEvent | None = None
        self.icr = 0
        self.ims = 0
        self.ims_log: list[tuple[int, int]] | None = None
        self.rx_usecs = 0
        self.rx_frames = 0
        self.itr_frames = 0
        self.itr_timer: HwEvent | None = None
        self.irqs_raised = 0
        self.peer: simnic_hw | None = None
        self.speed_mbps = 1000
        self.latency_ns = 0
        self.wire_free = 0
        # statistics registers (e1000_hw.h: good packets/octets rx/tx, missed, length errors,
        # per-queue drops)
        self.gprc = self.gorc = self.gptc = self.gotc = 0
        self.mpc = self.rqdpc = self.rlec = 0

    def __repr__(self) -> str:
        return f"<simnic_hw irq={self.irq} ims={self.ims:#x} icr={self.icr:#x}>"

    # -- registers ------------------------------------------------------------------------

    def reset(self) -> None:
        """Device reset (CTRL.RST): ring pointers zero, causes and mask clear, RX/TX off.

        The descriptors (host memory) and the buffers they point to stay the driver's.
        """
        if self.itr_timer is not None:
            self.k.hw.cancel(self.itr_timer)
            self.itr_timer = None
        self.reset_tx()
        self.rx_head = self.rx_tail = 0
        self.rx_enabled = self.tx_enabled = False
        self.icr = self.itr_frames = 0
        self.write_imc(0xFFFFFFFF)

    def enable(self) -> None:
        """RCTL.EN/TCTL.EN on: receive and send; both ends see a link status change."""
        self.rx_enabled = self.tx_enabled = True
        self._link_changed()

    def disable(self) -> None:
        """RX/TX off (a frame on the wire still completes); both ends see a link change."""
        self.rx_enabled = self.tx_enabled = False
        self._link_changed()

    def link_up(self) -> bool:
        """STATUS.LU: this end enabled and the cable's other end too (or no cable: a
        traffic generator is the link partner)."""
        peer = self.peer
        return self.rx_enabled and (peer is None or peer.rx_enabled)

    def _link_changed(self) -> None:
        self._cause(SIMNIC_ICR_LSC)
        if self.peer is not None:
            self.peer._cause(SIMNIC_ICR_LSC)

    def reset_tx(self) -> None:
        """TX unit reset: head = tail = 0, nothing in flight. Descriptors live in host memory
        and their buffers are the driver's: a reset leaves them alone."""
        if self.tx_event is not None:
            self.k.hw.cancel(self.tx_event)
            self.tx_event = None
        self.tx_head = self.tx_tail = 0
        self.tx_active = self.tx_stalled = False

    def write_rdt(self, tail: int) -> None:
        """RX tail doorbell: descriptors before `tail` now hold posted buffers."""
        self.rx_tail = tail

    def write_tdt(self, tail: int) -> None:
        """TX tail doorbell: descriptors before `tail` are ready; start sending if idle."""
        self.tx_tail = tail
        if not self.tx_active:
            self._tx_start()

    def read_icr(self) -> int:
        """Interrupt causes, read-to-clear, if any enabled cause is asserting; 0 otherwise
        (masked causes stay latched until unmasked, like e1000e's INT_ASSERTED)."""
        icr = self.icr
        if not icr & self.ims:
            return 0
        self.icr = 0
        return icr

    def write_ims(self, bits: int) -> None:
        """Enable causes; a latched enabled cause asserts the line at once."""
        self.ims |= bits
        if self.ims_log is not None:
            self.ims_log.append((self.k.now_ns, self.ims))
        if self.icr & self.ims:
            self._raise()

    def write_imc(self, bits: int) -> None:
        """Disable (mask) causes."""
        self.ims &= ~bits
        if self.ims_log is not None:
            self.ims_log.append((self.k.now_ns, self.ims))

    # -- interrupts -----------------------------------------------------------------------

    def _raise(self) -> None:
        if self.itr_timer is not None:
            self.k.hw.cancel(self.itr_timer)
            self.itr_timer = None
        self.itr_frames = 0
        self.irqs_raised += 1
        self.k.hw.assert_irq(self.irq)

    def _cause(self, bits: int) -> None:
        """Latch `bits` in ICR; assert if enabled (RX causes through the moderation)."""
        self.icr |= bits
        if not self.ims & bits:
            return
        if not bits & SIMNIC_RX_CAUSES or not (self.rx_usecs or self.rx_frames):
            self._raise()
            return
        self.itr_frames += 1
        if self.rx_frames and self.itr_frames >= self.rx_frames:
            self._raise()
        elif self.rx_usecs and self.itr_timer is None:
            self.itr_timer = self.k.hw.schedule(self.k.now_ns + self.rx_usecs * 1000,
                                                self._itr_expired)

    def _itr_expired(self) -> None:
        self.itr_timer = None
        if self.icr & self.ims:
            self._raise()

    # -- receive --------------------------------------------------------------------------

    def rx_frame(self, frame: bytes) -> None:
        """A frame arrives from the wire: DMA it into the next posted buffer, or drop it."""
        if not self.rx_enabled:
            return
        head = self.rx_head
        if head == self.rx_tail:
            self.mpc += 1
            self.rqdpc += 1
            self._cause(SIMNIC_ICR_RXO)
            return
        desc = self.rx_ring[head]
        n = len(frame)
        skb = desc.buf
        if skb is None or n > desc.buf_len:
            self.rlec += 1
            return
        off = skb.data
        skb.buf[off:off + n] = frame
        desc.length = n
        desc.status = SIMNIC_DESC_DD
        head += 1
        self.rx_head = 0 if head == len(self.rx_ring) else head
        self.gprc += 1
        self.gorc += n
        self._cause(SIMNIC_ICR_RXT0)

    # -- transmit -------------------------------------------------------------------------

    def wire_time_ns(self, length: int) -> int:
        """Serialization time of a `length`-byte frame (padding, preamble, FCS, IFG)."""
        return (max(length, SIMNIC_MIN_FRAME) + SIMNIC_WIRE_OVERHEAD) * 8_000 // self.speed_mbps

    def _tx_start(self) -> None:
        head = self.tx_head
        if head == self.tx_tail or not self.tx_enabled or self.tx_stalled:
            self.tx_active = False
            return
        self.tx_active = True
        skb = self.tx_ring[head].buf
        assert skb is not None
        if skb.data_len:
            frame = core_skbuff.skb_copy_bits(skb, 0, skb.len) or b""
        else:
            frame = bytes(skb.buf[skb.data:skb.tail])
        if len(frame) < SIMNIC_MIN_FRAME:  # the MAC pads short frames (TCTL.PSP)
            frame += bytes(SIMNIC_MIN_FRAME - len(frame))
        start = max(self.k.now_ns, self.wire_free)
        self.wire_free = start + self.wire_time_ns(len(frame))
        self.tx_event = self.k.hw.schedule(self.wire_free, self._tx_done, frame)

    def _tx_done(self, frame: bytes) -> None:
        self.tx_event = None
        desc = self.tx_ring[self.tx_head]
        desc.status = SIMNIC_DESC_DD
        head = self.tx_head + 1
        self.tx_head = 0 if head == len(self.tx_ring) else head
        self.gptc += 1
        self.gotc += len(frame)
        peer = self.peer
        if peer is not None:
            self.k.hw.schedule(self.k.now_ns + self.latency_ns, peer.rx_frame, frame)
        self._cause(SIMNIC_ICR_TXDW)
        self._tx_start()


def simnic_connect(a: simnic_hw, b: simnic_hw, speed_mbps: int = 1000,
                   latency_ns: int = 1000) -> None:
    """Plug a cable between two controllers (full duplex, same speed and latency each way);
    both ends see a link status change (a hardware event at the current time)."""
    if speed_mbps <= 0 or latency_ns < 0:
        raise ValueError("speed must be positive and latency non-negative")
    for x, y in ((a, b), (b, a)):
        x.peer = y
        x.speed_mbps = speed_mbps
        x.latency_ns = latency_ns
    a.k.hw.schedule(a.k.now_ns, a._link_changed)


class simnic_traffic_gen:
    """An external traffic generator on the RX side: offers frames at `rate_pps`.

    `frame(seq) -> bytes` builds frame number `seq` (or pass fixed bytes). Frames arrive at
    `start_ns + i * 1e9 / rate_pps` until `stop_ns` (exclusive); `offered` counts them.
    One hardware event per frame, each scheduling the next.
    """

    __slots__ = ("frame", "hw", "interval_ns", "next_ns", "offered", "stop_ns")

    def __init__(self, hw: simnic_hw, frame: bytes | Callable[[int], bytes], rate_pps: float,
                 start_ns: int, stop_ns: int) -> None:
        if rate_pps <= 0:
            raise ValueError("rate must be positive")
        self.hw = hw
        if callable(frame):
            self.frame = frame
        else:
            fixed = bytes(frame)
            self.frame = lambda seq: fixed
        self.interval_ns = 1e9 / rate_pps
        self.next_ns = float(start_ns)
        self.stop_ns = stop_ns
        self.offered = 0
        if start_ns < stop_ns:
            hw.k.hw.schedule(start_ns, self._arrive)

    def _arrive(self) -> None:
        seq = self.offered
        self.offered += 1
        self.next_ns += self.interval_ns
        at = int(self.next_ns)
        if at < self.stop_ns:  # before delivering: the IRQ it raises may run past `at`
            self.hw.k.hw.schedule(at, self._arrive)
        self.hw.rx_frame(self.frame(seq))

