"""The IPv4 protocol handler table: which function an IP packet's `protocol` byte reaches.

Kernel: net/ipv4/protocol.c inet_add_protocol/inet_del_protocol, include/net/protocol.h
struct net_protocol. The kernel's array is global; here it is per namespace
(`net.ipv4.inet_protos`, 256 slots) so that no module holds state, and registration takes
the namespace first. `af_inet.inet_init_net` registers ICMP and UDP in every namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

MAX_INET_PROTOS = 256


class net_protocol:
    """struct net_protocol. `handler(skb) -> int` owns the skb (negative = resubmit as that
    protocol); `err_handler(skb, info) -> int` is told about an ICMP error for this protocol.

    Kernel: include/net/protocol.h struct net_protocol.
    """

    __slots__ = ("err_handler", "handler", "no_policy")

    def __init__(
        self,
        handler: Callable[[sk_buff], int],
        err_handler: Callable[[sk_buff, int], int] | None = None,
        no_policy: bool = True,
    ) -> None:
        self.handler = handler
        self.err_handler = err_handler
        self.no_policy = no_policy


def inet_add_protocol(net: Net, prot: net_protocol, protocol: int) -> int:
    """0, or -1 if the slot is taken. Kernel: net/ipv4/protocol.c inet_add_protocol."""
    protos = net.ipv4.inet_protos
    if protos[protocol] is not None:
        return -1
    protos[protocol] = prot
    return 0


def inet_del_protocol(net: Net, prot: net_protocol, protocol: int) -> int:
    """0, or -1 if `prot` is not the registered handler.

    Kernel: net/ipv4/protocol.c inet_del_protocol.
    """
    protos = net.ipv4.inet_protos
    if protos[protocol] is not prot:
        return -1
    protos[protocol] = None
    return 0
