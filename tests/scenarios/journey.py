"""Golden journeys: what every packet did during one step of a scenario, as stable text.

`journey_recorder(k)` attaches to the skb tracepoints (net_dev_queue, net_dev_start_xmit,
net_dev_xmit, netif_rx, netif_receive_skb, kfree_skb, consume_skb), the neighbour ones
(NUD state changes) and, through `skbuff.trace.ftrace`, to the entry of every function on the
IPv4 skb path. Each event is one line `LABEL NETNS DEV EVENT`; skbs are labelled `#1, #2…`
in order of first sight (ids differ between runs of different tests, labels do not) and the
first sighting says what the packet is. No times: the golden must not move when a cost in
`kernel/cost.py` does.

`check_golden(name, text)` compares with tests/scenarios/golden/NAME.txt; with
SKBUFF_UPDATE_GOLDEN=1 in the environment it (re)writes the file instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skbuff.net.core import skbuff
from skbuff.trace import ftrace
from skbuff.uapi import neighbour as uapi_neigh
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_TIME_EXCEEDED

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.skbuff import sk_buff

GOLDEN_DIR = Path(__file__).parent / "golden"
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
_NUD = {v: k[4:] for k, v in vars(uapi_neigh).items()
        if k.startswith("NUD_") and isinstance(v, int) and v and not v & (v - 1)}
_NUD[0] = "NONE"
_ICMP = {ICMP_ECHO: "echo request", ICMP_ECHOREPLY: "echo reply",
         ICMP_DEST_UNREACH: "dest unreachable", ICMP_TIME_EXCEEDED: "time exceeded"}
_SKB_TRACEPOINTS = ("net_dev_queue", "net_dev_start_xmit", "netif_rx", "netif_receive_skb")
_NEIGH_TRACEPOINTS = ("neigh_update", "neigh_update_done", "neigh_event_send_done",
                      "neigh_timer_handler")


def _ip(a: int) -> str:
    return f"{a >> 24 & 255}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"


def describe(skb: sk_buff) -> str:
    """What the packet is, from its network header (if set)."""
    nh = skb.network_header
    if nh == skbuff.HEADER_UNSET or nh + 20 > len(skb.buf):
        return f"proto 0x{skb.protocol:04x} len {skb.len}"
    if skb.protocol == ETH_P_ARP:
        arp = skbuff.arp_hdr(skb)
        buf = skb.buf
        sip = int.from_bytes(buf[nh + 14:nh + 18], "big")
        tip = int.from_bytes(buf[nh + 24:nh + 28], "big")
        op = {1: "request", 2: "reply"}.get(arp.ar_op, str(arp.ar_op))
        return f"ARP {op} {_ip(sip)} > {_ip(tip)}"
    iph = skbuff.ip_hdr(skb)
    if iph.version != 4:
        return f"proto 0x{skb.protocol:04x} len {skb.len}"
    what = {1: "ICMP", 17: "UDP"}.get(iph.protocol, f"proto {iph.protocol}")
    off = iph.frag_off
    frag = f" frag off {(off & 0x1FFF) * 8}{'+' if off & 0x2000 else ''}" if off & 0x3FFF else ""
    if iph.protocol == 1 and not off & 0x1FFF:
        t = skb.buf[nh + iph.ihl * 4]
        what = f"ICMP {_ICMP.get(t, f'type {t}')}"
    df = " DF" if off & 0x4000 else ""
    return f"{what} {_ip(iph.saddr)} > {_ip(iph.daddr)} ttl {iph.ttl} len {skb.len}{df}{frag}"


class journey_recorder:
    """Records the events of every skb between `start()` and `stop()` into `lines`.
    `functions=False` keeps to the tracepoints (no ftrace patching)."""

    def __init__(self, k: Kernel, functions: bool = True) -> None:
        self.k = k
        self.functions = functions
        self.lines: list[str] = []
        self._labels: dict[int, str] = {}
        self._nud: dict[int, tuple[Any, int]] = {}
        self._ops = ftrace.ftrace_ops(self._on_function)
        self._probes: list[tuple[str, Any]] = []

    def start(self) -> None:
        for name in _SKB_TRACEPOINTS:
            self._attach(name, self._skb_probe(name))
        self._attach("net_dev_xmit", self._on_net_dev_xmit)
        self._attach("kfree_skb", self._on_kfree_skb)
        self._attach("consume_skb", self._on_consume_skb)
        for name in _NEIGH_TRACEPOINTS:
            self._attach(name, self._on_neigh)
        self._attach("neigh_create", self._on_neigh_create)
        if self.functions and ftrace.register_ftrace_function(self._ops):
            raise RuntimeError("another journey tracer is registered")

    def stop(self) -> None:
        ftrace.unregister_ftrace_function(self._ops)
        for name, probe in self._probes:
            self.k.trace.detach(name, probe)
        self._probes = []

    def __enter__(self) -> journey_recorder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def _attach(self, name: str, probe: Any) -> None:
        self.k.trace.attach(name, probe)
        self._probes.append((name, probe))

    def _where(self, skb: sk_buff) -> str:
        """NETNS DEV of the skb: its device, else its route's namespace (DEV "-")."""
        dev = skb.dev
        if dev is not None:
            return f"{dev.nd_net.name or 'init'} {dev.name}"
        dst = skbuff.skb_dst(skb)
        if dst is not None and dst.dev is not None:
            return f"{dst.dev.nd_net.name or 'init'} -"
        sk = skb.sk
        return f"{sk.sk_net.name or 'init'} -" if sk is not None else "? -"

    def _emit(self, skb: sk_buff, event: str, where: str | None = None) -> None:
        self._check_nud()
        label = self._labels.get(skb.id)
        if label is None:
            label = self._labels[skb.id] = f"#{len(self._labels) + 1}"
            event = f"{event}  [{describe(skb)}]"
        self.lines.append(f"{label:>4} {where or self._where(skb)} {event}")

    def _skb_probe(self, name: str) -> Any:
        def probe(skb: sk_buff, *_: Any) -> None:
            self._emit(skb, f"tp:{name}")
        return probe

    def _on_net_dev_xmit(self, skb: sk_buff, rc: int, dev: Any, length: int) -> None:
        """The device is the tracepoint's: a veth has already handed the skb to its peer."""
        self._emit(skb, f"tp:net_dev_xmit rc={rc}", f"{dev.nd_net.name or 'init'} {dev.name}")

    def _on_kfree_skb(self, skb: sk_buff, location: str, reason: Any) -> None:
        self._emit(skb, f"tp:kfree_skb {location} {reason.name}")

    def _on_consume_skb(self, skb: sk_buff, location: str) -> None:
        self._emit(skb, f"tp:consume_skb {location}")

    def _on_function(self, name: str, caller: str, skb: sk_buff | None) -> None:
        if skb is not None:
            self._emit(skb, f"{name} <- {caller}")

    def _on_neigh(self, n: Any, *_: Any) -> None:
        """Any neighbour tracepoint: start watching `n`, report state changes so far."""
        if id(n) not in self._nud:
            self._nud[id(n)] = (n, 0)
        self._check_nud()

    def _on_neigh_create(self, tbl: Any, dev: Any, pkey: Any, n: Any, *_: Any) -> None:
        self._on_neigh(n)

    def _check_nud(self) -> None:
        """Report every watched neighbour whose NUD state changed since last seen (checked
        at each event, so a change shows up before the next packet step)."""
        for key, (n, old) in self._nud.items():
            new = n.nud_state
            if new == old:
                continue
            self._nud[key] = (n, new)
            self.lines.append(f"   - {n.dev.nd_net.name or 'init'} {n.dev.name} nud "
                              f"{_ip(n.primary_key)} {_NUD.get(old, hex(old))} -> "
                              f"{_NUD.get(new, hex(new))}")


def check_golden(name: str, text: str) -> None:
    """Assert `text` equals golden/NAME.txt (SKBUFF_UPDATE_GOLDEN=1 rewrites it)."""
    path = GOLDEN_DIR / f"{name}.txt"
    if os.environ.get("SKBUFF_UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no golden {path}: run with SKBUFF_UPDATE_GOLDEN=1"
    want = path.read_text()
    assert text == want, f"journey differs from {path} (SKBUFF_UPDATE_GOLDEN=1 to accept)"
