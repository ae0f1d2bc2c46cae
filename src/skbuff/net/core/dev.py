"""Network devices: struct net_device, its life cycle, and the receive/transmit core.

Kernel: net/core/dev.c, net/core/hotdata.c, include/linux/netdevice.h.

Contexts: registration, open/close and flag changes run in process context under the (implicit)
RTNL lock. `netif_rx` may be called from any context; `netif_receive_skb` and NAPI polls run in
NET_RX softirq context. Every skb handed to a function here is owned by the callee unless the
docstring says otherwise.
"""

from __future__ import annotations

import errno
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from skbuff.compat import slotted
from skbuff.kernel import cpu, notifier, printk, softirq, timer
from skbuff.kernel import jiffies as kjiffies
from skbuff.kernel.bug import KernelBug, NapiContractViolation
from skbuff.kernel.current import current_kernel
from skbuff.net.core import link_watch, rtnl_link, skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.core.skbuff import HEADER_UNSET
from skbuff.net.sched import sch_generic
from skbuff.trace.tracepoint import TRACEPOINT_OFF
from skbuff.uapi import if_link, if_packet
from skbuff.uapi.if_ether import ETH_P_ALL
from skbuff.uapi.if_link import (
    IF_OPER_UNKNOWN,
    IF_OPER_UP,
    IFF_ALLMULTI,
    IFF_DORMANT,
    IFF_LOWER_UP,
    IFF_PROMISC,
    IFF_RUNNING,
    IFF_UP,
    IFNAMSIZ,
)

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.rtnetlink import netlink_ext_ack
    from skbuff.net.core.skbuff import sk_buff

# enum netdev_cmd (include/linux/netdevice.h)
NETDEV_UP = 1
NETDEV_DOWN = 2
NETDEV_REBOOT = 3
NETDEV_CHANGE = 4
NETDEV_REGISTER = 5
NETDEV_UNREGISTER = 6
NETDEV_CHANGEMTU = 7
NETDEV_CHANGEADDR = 8
NETDEV_PRE_CHANGEADDR = 9
NETDEV_GOING_DOWN = 10
NETDEV_CHANGENAME = 11
NETDEV_FEAT_CHANGE = 12
NETDEV_BONDING_FAILOVER = 13
NETDEV_PRE_UP = 14
NETDEV_PRE_TYPE_CHANGE = 15
NETDEV_POST_TYPE_CHANGE = 16
NETDEV_POST_INIT = 17
NETDEV_PRE_UNINIT = 18
NETDEV_RELEASE = 19
NETDEV_NOTIFY_PEERS = 20
NETDEV_JOIN = 21
NETDEV_CHANGEUPPER = 22
NETDEV_RESEND_IGMP = 23
NETDEV_PRECHANGEMTU = 24
NETDEV_CHANGEINFODATA = 25
NETDEV_BONDING_INFO = 26
NETDEV_PRECHANGEUPPER = 27
NETDEV_CHANGELOWERSTATE = 28
NETDEV_UDP_TUNNEL_PUSH_INFO = 29
NETDEV_UDP_TUNNEL_DROP_INFO = 30
NETDEV_CHANGE_TX_QUEUE_LEN = 31

# enum netdev_reg_state
NETREG_UNINITIALIZED = 0
NETREG_REGISTERED = 1
NETREG_UNREGISTERING = 2
NETREG_UNREGISTERED = 3
NETREG_RELEASED = 4
NETREG_DUMMY = 5

# enum netdev_state_t: bit numbers in dev.state
__LINK_STATE_START = 0
__LINK_STATE_PRESENT = 1
__LINK_STATE_NOCARRIER = 2
__LINK_STATE_LINKWATCH_PENDING = 3
__LINK_STATE_DORMANT = 4
__LINK_STATE_TESTING = 5

# enum netdev_queue_state_t
__QUEUE_STATE_DRV_XOFF = 0
__QUEUE_STATE_STACK_XOFF = 1
__QUEUE_STATE_FROZEN = 2
QUEUE_STATE_DRV_XOFF = 1 << __QUEUE_STATE_DRV_XOFF
QUEUE_STATE_STACK_XOFF = 1 << __QUEUE_STATE_STACK_XOFF
QUEUE_STATE_FROZEN = 1 << __QUEUE_STATE_FROZEN
QUEUE_STATE_ANY_XOFF = QUEUE_STATE_DRV_XOFF | QUEUE_STATE_STACK_XOFF
QUEUE_STATE_ANY_XOFF_OR_FROZEN = QUEUE_STATE_ANY_XOFF | QUEUE_STATE_FROZEN

# enum netdev_priv_flags (the ones the stack looks at)
IFF_802_1Q_VLAN = 1 << 0
IFF_EBRIDGE = 1 << 1
IFF_BONDING = 1 << 2
IFF_ISATAP = 1 << 3
IFF_WAN_HDLC = 1 << 4
IFF_XMIT_DST_RELEASE = 1 << 5
IFF_DONT_BRIDGE = 1 << 6
IFF_DISABLE_NETPOLL = 1 << 7
IFF_MACVLAN_PORT = 1 << 8
IFF_BRIDGE_PORT = 1 << 9
IFF_OVS_DATAPATH = 1 << 10
IFF_TX_SKB_SHARING = 1 << 11
IFF_UNICAST_FLT = 1 << 12
IFF_TEAM_PORT = 1 << 13
IFF_SUPP_NOFCS = 1 << 14
IFF_LIVE_ADDR_CHANGE = 1 << 15
IFF_MACVLAN = 1 << 16
IFF_XMIT_DST_RELEASE_PERM = 1 << 17
IFF_L3MDEV_MASTER = 1 << 18
IFF_NO_QUEUE = 1 << 19
IFF_OPENVSWITCH = 1 << 20
IFF_L3MDEV_SLAVE = 1 << 21
IFF_TEAM = 1 << 22
IFF_RXFH_CONFIGURED = 1 << 23
IFF_PHONY_HEADROOM = 1 << 24
IFF_MACSEC = 1 << 25
IFF_NO_RX_HANDLER = 1 << 26
IFF_FAILOVER = 1 << 27
IFF_FAILOVER_SLAVE = 1 << 28
IFF_L3MDEV_RX_HANDLER = 1 << 29
IFF_NO_ADDRCONF = 1 << 30
IFF_TX_SKB_NO_LINEAR = 1 << 31

# enum netdev_tx / NET_XMIT_* / NET_RX_*
NETDEV_TX_OK = 0x00
NETDEV_TX_BUSY = 0x10
NET_XMIT_SUCCESS = 0x00
NET_XMIT_DROP = 0x01
NET_XMIT_CN = 0x02
NET_XMIT_MASK = 0x0F
NET_RX_SUCCESS = 0
NET_RX_DROP = 1

# NET_NAME_* (include/uapi/linux/netdevice.h)
NET_NAME_UNKNOWN = 0
NET_NAME_ENUM = 1
NET_NAME_PREDICTABLE = 2
NET_NAME_USER = 3
NET_NAME_RENAMED = 4

# link_mode (IF_LINK_MODE_*)
IF_LINK_MODE_DEFAULT = 0
IF_LINK_MODE_DORMANT = 1
IF_LINK_MODE_TESTING = 2

# NAPI state bits (enum NAPI_STATE_*) and masks
NAPI_STATE_SCHED = 0
NAPI_STATE_MISSED = 1
NAPI_STATE_DISABLE = 2
NAPI_STATE_NPSVC = 3
NAPI_STATE_LISTED = 4
NAPI_STATE_NO_BUSY_POLL = 5
NAPI_STATE_IN_BUSY_POLL = 6
NAPI_STATE_PREFER_BUSY_POLL = 7
NAPI_STATE_THREADED = 8
NAPI_STATE_SCHED_THREADED = 9
NAPIF_STATE_SCHED = 1 << NAPI_STATE_SCHED
NAPIF_STATE_MISSED = 1 << NAPI_STATE_MISSED
NAPIF_STATE_DISABLE = 1 << NAPI_STATE_DISABLE
NAPIF_STATE_NPSVC = 1 << NAPI_STATE_NPSVC
NAPIF_STATE_LISTED = 1 << NAPI_STATE_LISTED
NAPIF_STATE_NO_BUSY_POLL = 1 << NAPI_STATE_NO_BUSY_POLL
NAPIF_STATE_IN_BUSY_POLL = 1 << NAPI_STATE_IN_BUSY_POLL
NAPIF_STATE_PREFER_BUSY_POLL = 1 << NAPI_STATE_PREFER_BUSY_POLL
NAPIF_STATE_THREADED = 1 << NAPI_STATE_THREADED
NAPIF_STATE_SCHED_THREADED = 1 << NAPI_STATE_SCHED_THREADED
NAPI_POLL_WEIGHT = 64

# enum gro_result
GRO_MERGED = 0
GRO_MERGED_FREE = 1
GRO_HELD = 2
GRO_NORMAL = 3
GRO_CONSUMED = 4

DEFAULT_TX_QUEUE_LEN = 1000  # include/net/pkt_sched.h
MAX_NETDEVICES = 8 * 4096  # __dev_alloc_name: one page of bits
XMIT_RECURSION_LIMIT = 8
WAIT_REFS_MIN_MSECS = 1
WAIT_REFS_MAX_MSECS = 250
VLAN_HLEN = 4
HH_DATA_MOD = 16
# include/uapi/linux/if.h IFF_VOLATILE
IFF_VOLATILE = (
    if_link.IFF_LOOPBACK
    | if_link.IFF_POINTOPOINT
    | if_link.IFF_BROADCAST
    | if_link.IFF_ECHO
    | if_link.IFF_MASTER
    | if_link.IFF_SLAVE
    | IFF_RUNNING
    | IFF_LOWER_UP
    | IFF_DORMANT
)


# --------------------------------------------------------------------------------------------
# Structures


@slotted
@dataclass
class net_device_ops:
    """Kernel: include/linux/netdevice.h struct net_device_ops (the callbacks we model).

    Signatures follow the kernel: `ndo_start_xmit(skb, dev) -> NETDEV_TX_*` (owns the skb on
    NETDEV_TX_OK), `ndo_open(dev) -> int`, `ndo_tx_timeout(dev, txqueue)`,
    `ndo_change_mtu(dev, new_mtu) -> int`, `ndo_set_mac_address(dev, addr: bytes) -> int`,
    `ndo_get_stats64(dev, stats)`, `ndo_get_iflink(dev) -> int`,
    `ndo_select_queue(dev, skb, sb_dev) -> int`, `ndo_neigh_setup(dev, parms) -> int`.
    """

    ndo_init: Callable[[net_device], int] | None = None
    ndo_uninit: Callable[[net_device], None] | None = None
    ndo_open: Callable[[net_device], int] | None = None
    ndo_stop: Callable[[net_device], int] | None = None
    ndo_start_xmit: Callable[[sk_buff, net_device], int] | None = None
    ndo_select_queue: Callable[[net_device, sk_buff, net_device | None], int] | None = None
    ndo_set_rx_mode: Callable[[net_device], None] | None = None
    ndo_set_mac_address: Callable[[net_device, bytes], int] | None = None
    ndo_validate_addr: Callable[[net_device], int] | None = None
    ndo_change_mtu: Callable[[net_device, int], int] | None = None
    ndo_tx_timeout: Callable[[net_device, int], None] | None = None
    ndo_get_stats64: Callable[[net_device, Any], None] | None = None
    ndo_get_iflink: Callable[[net_device], int] | None = None
    ndo_neigh_setup: Callable[[net_device, Any], int] | None = None
    ndo_change_carrier: Callable[[net_device, bool], int] | None = None


@slotted
@dataclass
class header_ops:
    """Kernel: include/linux/netdevice.h struct header_ops.

    `create(skb, dev, type, daddr, saddr, len) -> int` (header length, negative if incomplete),
    `parse(skb) -> bytes` (source hardware address), `cache(neigh, hh, type) -> int`,
    `cache_update(hh, dev, haddr)`, `validate(ll_header: bytes) -> bool`,
    `parse_protocol(skb) -> int`.
    """

    create: Callable[..., int] | None = None
    parse: Callable[[sk_buff], bytes] | None = None
    cache: Callable[..., int] | None = None
    cache_update: Callable[..., None] | None = None
    validate: Callable[[bytes], bool] | None = None
    parse_protocol: Callable[[sk_buff], int] | None = None


@slotted
@dataclass
class net_device_stats:
    """Kernel: include/linux/netdevice.h struct net_device_stats (also rtnl_link_stats64)."""

    rx_packets: int = 0
    tx_packets: int = 0
    rx_bytes: int = 0
    tx_bytes: int = 0
    rx_errors: int = 0
    tx_errors: int = 0
    rx_dropped: int = 0
    tx_dropped: int = 0
    multicast: int = 0
    collisions: int = 0
    rx_length_errors: int = 0
    rx_over_errors: int = 0
    rx_crc_errors: int = 0
    rx_frame_errors: int = 0
    rx_fifo_errors: int = 0
    rx_missed_errors: int = 0
    tx_aborted_errors: int = 0
    tx_carrier_errors: int = 0
    tx_fifo_errors: int = 0
    tx_heartbeat_errors: int = 0
    tx_window_errors: int = 0
    rx_compressed: int = 0
    tx_compressed: int = 0
    rx_nohandler: int = 0
    rx_otherhost_dropped: int = 0


NET_DEVICE_STATS_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(net_device_stats))


def netdev_stats_to_stats64(stats64: net_device_stats | if_link.rtnl_link_stats64,
                            netdev_stats: net_device_stats) -> None:
    """Copy every counter (both structs have the same fields, in the same order).
    Kernel: net/core/dev.c netdev_stats_to_stats64."""
    for name in NET_DEVICE_STATS_FIELDS:
        setattr(stats64, name, getattr(netdev_stats, name))


@slotted
@dataclass
class net_device_core_stats:
    """Kernel: include/linux/netdevice.h struct net_device_core_stats.

    Per-CPU in the kernel and summed on read; one object here (the sum is what is reported).
    """

    rx_dropped: int = 0
    tx_dropped: int = 0
    rx_nohandler: int = 0
    rx_otherhost_dropped: int = 0


class netdev_queue:
    """Kernel: include/linux/netdevice.h struct netdev_queue (one TX queue)."""

    __slots__ = (
        "dev",
        "qdisc",
        "qdisc_sleeping",
        "queue_index",
        "state",
        "trans_start",
        "trans_timeout",
        "xmit_lock_owner",
    )

    def __init__(self, dev: net_device, index: int) -> None:
        self.dev = dev
        self.qdisc: sch_generic.Qdisc = dev.nd_net.kernel.net_hotdata.noop_qdisc
        self.qdisc_sleeping: sch_generic.Qdisc = self.qdisc
        self.state = 0
        self.trans_start = 0
        self.trans_timeout = 0
        self.xmit_lock_owner = -1
        self.queue_index = index


@slotted
@dataclass
class rtnl_link_ops:
    """Kernel: include/net/rtnetlink.h struct rtnl_link_ops.

    `setup(dev)`; `validate(tb, data, extack) -> int`;
    `newlink(src_net, dev, tb, data, extack) -> int` (registers `dev`);
    `dellink(dev, head: list)`; `get_link_net(dev) -> Net`; `get_num_tx_queues()`.
    `fill_info(dev) -> dict` gives the IFLA_INFO_DATA attributes.
    """

    kind: str
    setup: Callable[[net_device], None]
    priv: Callable[[], Any] | None = None
    validate: Callable[..., int] | None = None
    newlink: Callable[..., int] | None = None
    dellink: Callable[[net_device, list[net_device]], None] | None = None
    get_link_net: Callable[[net_device], Net] | None = None
    fill_info: Callable[[net_device], dict[int, Any]] | None = None
    netns_refund: bool = False


@slotted
@dataclass
class netdev_notifier_info:
    """Kernel: include/linux/netdevice.h struct netdev_notifier_info."""

    dev: net_device
    extack: netlink_ext_ack | None = None


@slotted
@dataclass
class netdev_notifier_change_info(netdev_notifier_info):
    """NETDEV_CHANGE: which flags changed.

    Kernel: include/linux/netdevice.h struct netdev_notifier_change_info.
    """

    flags_changed: int = 0


@slotted
@dataclass
class netdev_notifier_info_ext(netdev_notifier_info):
    """NETDEV_CHANGEMTU / PRECHANGEMTU carry the old/new mtu in `ext_mtu`;
    NETDEV_PRE_CHANGEADDR carries the new address in `ext_addr`.
    Kernel: include/linux/netdevice.h struct netdev_notifier_info_ext."""

    ext_mtu: int = 0
    ext_addr: bytes = b""


def netdev_notifier_info_to_dev(info: netdev_notifier_info) -> net_device:
    """Kernel: include/linux/netdevice.h netdev_notifier_info_to_dev."""
    return info.dev


class net_device:
    """Kernel: include/linux/netdevice.h struct net_device. Allocate with `alloc_netdev_mqs`.

    `refcnt` starts at 1 (the device's own reference, dropped by `netdev_run_todo`).
    `priv` is the driver's private object (`netdev_priv(dev)`).
    """

    __slots__ = (
        "_tx",
        "addr_assign_type",
        "addr_len",
        "allmulti",
        "broadcast",
        "carrier_down_count",
        "carrier_up_count",
        "core_stats",
        "dev_addr",
        "dev_id",
        "dev_port",
        "dismantle",
        "ethtool_ops",
        "flags",
        "gflags",
        "gro_max_size",
        "group",
        "gso_max_segs",
        "gso_max_size",
        "hard_header_len",
        "header_ops",
        "ifalias",
        "ifindex",
        "iflink",
        "ip_ptr",
        "link_mode",
        "lltx",
        "max_mtu",
        "min_header_len",
        "min_mtu",
        "ml_priv",
        "mtu",
        "name",
        "name_assign_type",
        "napi_list",
        "nd_net",
        "needed_headroom",
        "needed_tailroom",
        "needs_free_netdev",
        "netdev_ops",
        "netns_local",
        "num_rx_queues",
        "num_tx_queues",
        "operstate",
        "perm_addr",
        "priv",
        "priv_destructor",
        "priv_flags",
        "promiscuity",
        "ptype_all",
        "ptype_specific",
        "qdisc",
        "real_num_rx_queues",
        "real_num_tx_queues",
        "refcnt",
        "reg_state",
        "rtnl_link_ops",
        "rtnl_link_state",
        "state",
        "stats",
        "tso_max_size",
        "tx_queue_len",
        "type",
        "watchdog_ref_held",
        "watchdog_timeo",
        "watchdog_timer",
    )

    def __init__(self, net: Net) -> None:
        self.name = ""
        self.name_assign_type = NET_NAME_UNKNOWN
        self.ifalias: str | None = None
        self.ifindex = 0
        self.iflink = 0
        self.nd_net = net
        self.flags = 0
        self.gflags = 0
        self.priv_flags = 0
        self.lltx = False
        self.netns_local = False
        self.mtu = 0
        self.min_mtu = 0
        self.max_mtu = 0
        self.type = 0
        self.hard_header_len = 0
        self.min_header_len = 0
        self.needed_headroom = 0
        self.needed_tailroom = 0
        self.addr_len = 0
        self.addr_assign_type = 0
        self.dev_addr = b""
        self.perm_addr = b""
        self.broadcast = b""
        self.tx_queue_len = 0
        self.netdev_ops = net_device_ops()
        self.header_ops: header_ops | None = None
        self.ethtool_ops: Any = None
        self.state = 0
        self.reg_state = NETREG_UNINITIALIZED
        self.operstate = IF_OPER_UNKNOWN
        self.link_mode = IF_LINK_MODE_DEFAULT
        self.group = 0
        self.stats = net_device_stats()
        self.core_stats = net_device_core_stats()
        self.ip_ptr: Any = None
        self.qdisc: sch_generic.Qdisc = net.kernel.net_hotdata.noop_qdisc
        self._tx: list[netdev_queue] = []
        self.num_tx_queues = 0
        self.real_num_tx_queues = 0
        self.num_rx_queues = 0
        self.real_num_rx_queues = 0
        self.watchdog_timeo = 0
        self.watchdog_timer = timer.timer_list()
        self.napi_list: list[napi_struct] = []
        self.priv: Any = None
        self.rtnl_link_ops: rtnl_link_ops | None = None
        self.refcnt = 1
        self.promiscuity = 0
        self.allmulti = 0
        self.carrier_up_count = 0
        self.carrier_down_count = 0
        self.ptype_all: list[packet_type] = []
        self.ptype_specific: list[packet_type] = []
        self.needs_free_netdev = False
        self.priv_destructor: Callable[[net_device], None] | None = None
        self.gso_max_size = 65536
        self.gso_max_segs = 65535
        self.tso_max_size = 65536
        self.gro_max_size = 65536
        self.dev_id = 0
        self.dev_port = 0
        self.dismantle = False
        self.watchdog_ref_held = False
        self.rtnl_link_state = 0  # RTNL_LINK_INITIALIZED
        self.ml_priv: Any = None

    def __repr__(self) -> str:
        return f"<net_device {self.name or '?'} ifindex={self.ifindex}>"


def netdev_priv(dev: net_device) -> Any:
    """Kernel: include/linux/netdevice.h netdev_priv."""
    return dev.priv


def dev_net(dev: net_device) -> Net:
    """Kernel: include/linux/netdevice.h dev_net."""
    return dev.nd_net


@slotted
@dataclass(eq=False)
class packet_type:
    """Kernel: include/linux/netdevice.h struct packet_type.

    `func(skb, dev, pt, orig_dev) -> NET_RX_*` owns the skb it is given (one reference).
    `type` is the host-order ethertype (ETH_P_ALL for taps); `dev` restricts to one device.
    """

    type: int
    dev: net_device | None
    func: Callable[[sk_buff, net_device, packet_type, net_device], int]
    af_packet_priv: Any = None
    ignore_outgoing: bool = False


class napi_struct:
    """Kernel: include/linux/netdevice.h struct napi_struct (no GRO hash: a batching list).

    `poll(napi, budget) -> int` runs in NET_RX softirq context; see `__napi_poll` for the
    contract it must keep.
    """

    __slots__ = (
        "defer_hard_irqs_count",
        "dev",
        "err_reported",
        "list_owner",
        "napi_id",
        "on_poll_list",
        "poll",
        "rx_count",
        "rx_list",
        "state",
        "weight",
    )

    def __init__(self) -> None:
        self.state = 0
        self.weight = 0
        self.poll: Callable[[napi_struct, int], int] | None = None
        self.dev: net_device | None = None
        self.rx_list: list[sk_buff] = []
        self.rx_count = 0
        self.on_poll_list = False
        self.list_owner = -1
        self.napi_id = 0
        self.defer_hard_irqs_count = 0
        self.err_reported = False

    def __repr__(self) -> str:
        owner = self.dev.name if self.dev is not None else "backlog"
        return f"<napi_struct {owner} state={self.state:#x}>"


class softnet_data:
    """Kernel: include/linux/netdevice.h struct softnet_data (one per CPU, `cpu.softnet_data`)."""

    __slots__ = (
        "backlog",
        "cpu",
        "dropped",
        "flow_limit_count",
        "in_net_rx_action",
        "input_pkt_queue",
        "output_queue",
        "poll_list",
        "process_queue",
        "processed",
        "received_rps",
        "time_squeeze",
        "xmit_recursion",
    )

    def __init__(self, cpu: int) -> None:
        self.cpu = cpu
        self.poll_list: deque[napi_struct] = deque()
        self.input_pkt_queue: deque[sk_buff] = deque()
        self.process_queue: deque[sk_buff] = deque()
        self.output_queue: deque[sch_generic.Qdisc] = deque()
        self.processed = 0
        self.dropped = 0
        self.time_squeeze = 0
        self.received_rps = 0
        self.flow_limit_count = 0
        self.backlog = napi_struct()
        self.backlog.poll = process_backlog
        self.in_net_rx_action = False
        self.xmit_recursion = 0


class net_hotdata:
    """Per-kernel networking globals: net/core/hotdata.c struct net_hotdata plus the file-scope
    globals of dev.c (ptype_base, net_todo_list, the default qdisc), rtnetlink.c (link kinds)
    and sock.c (buffer limits).

    The net.core sysctls (net/core/sysctl_net_core.c) read and write these fields.

    Kernel: include/net/hotdata.h struct net_hotdata.
    """

    def __init__(self, hz: int) -> None:
        self.ptype_all: list[packet_type] = []
        self.ptype_base: dict[int, list[packet_type]] = {}
        self.gro_normal_batch = 8
        self.netdev_budget = 300
        self.netdev_budget_usecs = 2 * 1_000_000 // hz
        self.tstamp_prequeue = 1
        self.max_backlog = 1000
        self.dev_weight = 64
        self.dev_weight_rx_bias = 1
        self.dev_weight_tx_bias = 1
        self.dev_rx_weight = 64
        self.dev_tx_weight = 64
        self.sysctl_max_skb_frags = 17
        self.sysctl_skb_defer_max = 64
        self.sysctl_mem_pcpu_rsv = 256
        self.netdev_flow_limit_table_len = 4096
        self.netdev_unregister_timeout_secs = 10
        self.net_todo_list: list[net_device] = []
        self.noop_qdisc = sch_generic.noop_qdisc_alloc()
        self.default_qdisc_ops: sch_generic.Qdisc_ops = sch_generic.pfifo_fast_ops
        self.napi_gen_id = 0
        # net/core/rtnetlink.c link_ops (registered kinds) and net/core/sock.c buffer limits
        self.rtnl_link_ops: dict[str, rtnl_link_ops] = {}
        self.sock_globals: Any = None


# --------------------------------------------------------------------------------------------
# Small state helpers (include/linux/netdevice.h)


def netif_running(dev: net_device) -> bool:
    """Kernel: include/linux/netdevice.h netif_running (__LINK_STATE_START)."""
    return bool(dev.state & (1 << __LINK_STATE_START))


def netif_device_present(dev: net_device) -> bool:
    """Kernel: include/linux/netdevice.h netif_device_present."""
    return bool(dev.state & (1 << __LINK_STATE_PRESENT))


def netif_carrier_ok(dev: net_device) -> bool:
    """Kernel: include/linux/netdevice.h netif_carrier_ok."""
    return not dev.state & (1 << __LINK_STATE_NOCARRIER)


def netif_dormant(dev: net_device) -> bool:
    """Kernel: include/linux/netdevice.h netif_dormant."""
    return bool(dev.state & (1 << __LINK_STATE_DORMANT))


def netif_testing(dev: net_device) -> bool:
    """Kernel: include/linux/netdevice.h netif_testing."""
    return bool(dev.state & (1 << __LINK_STATE_TESTING))


def netif_oper_up(dev: net_device) -> bool:
    """UP or UNKNOWN. Kernel: include/linux/netdevice.h netif_oper_up."""
    return dev.operstate in (IF_OPER_UP, IF_OPER_UNKNOWN)


def netif_dormant_on(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h netif_dormant_on."""
    bit = 1 << __LINK_STATE_DORMANT
    if not dev.state & bit:
        dev.state |= bit
        link_watch.linkwatch_fire_event(dev)


def netif_dormant_off(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h netif_dormant_off."""
    bit = 1 << __LINK_STATE_DORMANT
    if dev.state & bit:
        dev.state &= ~bit
        link_watch.linkwatch_fire_event(dev)


def netdev_get_tx_queue(dev: net_device, index: int) -> netdev_queue:
    """Kernel: include/linux/netdevice.h netdev_get_tx_queue."""
    return dev._tx[index]


def netif_is_multiqueue(dev: net_device) -> bool:
    """Kernel: include/linux/netdevice.h netif_is_multiqueue."""
    return dev.num_tx_queues > 1


def dev_hold(dev: net_device | None) -> None:
    """Take a reference. Kernel: include/linux/netdevice.h dev_hold."""
    if dev is not None:
        dev.refcnt += 1


def dev_put(dev: net_device | None) -> None:
    """Drop a reference taken with `dev_hold`. Kernel: include/linux/netdevice.h dev_put."""
    if dev is not None:
        if dev.refcnt <= 0:
            raise KernelBug(f"dev_put: {dev.name} refcount underflow")
        dev.refcnt -= 1


def netdev_refcnt_read(dev: net_device) -> int:
    """Kernel: net/core/dev.c netdev_refcnt_read."""
    return dev.refcnt


def dev_core_stats_rx_dropped_inc(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h dev_core_stats_rx_dropped_inc."""
    dev.core_stats.rx_dropped += 1


def dev_core_stats_tx_dropped_inc(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h dev_core_stats_tx_dropped_inc."""
    dev.core_stats.tx_dropped += 1


def dev_core_stats_rx_nohandler_inc(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h dev_core_stats_rx_nohandler_inc."""
    dev.core_stats.rx_nohandler += 1


def dev_core_stats_rx_otherhost_dropped_inc(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h dev_core_stats_rx_otherhost_dropped_inc."""
    dev.core_stats.rx_otherhost_dropped += 1


def dev_get_stats(dev: net_device) -> net_device_stats:
    """The device's stats plus the core's per-CPU drops (a fresh object).

    Kernel: net/core/dev.c dev_get_stats (ndo_get_stats64 if the driver has it, else dev->stats).
    """
    storage = net_device_stats()
    ndo = dev.netdev_ops.ndo_get_stats64
    if ndo is not None:
        ndo(dev, storage)
    else:
        netdev_stats_to_stats64(storage, dev.stats)
    core = dev.core_stats
    storage.rx_dropped += core.rx_dropped
    storage.tx_dropped += core.tx_dropped
    storage.rx_nohandler += core.rx_nohandler
    storage.rx_otherhost_dropped += core.rx_otherhost_dropped
    return storage


def dev_get_iflink(dev: net_device) -> int:
    """Kernel: net/core/dev.c dev_get_iflink (ndo_get_iflink, else the ifindex)."""
    ndo = dev.netdev_ops.ndo_get_iflink
    return ndo(dev) if ndo is not None else dev.ifindex


def netdev_log(dev: net_device, level: int, text: str) -> None:
    """printk with the netdev prefix ("<name>: "), as netdev_printk does for a parentless device.

    Kernel: net/core/dev.c __netdev_printk.
    """
    k = dev.nd_net.kernel
    state = ""
    if dev.reg_state == NETREG_UNREGISTERING:
        state = " (unregistering)"
    elif dev.reg_state == NETREG_UNINITIALIZED:
        state = " (uninitialized)"
    printk.printk(k, level, f"{dev.name or '(unnamed net_device)'}{state}: {text}")


# --------------------------------------------------------------------------------------------
# Notifiers


def call_netdevice_notifiers_info(val: int, info: netdev_notifier_info) -> int:
    """Run the netdev chain. Kernel: net/core/dev.c call_netdevice_notifiers_info."""
    k = info.dev.nd_net.kernel
    return notifier.raw_notifier_call_chain(k.netdev_chain, val, info)


def call_netdevice_notifiers(val: int, dev: net_device) -> int:
    """Kernel: net/core/dev.c call_netdevice_notifiers."""
    return call_netdevice_notifiers_info(val, netdev_notifier_info(dev))


def call_netdevice_notifiers_extack(
    val: int, dev: net_device, extack: netlink_ext_ack | None
) -> int:
    """Kernel: net/core/dev.c call_netdevice_notifiers_extack."""
    return call_netdevice_notifiers_info(val, netdev_notifier_info(dev, extack))


def call_netdevice_notifiers_mtu(val: int, dev: net_device, arg: int) -> int:
    """Kernel: net/core/dev.c call_netdevice_notifiers_mtu (info_ext.ext.mtu)."""
    return call_netdevice_notifiers_info(val, netdev_notifier_info_ext(dev, ext_mtu=arg))


def register_netdevice_notifier(k: Kernel, nb: Any) -> int:
    """Register `nb` and replay REGISTER (and UP for up devices) for every existing device.

    Kernel: net/core/dev.c register_netdevice_notifier, call_netdevice_register_net_notifiers.
    On a veto the replay is rolled back and the error returned.
    """
    err = notifier.raw_notifier_chain_register(k.netdev_chain, nb)
    if err:
        return int(err)
    done: list[net_device] = []
    for net in k.nets:
        for dev in list(net.dev_base_head.values()):
            err = notifier.notifier_to_errno(
                nb.notifier_call(nb, NETDEV_REGISTER, netdev_notifier_info(dev))
            )
            if err:
                _rollback_notifier(nb, done)
                notifier.raw_notifier_chain_unregister(k.netdev_chain, nb)
                return int(err)
            if dev.flags & IFF_UP:
                nb.notifier_call(nb, NETDEV_UP, netdev_notifier_info(dev))
            done.append(dev)
    return 0


def _rollback_notifier(nb: Any, devs: list[net_device]) -> None:
    """Kernel: net/core/dev.c call_netdevice_unregister_notifiers."""
    for dev in reversed(devs):
        if dev.flags & IFF_UP:
            nb.notifier_call(nb, NETDEV_GOING_DOWN, netdev_notifier_info(dev))
            nb.notifier_call(nb, NETDEV_DOWN, netdev_notifier_info(dev))
        nb.notifier_call(nb, NETDEV_UNREGISTER, netdev_notifier_info(dev))


def unregister_netdevice_notifier(k: Kernel, nb: Any) -> int:
    """Unregister `nb`, replaying DOWN/UNREGISTER for existing devices.

    Kernel: net/core/dev.c unregister_netdevice_notifier.
    """
    err = notifier.raw_notifier_chain_unregister(k.netdev_chain, nb)
    if err:
        return int(err)
    for net in k.nets:
        _rollback_notifier(nb, list(reversed(list(net.dev_base_head.values()))))
    return 0


def netdev_state_change(dev: net_device) -> None:
    """NETDEV_CHANGE + RTM_NEWLINK for an up device. Kernel: net/core/dev.c netdev_state_change."""
    if dev.flags & IFF_UP:
        call_netdevice_notifiers_info(NETDEV_CHANGE, netdev_notifier_change_info(dev))
        _rtmsg_ifinfo_newlink(dev, 0)


def _rtmsg_ifinfo_newlink(dev: net_device, change: int) -> None:
    """Kernel: net/core/rtnetlink.c rtmsg_ifinfo(RTM_NEWLINK, ...)."""
    rtnl_link.rtmsg_ifinfo(rtnl_link.RTM_NEWLINK, dev, change)


def _rtmsg_ifinfo_dellink(dev: net_device) -> None:
    """Kernel: net/core/dev.c unregister_netdevice_many_notify (RTM_DELLINK)."""
    rtnl_link.rtmsg_ifinfo(rtnl_link.RTM_DELLINK, dev, 0xFFFFFFFF)


# --------------------------------------------------------------------------------------------
# Names and indexes


def dev_valid_name(name: str) -> bool:
    """Kernel: net/core/dev.c dev_valid_name."""
    if not name or len(name.encode()) >= IFNAMSIZ:
        return False
    if name in (".", ".."):
        return False
    return not any(c in "/:" or c.isspace() for c in name)


def __dev_get_by_name(net: Net, name: str) -> net_device | None:
    """Kernel: net/core/dev.c __dev_get_by_name (no reference taken)."""
    return net.dev_base_head.get(name)


def dev_get_by_name(net: Net, name: str) -> net_device | None:
    """Like `__dev_get_by_name` but takes a reference. Kernel: net/core/dev.c dev_get_by_name."""
    dev = net.dev_base_head.get(name)
    dev_hold(dev)
    return dev


def __dev_get_by_index(net: Net, ifindex: int) -> net_device | None:
    """Kernel: net/core/dev.c __dev_get_by_index (no reference taken)."""
    return net.dev_index_head.get(ifindex)


def dev_get_by_index(net: Net, ifindex: int) -> net_device | None:
    """Kernel: net/core/dev.c dev_get_by_index (takes a reference)."""
    dev = net.dev_index_head.get(ifindex)
    dev_hold(dev)
    return dev


def netdev_name_in_use(net: Net, name: str) -> bool:
    """Kernel: net/core/dev.c netdev_name_in_use."""
    return name in net.dev_base_head


def __dev_alloc_name(net: Net, name: str) -> tuple[int, str]:
    """Expand a "%d" template to the lowest unused name. Returns (index or -errno, name).

    Kernel: net/core/dev.c __dev_alloc_name: -EINVAL for an invalid template, -ENFILE when
    all MAX_NETDEVICES indexes are taken.
    """
    if not dev_valid_name(name):
        return -errno.EINVAL, ""
    p = name.find("%")
    if p < 0 or name[p + 1 : p + 2] != "d" or "%" in name[p + 2 :]:
        return -errno.EINVAL, ""
    prefix, suffix = name[:p], name[p + 2 :]
    inuse: set[int] = set()
    for other in net.dev_base_head:
        if not (other.startswith(prefix) and other.endswith(suffix)):
            continue
        middle = other[len(prefix) : len(other) - len(suffix)]
        if not middle.isdigit():
            continue
        i = int(middle)
        if i < MAX_NETDEVICES and (prefix + str(i) + suffix)[: IFNAMSIZ - 1] == other:
            inuse.add(i)
    i = 0
    while i in inuse:
        i += 1
    if i >= MAX_NETDEVICES:
        return -errno.ENFILE, ""
    return i, (prefix + str(i) + suffix)[: IFNAMSIZ - 1]


def dev_alloc_name(dev: net_device, name: str) -> int:
    """Kernel: net/core/dev.c dev_alloc_name (sets dev.name; returns the index or -errno)."""
    ret, res = __dev_alloc_name(dev.nd_net, name)
    if ret >= 0:
        dev.name = res
    return ret


def dev_prep_valid_name(net: Net, dev: net_device, want_name: str, dup_errno: int) -> int:
    """Kernel: net/core/dev.c dev_prep_valid_name."""
    if not dev_valid_name(want_name):
        return -errno.EINVAL
    if "%" in want_name:
        ret, res = __dev_alloc_name(net, want_name)
        if ret < 0:
            return ret
        dev.name = res
        return 0
    if netdev_name_in_use(net, want_name):
        return -dup_errno
    dev.name = want_name
    return 0


def dev_get_valid_name(net: Net, dev: net_device, name: str) -> int:
    """Kernel: net/core/dev.c dev_get_valid_name (-EEXIST on a duplicate)."""
    return dev_prep_valid_name(net, dev, name, errno.EEXIST)


def dev_index_reserve(net: Net, ifindex: int) -> int:
    """Reserve `ifindex`, or allocate one cyclically from `net.ifindex` when it is 0.

    Kernel: net/core/dev.c dev_index_reserve (xa_alloc_cyclic over 1..INT_MAX with
    `net->ifindex` as the next hint; a fixed index that is taken gives -EBUSY).
    """
    reserved: set[int] = net.gen.setdefault("ifindex_reserved", set())
    if ifindex:
        if ifindex in net.dev_index_head or ifindex in reserved:
            return -errno.EBUSY
        reserved.add(ifindex)
        return ifindex
    start = max(net.ifindex, 1)
    i = start
    while i in net.dev_index_head or i in reserved:
        i += 1
        if i > 0x7FFFFFFF:
            i = 1
        if i == start:
            return -errno.EBUSY
    reserved.add(i)
    net.ifindex = i + 1
    return i


def dev_index_release(net: Net, ifindex: int) -> None:
    """Kernel: net/core/dev.c dev_index_release."""
    net.gen.setdefault("ifindex_reserved", set()).discard(ifindex)


def list_netdevice(dev: net_device) -> None:
    """Kernel: net/core/dev.c list_netdevice."""
    net = dev.nd_net
    net.dev_base_head[dev.name] = dev
    net.dev_index_head[dev.ifindex] = dev
    dev_index_release(net, dev.ifindex)


def unlist_netdevice(dev: net_device) -> None:
    """Kernel: net/core/dev.c unlist_netdevice."""
    net = dev.nd_net
    net.dev_base_head.pop(dev.name, None)
    net.dev_index_head.pop(dev.ifindex, None)


# --------------------------------------------------------------------------------------------
# Allocation and registration


def alloc_netdev_mqs(
    priv: Any,
    name: str,
    name_assign_type: int,
    setup: Callable[[net_device], None],
    txqs: int,
    rxqs: int,
) -> net_device | None:
    """Allocate a device in init_net, run `setup`. None for 0 queues.

    Kernel: net/core/dev.c alloc_netdev_mqs. Python change: the first argument is the driver's
    private object (kept in `dev.priv`) instead of its size.
    """
    if txqs < 1 or rxqs < 1:
        return None
    k = current_kernel()
    dev = net_device(k.init_net)
    dev.priv = priv
    dev.priv_flags = IFF_XMIT_DST_RELEASE | IFF_XMIT_DST_RELEASE_PERM
    dev.num_tx_queues = dev.real_num_tx_queues = txqs
    dev.num_rx_queues = dev.real_num_rx_queues = rxqs
    dev._tx = [netdev_queue(dev, i) for i in range(txqs)]
    dev.name = name
    dev.name_assign_type = name_assign_type
    setup(dev)
    if not dev.tx_queue_len:
        dev.priv_flags |= IFF_NO_QUEUE
        dev.tx_queue_len = DEFAULT_TX_QUEUE_LEN
    return dev


def alloc_netdev(
    priv: Any, name: str, name_assign_type: int, setup: Callable[[net_device], None]
) -> net_device | None:
    """Kernel: include/linux/netdevice.h alloc_netdev (one TX and one RX queue)."""
    return alloc_netdev_mqs(priv, name, name_assign_type, setup, 1, 1)


def alloc_etherdev(priv: Any = None) -> net_device | None:
    """Kernel: net/ethernet/eth.c alloc_etherdev_mqs ("eth%d", ether_setup)."""
    from skbuff.net.ethernet import eth

    return alloc_netdev_mqs(priv, "eth%d", NET_NAME_ENUM, eth.ether_setup, 1, 1)


def free_netdev(dev: net_device) -> None:
    """Release a device that was never registered or has been unregistered.

    Kernel: net/core/dev.c free_netdev (an UNREGISTERING device is freed by netdev_run_todo
    via needs_free_netdev instead).
    """
    if dev.reg_state == NETREG_UNREGISTERING:
        dev.needs_free_netdev = True
        return
    for napi in list(dev.napi_list):
        netif_napi_del(napi)
    dev.reg_state = NETREG_RELEASED


def register_netdevice(dev: net_device) -> int:
    """Register `dev` in its namespace. Returns 0 or -errno (nothing left half-done).

    Kernel: net/core/dev.c register_netdevice: name, ndo_init, ifindex, NETDEV_POST_INIT,
    REGISTERED, PRESENT + noop qdisc, list, NETDEV_REGISTER (a veto unregisters), RTM_NEWLINK.
    Process context, RTNL held.
    """
    net = dev.nd_net
    if dev.reg_state != NETREG_UNINITIALIZED:
        raise KernelBug(f"register_netdevice: {dev.name} reg_state {dev.reg_state}")
    ret = dev_get_valid_name(net, dev, dev.name)
    if ret < 0:
        return ret
    if dev.netdev_ops.ndo_init is not None:
        ret = dev.netdev_ops.ndo_init(dev)
        if ret:
            return -errno.EIO if ret > 0 else ret
    ret = dev_index_reserve(net, dev.ifindex)
    if ret < 0:
        _uninit(dev)
        return ret
    dev.ifindex = ret
    if not dev.iflink:
        dev.iflink = dev.ifindex
    ret = notifier.notifier_to_errno(call_netdevice_notifiers(NETDEV_POST_INIT, dev))
    if ret:
        dev_index_release(net, dev.ifindex)
        _uninit(dev)
        return ret
    dev.reg_state = NETREG_REGISTERED
    dev.state |= 1 << __LINK_STATE_PRESENT
    link_watch.linkwatch_init_dev(dev)
    sch_generic.dev_init_scheduler(dev)
    list_netdevice(dev)
    ret = notifier.notifier_to_errno(call_netdevice_notifiers(NETDEV_REGISTER, dev))
    if ret:
        unregister_netdevice_many([dev])
        return ret
    if dev.rtnl_link_ops is None or dev.rtnl_link_state == 0:  # RTNL_LINK_INITIALIZED
        _rtmsg_ifinfo_newlink(dev, 0xFFFFFFFF)
    return 0


def _uninit(dev: net_device) -> None:
    if dev.netdev_ops.ndo_uninit is not None:
        dev.netdev_ops.ndo_uninit(dev)


def register_netdev(dev: net_device) -> int:
    """register_netdevice under rtnl_lock. Kernel: net/core/dev.c register_netdev."""
    ret = register_netdevice(dev)
    netdev_run_todo(dev.nd_net.kernel)
    return ret


def unregister_netdevice_queue(dev: net_device, head: list[net_device] | None) -> None:
    """Queue on `head` or unregister now. Kernel: net/core/dev.c unregister_netdevice_queue."""
    if head is not None:
        head.append(dev)
    else:
        unregister_netdevice_many([dev])


def unregister_netdevice(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h unregister_netdevice (RTNL held; the wait for
    references happens at `netdev_run_todo`, i.e. rtnl_unlock)."""
    unregister_netdevice_many([dev])


def unregister_netdev(dev: net_device) -> None:
    """Unregister and wait for the last reference. Kernel: net/core/dev.c unregister_netdev."""
    unregister_netdevice(dev)
    netdev_run_todo(dev.nd_net.kernel)


def unregister_netdevice_many(head: list[net_device]) -> None:
    """Kernel: net/core/dev.c unregister_netdevice_many_notify (see kernel-facts §2)."""
    if not head:
        return
    todo: list[net_device] = []
    for dev in head:
        if dev.reg_state == NETREG_UNINITIALIZED:
            netdev_log(dev, printk.KERN_DEBUG, "Freeing alive device")
            continue
        if dev.reg_state != NETREG_REGISTERED:
            raise KernelBug(f"unregister_netdevice: {dev.name} reg_state {dev.reg_state}")
        todo.append(dev)
    dev_close_many(todo)
    for dev in todo:
        unlist_netdevice(dev)
        dev.reg_state = NETREG_UNREGISTERING
    for dev in todo:
        flush_backlog(dev)
        sch_generic.dev_shutdown(dev)
        call_netdevice_notifiers(NETDEV_UNREGISTER, dev)
        call_netdevice_notifiers(NETDEV_PRE_UNINIT, dev)
        _uninit(dev)
        _rtmsg_ifinfo_dellink(dev)
        link_watch.linkwatch_sync_dev(dev)
    if todo:
        todo[0].nd_net.kernel.net_hotdata.net_todo_list.extend(todo)


def flush_backlog(dev: net_device) -> None:
    """Free skbs of `dev` still on any CPU's backlog. Kernel: net/core/dev.c flush_backlog."""
    for c in dev.nd_net.kernel.cpus:
        sd: softnet_data = c.softnet_data
        for queue in (sd.input_pkt_queue, sd.process_queue):
            keep = [skb for skb in queue if skb.dev is not dev]
            gone = [skb for skb in queue if skb.dev is dev]
            queue.clear()
            queue.extend(keep)
            for skb in gone:
                dev_core_stats_rx_dropped_inc(dev)
                skbuff.kfree_skb(skb)


def netdev_run_todo(k: Kernel) -> None:
    """Finish unregistrations: wait for the references, then UNREGISTERED (and free).

    Kernel: net/core/dev.c netdev_run_todo, netdev_wait_allrefs_any. Waiting advances
    simulated time (`k.run_for`), so it must run in process context. A reference that is
    never dropped waits forever, as on a real machine, logging every
    `netdev_unregister_timeout_secs`.
    """
    hot: net_hotdata = k.net_hotdata
    while hot.net_todo_list:
        dev = netdev_wait_allrefs_any(k, hot.net_todo_list)
        hot.net_todo_list.remove(dev)
        dev.refcnt -= 1
        dev.reg_state = NETREG_UNREGISTERED
        if dev.priv_destructor is not None:
            dev.priv_destructor(dev)
        if dev.needs_free_netdev:
            free_netdev(dev)


def netdev_wait_allrefs_any(k: Kernel, todo: list[net_device]) -> net_device:
    """Kernel: net/core/dev.c netdev_wait_allrefs_any: UNREGISTER re-broadcast every second,
    the "waiting for %s to become free" message every netdev_unregister_timeout_secs."""
    for dev in todo:
        if dev.refcnt == 1:
            return dev
    wait = WAIT_REFS_MIN_MSECS
    rebroadcast_time = warning_time = k.jiffies
    while True:
        if k.jiffies > rebroadcast_time + k.hz:
            for dev in todo:
                call_netdevice_notifiers(NETDEV_UNREGISTER, dev)
            rebroadcast_time = k.jiffies
        k.run_for(wait * 1_000_000)
        wait = min(wait << 1, WAIT_REFS_MAX_MSECS)
        for dev in todo:
            if dev.refcnt == 1:
                return dev
        if k.jiffies > warning_time + k.net_hotdata.netdev_unregister_timeout_secs * k.hz:
            for dev in todo:
                printk.printk(
                    k,
                    printk.KERN_EMERG,
                    f"unregister_netdevice: waiting for {dev.name} to become free. "
                    f"Usage count = {dev.refcnt}",
                )
            warning_time = k.jiffies


# --------------------------------------------------------------------------------------------
# Open, close, flags


def dev_open(dev: net_device, extack: netlink_ext_ack | None = None) -> int:
    """Bring `dev` up. Kernel: net/core/dev.c dev_open → __dev_open (see kernel-facts §2)."""
    if dev.flags & IFF_UP:
        return 0
    ret = __dev_open(dev, extack)
    if ret < 0:
        return ret
    _rtmsg_ifinfo_newlink(dev, IFF_UP | IFF_RUNNING)
    call_netdevice_notifiers(NETDEV_UP, dev)
    return ret


def __dev_open(dev: net_device, extack: netlink_ext_ack | None) -> int:
    """Kernel: net/core/dev.c __dev_open."""
    if not netif_device_present(dev):
        return -errno.ENODEV
    ret = notifier.notifier_to_errno(call_netdevice_notifiers_extack(NETDEV_PRE_UP, dev, extack))
    if ret:
        return ret
    dev.state |= 1 << __LINK_STATE_START
    ops = dev.netdev_ops
    ret = 0
    if ops.ndo_validate_addr is not None:
        ret = ops.ndo_validate_addr(dev)
    if not ret and ops.ndo_open is not None:
        ret = ops.ndo_open(dev)
    if ret:
        dev.state &= ~(1 << __LINK_STATE_START)
        return ret
    dev.flags |= IFF_UP
    dev_set_rx_mode(dev)
    sch_generic.dev_activate(dev)
    return 0


def dev_set_rx_mode(dev: net_device) -> None:
    """Kernel: net/core/dev.c __dev_set_rx_mode."""
    if dev.flags & IFF_UP and netif_device_present(dev) and dev.netdev_ops.ndo_set_rx_mode:
        dev.netdev_ops.ndo_set_rx_mode(dev)


def __dev_close_many(head: list[net_device]) -> None:
    """GOING_DOWN, clear START, deactivate, ndo_stop, clear IFF_UP (no DOWN yet).

    Kernel: net/core/dev.c __dev_close_many.
    """
    for dev in head:
        call_netdevice_notifiers(NETDEV_GOING_DOWN, dev)
        dev.state &= ~(1 << __LINK_STATE_START)
    sch_generic.dev_deactivate_many(head)
    for dev in head:
        if dev.netdev_ops.ndo_stop is not None:
            dev.netdev_ops.ndo_stop(dev)
        dev.flags &= ~IFF_UP


def dev_close_many(head: list[net_device]) -> None:
    """Close the up devices of `head`, then RTM_NEWLINK and NETDEV_DOWN for each.

    Kernel: net/core/dev.c dev_close_many.
    """
    devs = [dev for dev in head if dev.flags & IFF_UP]
    __dev_close_many(devs)
    for dev in devs:
        _rtmsg_ifinfo_newlink(dev, IFF_UP | IFF_RUNNING)
        call_netdevice_notifiers(NETDEV_DOWN, dev)


def dev_close(dev: net_device) -> None:
    """Kernel: net/core/dev.c dev_close."""
    dev_close_many([dev])


def dev_get_flags(dev: net_device) -> int:
    """Flags as reported to user space. Kernel: net/core/dev.c dev_get_flags."""
    hidden = IFF_PROMISC | IFF_ALLMULTI | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT
    flags = (dev.flags & ~hidden) | (dev.gflags & (IFF_PROMISC | IFF_ALLMULTI))
    if netif_running(dev):
        if netif_oper_up(dev):
            flags |= IFF_RUNNING
        if netif_carrier_ok(dev):
            flags |= IFF_LOWER_UP
        if netif_dormant(dev):
            flags |= IFF_DORMANT
    return flags


_USER_FLAGS = (
    if_link.IFF_DEBUG
    | if_link.IFF_NOTRAILERS
    | if_link.IFF_NOARP
    | if_link.IFF_DYNAMIC
    | if_link.IFF_MULTICAST
    | if_link.IFF_PORTSEL
    | if_link.IFF_AUTOMEDIA
)


def __dev_change_flags(dev: net_device, flags: int, extack: netlink_ext_ack | None) -> int:
    """Kernel: net/core/dev.c __dev_change_flags."""
    old_flags = dev.flags
    dev.flags = (
        (flags & _USER_FLAGS)
        | (dev.flags & (IFF_UP | IFF_VOLATILE))
        | (dev.flags & (IFF_PROMISC | IFF_ALLMULTI))
    )
    dev_set_rx_mode(dev)
    ret = 0
    if (old_flags ^ flags) & IFF_UP:
        if old_flags & IFF_UP:
            __dev_close_many([dev])
        else:
            ret = __dev_open(dev, extack)
    if (flags ^ dev.gflags) & IFF_PROMISC:
        inc = 1 if flags & IFF_PROMISC else -1
        dev.gflags ^= IFF_PROMISC
        dev_set_promiscuity(dev, inc)
    if (flags ^ dev.gflags) & IFF_ALLMULTI:
        inc = 1 if flags & IFF_ALLMULTI else -1
        dev.gflags ^= IFF_ALLMULTI
        dev_set_allmulti(dev, inc)
    return ret


def __dev_notify_flags(dev: net_device, old_flags: int, gchanges: int) -> None:
    """Kernel: net/core/dev.c __dev_notify_flags."""
    changes = dev.flags ^ old_flags
    if gchanges:
        _rtmsg_ifinfo_newlink(dev, gchanges)
    if changes & IFF_UP:
        if dev.flags & IFF_UP:
            call_netdevice_notifiers(NETDEV_UP, dev)
        else:
            call_netdevice_notifiers(NETDEV_DOWN, dev)
    quiet = IFF_UP | IFF_PROMISC | IFF_ALLMULTI | IFF_VOLATILE
    if dev.flags & IFF_UP and changes & ~quiet:
        call_netdevice_notifiers_info(
            NETDEV_CHANGE, netdev_notifier_change_info(dev, flags_changed=changes)
        )


def dev_change_flags(dev: net_device, flags: int, extack: netlink_ext_ack | None = None) -> int:
    """Kernel: net/core/dev.c dev_change_flags."""
    old_flags = dev.flags
    old_gflags = dev.gflags
    ret = __dev_change_flags(dev, flags, extack)
    if ret < 0:
        return ret
    changes = (old_flags ^ dev.flags) | (old_gflags ^ dev.gflags)
    __dev_notify_flags(dev, old_flags, changes)
    return ret


def dev_set_promiscuity(dev: net_device, inc: int) -> int:
    """Kernel: net/core/dev.c __dev_set_promiscuity (the log line included)."""
    old_flags = dev.flags
    dev.promiscuity += inc
    if dev.promiscuity == 0:
        if inc < 0:
            dev.flags &= ~IFF_PROMISC
    else:
        dev.flags |= IFF_PROMISC
    if dev.flags != old_flags:
        entered = "entered" if dev.flags & IFF_PROMISC else "left"
        netdev_log(dev, printk.KERN_INFO, f"{entered} promiscuous mode")
        dev_set_rx_mode(dev)
        __dev_notify_flags(dev, old_flags, IFF_PROMISC)
    return 0


def dev_set_allmulti(dev: net_device, inc: int) -> int:
    """Kernel: net/core/dev.c __dev_set_allmulti."""
    old_flags = dev.flags
    dev.allmulti += inc
    if dev.allmulti == 0:
        if inc < 0:
            dev.flags &= ~IFF_ALLMULTI
    else:
        dev.flags |= IFF_ALLMULTI
    if dev.flags != old_flags:
        entered = "entered" if dev.flags & IFF_ALLMULTI else "left"
        netdev_log(dev, printk.KERN_INFO, f"{entered} allmulticast mode")
        dev_set_rx_mode(dev)
        __dev_notify_flags(dev, old_flags, IFF_ALLMULTI)
    return 0


def dev_validate_mtu(dev: net_device, new_mtu: int, extack: netlink_ext_ack | None) -> int:
    """Kernel: net/core/dev.c dev_validate_mtu (extack texts as the kernel)."""
    from skbuff.net.core.rtnetlink import NL_SET_ERR_MSG

    if new_mtu < 0 or new_mtu < dev.min_mtu:
        NL_SET_ERR_MSG(extack, "mtu less than device minimum")
        return -errno.EINVAL
    if dev.max_mtu > 0 and new_mtu > dev.max_mtu:
        NL_SET_ERR_MSG(extack, "mtu greater than device maximum")
        return -errno.EINVAL
    return 0


def dev_set_mtu_ext(dev: net_device, new_mtu: int, extack: netlink_ext_ack | None) -> int:
    """PRECHANGEMTU (veto), ndo_change_mtu, CHANGEMTU (a veto reverts).

    Kernel: net/core/dev.c dev_set_mtu_ext.
    """
    if new_mtu == dev.mtu:
        return 0
    err = dev_validate_mtu(dev, new_mtu, extack)
    if err:
        return err
    if not netif_device_present(dev):
        return -errno.ENODEV
    err = notifier.notifier_to_errno(
        call_netdevice_notifiers_info(
            NETDEV_PRECHANGEMTU, netdev_notifier_info_ext(dev, extack, ext_mtu=new_mtu)
        )
    )
    if err:
        return err
    orig_mtu = dev.mtu
    err = __dev_set_mtu(dev, new_mtu)
    if not err:
        err = notifier.notifier_to_errno(
            call_netdevice_notifiers_mtu(NETDEV_CHANGEMTU, dev, orig_mtu)
        )
        if err:
            __dev_set_mtu(dev, orig_mtu)
            call_netdevice_notifiers_mtu(NETDEV_CHANGEMTU, dev, new_mtu)
    return err


def __dev_set_mtu(dev: net_device, new_mtu: int) -> int:
    """Kernel: net/core/dev.c __dev_set_mtu."""
    if dev.netdev_ops.ndo_change_mtu is not None:
        return dev.netdev_ops.ndo_change_mtu(dev, new_mtu)
    dev.mtu = new_mtu
    return 0


def dev_set_mtu(dev: net_device, new_mtu: int) -> int:
    """Kernel: net/core/dev.c dev_set_mtu."""
    return dev_set_mtu_ext(dev, new_mtu, None)


def dev_pre_changeaddr_notify(
    dev: net_device, addr: bytes, extack: netlink_ext_ack | None
) -> int:
    """Kernel: net/core/dev.c dev_pre_changeaddr_notify."""
    return notifier.notifier_to_errno(
        call_netdevice_notifiers_info(
            NETDEV_PRE_CHANGEADDR, netdev_notifier_info_ext(dev, extack, ext_addr=addr)
        )
    )


def dev_set_mac_address(dev: net_device, sa: bytes, extack: netlink_ext_ack | None = None) -> int:
    """Kernel: net/core/dev.c dev_set_mac_address: PRE_CHANGEADDR, ndo_set_mac_address,
    CHANGEADDR. -EOPNOTSUPP without the ndo, -EINVAL for a wrong length, -ENODEV if absent."""
    ops = dev.netdev_ops
    if ops.ndo_set_mac_address is None:
        return -errno.EOPNOTSUPP
    if len(sa) != dev.addr_len:
        return -errno.EINVAL
    if not netif_device_present(dev):
        return -errno.ENODEV
    err = dev_pre_changeaddr_notify(dev, sa, extack)
    if err:
        return err
    if sa != dev.dev_addr:
        err = ops.ndo_set_mac_address(dev, sa)
        if err:
            return err
    dev.addr_assign_type = 3  # NET_ADDR_SET
    call_netdevice_notifiers(NETDEV_CHANGEADDR, dev)
    return 0


def dev_change_name(dev: net_device, newname: str) -> int:
    """Rename (allowed while up since 6.x: logged "(while UP)"); -EEXIST/-EINVAL;
    NETDEV_CHANGENAME, whose veto renames back.

    Kernel: net/core/dev.c dev_change_name.
    """
    if newname == dev.name:
        return 0
    net = dev.nd_net
    oldname = dev.name
    err = dev_get_valid_name(net, dev, newname)
    if err < 0:
        return err
    _rename_in_list(net, dev)
    if oldname and "%" not in oldname:
        up = " (while UP)" if dev.flags & IFF_UP else ""
        netdev_log(dev, printk.KERN_INFO, f"renamed from {oldname}{up}")
    old_assign_type = dev.name_assign_type
    dev.name_assign_type = NET_NAME_RENAMED
    ret = notifier.notifier_to_errno(call_netdevice_notifiers(NETDEV_CHANGENAME, dev))
    if ret:
        dev.name = oldname
        dev.name_assign_type = old_assign_type
        _rename_in_list(net, dev)
        call_netdevice_notifiers(NETDEV_CHANGENAME, dev)
        return ret
    return 0


def _rename_in_list(net: Net, dev: net_device) -> None:
    """Re-key `dev` (now named dev.name) in place, keeping the list order (dev_base_head is a
    list in the kernel; a rename does not move the device)."""
    items = [(dev.name if d is dev else n, d) for n, d in net.dev_base_head.items()]
    net.dev_base_head.clear()
    net.dev_base_head.update(items)


def dev_change_tx_queue_len(dev: net_device, new_len: int) -> int:
    """Kernel: net/core/dev.c dev_change_tx_queue_len (NETDEV_CHANGE_TX_QUEUE_LEN)."""
    if new_len != dev.tx_queue_len:
        orig = dev.tx_queue_len
        dev.tx_queue_len = new_len
        res = notifier.notifier_to_errno(
            call_netdevice_notifiers(NETDEV_CHANGE_TX_QUEUE_LEN, dev)
        )
        if res:
            dev.tx_queue_len = orig
            return res
        sch_generic.dev_qdisc_change_tx_queue_len(dev)
    return 0


def dev_change_carrier(dev: net_device, new_carrier: bool) -> int:
    """Kernel: net/core/dev.c dev_change_carrier (-EOPNOTSUPP without ndo_change_carrier)."""
    ndo = dev.netdev_ops.ndo_change_carrier
    if ndo is None:
        return -errno.EOPNOTSUPP
    if not netif_device_present(dev):
        return -errno.ENODEV
    return ndo(dev, new_carrier)


def dev_change_net_namespace(dev: net_device, net: Net, pat: str | None = None) -> int:
    """Move `dev` to `net`: close, UNREGISTER in the old namespace, REGISTER in the new one;
    the ifindex is kept if free there. Kernel: net/core/dev.c __dev_change_net_namespace."""
    if dev.netns_local or dev.reg_state != NETREG_REGISTERED:
        return -errno.EINVAL
    if net is dev.nd_net:
        return 0
    new_name = dev.name
    if netdev_name_in_use(net, dev.name):
        if not pat:
            return -errno.EEXIST
        probe = net_device(net)
        err = dev_prep_valid_name(net, probe, pat, errno.EEXIST)
        if err < 0:
            return err
        new_name = probe.name
    new_ifindex = dev_index_reserve(net, dev.ifindex)
    if new_ifindex == -errno.EBUSY:
        new_ifindex = dev_index_reserve(net, 0)
    if new_ifindex < 0:
        return new_ifindex
    dev_close(dev)
    unlist_netdevice(dev)
    sch_generic.dev_shutdown(dev)
    call_netdevice_notifiers(NETDEV_UNREGISTER, dev)
    _rtmsg_ifinfo_dellink(dev)
    dev.nd_net = net
    dev.ifindex = new_ifindex
    dev.name = new_name
    sch_generic.dev_init_scheduler(dev)
    list_netdevice(dev)
    call_netdevice_notifiers(NETDEV_REGISTER, dev)
    _rtmsg_ifinfo_newlink(dev, 0xFFFFFFFF)
    return 0


# --------------------------------------------------------------------------------------------
# Carrier and TX queue state


def netif_carrier_on(dev: net_device) -> None:
    """Kernel: net/sched/sch_generic.c netif_carrier_on."""
    bit = 1 << __LINK_STATE_NOCARRIER
    if dev.state & bit:
        dev.state &= ~bit
        if dev.reg_state == NETREG_UNINITIALIZED:
            return
        dev.carrier_up_count += 1
        link_watch.linkwatch_fire_event(dev)
        if netif_running(dev):
            sch_generic.__netdev_watchdog_up(dev)


def netif_carrier_off(dev: net_device) -> None:
    """Kernel: net/sched/sch_generic.c netif_carrier_off."""
    bit = 1 << __LINK_STATE_NOCARRIER
    if not dev.state & bit:
        dev.state |= bit
        if dev.reg_state == NETREG_UNINITIALIZED:
            return
        dev.carrier_down_count += 1
        link_watch.linkwatch_fire_event(dev)


def netif_tx_start_queue(txq: netdev_queue) -> None:
    """Kernel: include/linux/netdevice.h netif_tx_start_queue."""
    txq.state &= ~QUEUE_STATE_DRV_XOFF


def netif_start_queue(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h netif_start_queue."""
    netif_tx_start_queue(dev._tx[0])


def netif_tx_start_all_queues(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h netif_tx_start_all_queues."""
    for txq in dev._tx:
        netif_tx_start_queue(txq)


def netif_tx_stop_queue(txq: netdev_queue) -> None:
    """Stamps trans_start (for the watchdog) then sets DRV_XOFF.
    Kernel: include/linux/netdevice.h netif_tx_stop_queue."""
    txq.trans_start = txq.dev.nd_net.kernel.jiffies
    txq.state |= QUEUE_STATE_DRV_XOFF


def netif_stop_queue(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h netif_stop_queue."""
    netif_tx_stop_queue(dev._tx[0])


def netif_tx_stop_all_queues(dev: net_device) -> None:
    """Kernel: net/core/dev.c netif_tx_stop_all_queues."""
    for txq in dev._tx:
        netif_tx_stop_queue(txq)


def netif_tx_wake_queue(txq: netdev_queue) -> None:
    """Clear DRV_XOFF and, if it was set, schedule the qdisc.
    Kernel: net/core/dev.c netif_tx_wake_queue."""
    if txq.state & QUEUE_STATE_DRV_XOFF:
        txq.state &= ~QUEUE_STATE_DRV_XOFF
        __netif_schedule(txq.qdisc)


def netif_wake_queue(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h netif_wake_queue."""
    netif_tx_wake_queue(dev._tx[0])


def netif_tx_wake_all_queues(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h netif_tx_wake_all_queues."""
    for txq in dev._tx:
        netif_tx_wake_queue(txq)


def netif_tx_queue_stopped(txq: netdev_queue) -> bool:
    """Kernel: include/linux/netdevice.h netif_tx_queue_stopped."""
    return bool(txq.state & QUEUE_STATE_DRV_XOFF)


def netif_queue_stopped(dev: net_device) -> bool:
    """Kernel: include/linux/netdevice.h netif_queue_stopped."""
    return netif_tx_queue_stopped(dev._tx[0])


def netif_xmit_stopped(txq: netdev_queue) -> bool:
    """Kernel: include/linux/netdevice.h netif_xmit_stopped."""
    return bool(txq.state & QUEUE_STATE_ANY_XOFF)


def netif_xmit_frozen_or_stopped(txq: netdev_queue) -> bool:
    """Kernel: include/linux/netdevice.h netif_xmit_frozen_or_stopped."""
    return bool(txq.state & QUEUE_STATE_ANY_XOFF_OR_FROZEN)


def netif_device_detach(dev: net_device) -> None:
    """Kernel: net/core/dev.c netif_device_detach."""
    bit = 1 << __LINK_STATE_PRESENT
    if dev.state & bit:
        dev.state &= ~bit
        if netif_running(dev):
            netif_tx_stop_all_queues(dev)


def netif_device_attach(dev: net_device) -> None:
    """Kernel: net/core/dev.c netif_device_attach."""
    bit = 1 << __LINK_STATE_PRESENT
    if not dev.state & bit:
        dev.state |= bit
        if netif_running(dev):
            netif_tx_wake_all_queues(dev)
            sch_generic.__netdev_watchdog_up(dev)


def netif_trans_update(dev: net_device) -> None:
    """Kernel: include/linux/netdevice.h netif_trans_update."""
    txq = dev._tx[0]
    jiffies = dev.nd_net.kernel.jiffies
    if txq.trans_start != jiffies:
        txq.trans_start = jiffies


# --------------------------------------------------------------------------------------------
# Protocol handlers


def _ptype_head(k: Kernel, pt: packet_type) -> list[packet_type]:
    """Kernel: net/core/dev.c ptype_head."""
    hot: net_hotdata = k.net_hotdata
    if pt.type == ETH_P_ALL:
        return pt.dev.ptype_all if pt.dev is not None else hot.ptype_all
    if pt.dev is not None:
        return pt.dev.ptype_specific
    return hot.ptype_base.setdefault(pt.type, [])


def dev_add_pack(pt: packet_type) -> None:
    """Add a protocol handler (at the head of its list, as list_add_rcu does).

    Kernel: net/core/dev.c dev_add_pack.
    """
    _ptype_head(current_kernel(), pt).insert(0, pt)


def dev_remove_pack(pt: packet_type) -> None:
    """Kernel: net/core/dev.c __dev_remove_pack (logs "dev_remove_pack: %p not found")."""
    k = current_kernel()
    head = _ptype_head(k, pt)
    if pt in head:
        head.remove(pt)
    else:
        printk.printk(k, printk.KERN_WARNING, f"dev_remove_pack: {pt!r} not found")


def dev_nit_active(dev: net_device) -> bool:
    """Kernel: net/core/dev.c dev_nit_active."""
    return bool(dev.nd_net.kernel.net_hotdata.ptype_all or dev.ptype_all)


# --------------------------------------------------------------------------------------------
# Receive


def deliver_skb(skb: sk_buff, pt_prev: packet_type, orig_dev: net_device) -> int:
    """Give `pt_prev` its own reference to `skb` (users++, not a copy).

    Kernel: net/core/dev.c deliver_skb.
    """
    skb.users += 1
    return pt_prev.func(skb, skb.dev, pt_prev, orig_dev)


def __netif_receive_skb_core(skb: sk_buff) -> int:
    """Deliver to taps, then to the type handler; unknown protocol is a counted drop.

    Kernel: net/core/dev.c __netif_receive_skb_core + __netif_receive_skb_one_core
    (the last handler gets the caller's reference). Softirq context; owns `skb`.
    """
    orig_dev = skb.dev
    k = orig_dev.nd_net.kernel
    if k.trace.netif_receive_skb is not TRACEPOINT_OFF:
        k.trace.netif_receive_skb(skb)
    data = skb.data
    skb.network_header = data
    if skb.transport_header == HEADER_UNSET:
        skb.transport_header = data
    mac = skb.mac_header
    skb.mac_len = data - mac if mac != HEADER_UNSET else 0
    skb.skb_iif = orig_dev.ifindex
    k.this_cpu().softnet_data.processed += 1
    k.charge(k.costs.netif_receive_skb)
    hot: net_hotdata = k.net_hotdata
    pt_prev: packet_type | None = None
    taps = hot.ptype_all
    if taps or orig_dev.ptype_all:
        for ptype in (*taps, *orig_dev.ptype_all):
            if pt_prev is not None:
                deliver_skb(skb, pt_prev, orig_dev)
            pt_prev = ptype
    type_ = skb.protocol
    handlers = hot.ptype_base.get(type_)
    if handlers:
        for ptype in handlers:
            if pt_prev is not None:
                deliver_skb(skb, pt_prev, orig_dev)
            pt_prev = ptype
    if orig_dev.ptype_specific:
        for ptype in orig_dev.ptype_specific:
            if ptype.type == type_:
                if pt_prev is not None:
                    deliver_skb(skb, pt_prev, orig_dev)
                pt_prev = ptype
    if pt_prev is not None:
        return pt_prev.func(skb, skb.dev, pt_prev, orig_dev)
    dev_core_stats_rx_dropped_inc(skb.dev)
    skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.UNHANDLED_PROTO)
    return NET_RX_DROP


def __netif_receive_skb(skb: sk_buff) -> int:
    """Kernel: net/core/dev.c __netif_receive_skb."""
    return __netif_receive_skb_core(skb)


def netif_receive_skb(skb: sk_buff) -> int:
    """Process a received frame now (softirq context). Owns `skb`.

    Kernel: net/core/dev.c netif_receive_skb → netif_receive_skb_internal.
    """
    if skb.dev.nd_net.kernel.trace.netif_receive_skb_entry is not TRACEPOINT_OFF:
        skb.dev.nd_net.kernel.trace.netif_receive_skb_entry(skb)
    return __netif_receive_skb_core(skb)


def netif_receive_skb_list(skbs: list[sk_buff]) -> None:
    """Kernel: net/core/dev.c netif_receive_skb_list_internal (one at a time here)."""
    for skb in skbs:
        __netif_receive_skb_core(skb)


def enqueue_to_backlog(skb: sk_buff, cpu: int) -> int:
    """Queue on `cpu`'s input_pkt_queue: allowed while qlen <= netdev_max_backlog.

    Kernel: net/core/dev.c enqueue_to_backlog. Drops: DEV_READY (device not running) or
    CPU_BACKLOG (queue full; sd->dropped++), both with dev rx_dropped++. Owns `skb`.
    """
    dev = skb.dev
    k = dev.nd_net.kernel
    if not dev.state & (1 << __LINK_STATE_START):
        reason = SKB_DROP_REASON.DEV_READY
    else:
        sd: softnet_data = k.cpus[cpu].softnet_data
        qlen = len(sd.input_pkt_queue)
        if qlen <= k.net_hotdata.max_backlog:
            if not qlen and not sd.backlog.state & NAPIF_STATE_SCHED:
                sd.backlog.state |= NAPIF_STATE_SCHED
                ____napi_schedule(k, sd, sd.backlog)
            sd.input_pkt_queue.append(skb)
            return NET_RX_SUCCESS
        sd.dropped += 1
        reason = SKB_DROP_REASON.CPU_BACKLOG
    dev.core_stats.rx_dropped += 1
    skbuff.kfree_skb_reason(skb, reason)
    return NET_RX_DROP


def netif_rx_internal(skb: sk_buff) -> int:
    """Kernel: net/core/dev.c netif_rx_internal (no RPS: the local CPU's backlog)."""
    k = skb.dev.nd_net.kernel
    if k.trace.netif_rx is not TRACEPOINT_OFF:
        k.trace.netif_rx(skb)
    k.charge(k.costs.netif_rx)
    return enqueue_to_backlog(skb, k.this_cpu().id)


def __netif_rx(skb: sk_buff) -> int:
    """netif_rx for callers with BH already disabled. Kernel: net/core/dev.c __netif_rx."""
    if skb.dev.nd_net.kernel.trace.netif_rx_entry is not TRACEPOINT_OFF:
        skb.dev.nd_net.kernel.trace.netif_rx_entry(skb)
    return netif_rx_internal(skb)


def netif_rx(skb: sk_buff) -> int:
    """Queue a received frame to the backlog; BH is disabled around it when called from a task.

    Kernel: net/core/dev.c netif_rx. Any context; owns `skb`. Returns NET_RX_SUCCESS/DROP.
    """
    k = skb.dev.nd_net.kernel
    need_bh_off = not cpu.preempt_count(k) & (cpu.HARDIRQ_MASK | cpu.SOFTIRQ_MASK)
    if need_bh_off:
        softirq.local_bh_disable(k)
    if k.trace.netif_rx_entry is not TRACEPOINT_OFF:
        k.trace.netif_rx_entry(skb)
    ret = netif_rx_internal(skb)
    if need_bh_off:
        softirq.local_bh_enable(k)
    return ret


def process_backlog(napi: napi_struct, quota: int) -> int:
    """The backlog's NAPI poll. Kernel: net/core/dev.c process_backlog."""
    k = current_kernel()
    hot: net_hotdata = k.net_hotdata
    sd: softnet_data = k.this_cpu().softnet_data
    napi.weight = hot.dev_rx_weight
    work = 0
    process_queue = sd.process_queue
    while True:
        while process_queue:
            __netif_receive_skb_core(process_queue.popleft())
            work += 1
            if work >= quota:
                return work
        if not sd.input_pkt_queue:
            napi.state &= NAPIF_STATE_THREADED
            return work
        process_queue.extend(sd.input_pkt_queue)
        sd.input_pkt_queue.clear()


# --------------------------------------------------------------------------------------------
# NAPI


def ____napi_schedule(k: Kernel, sd: softnet_data, napi: napi_struct) -> None:
    """Kernel: net/core/dev.c ____napi_schedule (add to the poll list, raise NET_RX)."""
    sd.poll_list.append(napi)
    napi.on_poll_list = True
    napi.list_owner = sd.cpu
    if not sd.in_net_rx_action:
        softirq.raise_softirq_irqoff(k, softirq.NET_RX_SOFTIRQ)


def napi_schedule_prep(n: napi_struct) -> bool:
    """Claim SCHED; if already scheduled set MISSED; fails while DISABLE is set.

    Kernel: net/core/dev.c napi_schedule_prep.
    """
    val = n.state
    if val & NAPIF_STATE_DISABLE:
        return False
    new = val | NAPIF_STATE_SCHED
    if val & NAPIF_STATE_SCHED:
        new |= NAPIF_STATE_MISSED
    n.state = new
    return not val & NAPIF_STATE_SCHED


def __napi_schedule(n: napi_struct) -> None:
    """Kernel: net/core/dev.c __napi_schedule (caller owns SCHED)."""
    k = current_kernel()
    ____napi_schedule(k, k.this_cpu().softnet_data, n)


__napi_schedule_irqoff = __napi_schedule


def napi_schedule(n: napi_struct) -> bool:
    """Kernel: include/linux/netdevice.h napi_schedule. Returns True if it scheduled."""
    if napi_schedule_prep(n):
        __napi_schedule(n)
        return True
    return False


def napi_is_scheduled(n: napi_struct) -> bool:
    """Kernel: include/linux/netdevice.h napi_is_scheduled."""
    return bool(n.state & NAPIF_STATE_SCHED)


def gro_normal_list(napi: napi_struct) -> None:
    """Pass the batched skbs to the stack. Kernel: include/net/gro.h gro_normal_list."""
    if not napi.rx_count:
        return
    batch = napi.rx_list
    napi.rx_list = []
    napi.rx_count = 0
    netif_receive_skb_list(batch)


def napi_gro_receive(napi: napi_struct, skb: sk_buff) -> int:
    """GRO entry without merging: batch for the stack, flushing every gro_normal_batch.

    Kernel: net/core/gro.c napi_gro_receive, include/net/gro.h gro_normal_one. Returns
    GRO_NORMAL. Softirq context (inside a poll); owns `skb`.
    """
    k = skb.dev.nd_net.kernel
    if k.trace.napi_gro_receive_entry is not TRACEPOINT_OFF:
        k.trace.napi_gro_receive_entry(skb)
    napi.rx_list.append(skb)
    napi.rx_count += 1
    if napi.rx_count >= k.net_hotdata.gro_normal_batch:
        gro_normal_list(napi)
    return GRO_NORMAL


def napi_complete_done(n: napi_struct, work_done: int) -> bool:
    """Flush the GRO batch and release SCHED; if MISSED, reschedule and return False.

    Kernel: net/core/dev.c napi_complete_done. Calling it without owning SCHED is a
    contract violation (the kernel WARNs).
    """
    if n.state & (NAPIF_STATE_NPSVC | NAPIF_STATE_IN_BUSY_POLL):
        return False
    gro_normal_list(n)
    if n.on_poll_list:
        current_kernel().this_cpu().softnet_data.poll_list.remove(n)
        n.on_poll_list = False
    n.list_owner = -1
    val = n.state
    if not val & NAPIF_STATE_SCHED:
        raise NapiContractViolation(
            f"{_napi_owner(n)}: napi_complete_done() on an instance that is not scheduled"
        )
    new = val & ~(NAPIF_STATE_MISSED | NAPIF_STATE_SCHED)
    new &= ~(NAPIF_STATE_SCHED_THREADED | NAPIF_STATE_PREFER_BUSY_POLL)
    if val & NAPIF_STATE_MISSED:
        new |= NAPIF_STATE_SCHED
    n.state = new
    if val & NAPIF_STATE_MISSED:
        __napi_schedule(n)
        return False
    return True


def napi_complete(n: napi_struct) -> bool:
    """Kernel: include/linux/netdevice.h napi_complete (= napi_complete_done(n, 0))."""
    return napi_complete_done(n, 0)


netif_rx_schedule = napi_schedule
"""[2.6] Before 2.6.29 `netif_rx_schedule(dev, napi)`; the same operation as `napi_schedule`."""
netif_rx_complete = napi_complete
"""[2.6] Before 2.6.29 `netif_rx_complete(dev, napi)`; the same operation as `napi_complete`."""


def netif_napi_add_weight(
    dev: net_device, napi: napi_struct, poll: Callable[[napi_struct, int], int], weight: int
) -> None:
    """Attach `napi` to `dev`, disabled (SCHED|NPSVC) until `napi_enable`.

    Kernel: net/core/dev.c netif_napi_add_weight (weights above 64 log an error once).
    """
    if napi.state & NAPIF_STATE_LISTED:
        raise KernelBug(f"{dev.name}: netif_napi_add on a listed napi")
    hot: net_hotdata = dev.nd_net.kernel.net_hotdata
    napi.dev = dev
    napi.poll = poll
    if weight > NAPI_POLL_WEIGHT:
        netdev_log(dev, printk.KERN_ERR, f"netif_napi_add_weight() called with weight {weight}")
    napi.weight = weight
    hot.napi_gen_id += 1
    napi.napi_id = hot.napi_gen_id
    dev.napi_list.append(napi)
    napi.state |= NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC | NAPIF_STATE_LISTED


def netif_napi_add(
    dev: net_device, napi: napi_struct, poll: Callable[[napi_struct, int], int]
) -> None:
    """Kernel: include/linux/netdevice.h netif_napi_add (NAPI_POLL_WEIGHT)."""
    netif_napi_add_weight(dev, napi, poll, NAPI_POLL_WEIGHT)


def netif_napi_del(napi: napi_struct) -> None:
    """Kernel: net/core/dev.c __netif_napi_del."""
    if napi.state & NAPIF_STATE_LISTED and napi.dev is not None:
        napi.state &= ~NAPIF_STATE_LISTED
        napi.dev.napi_list.remove(napi)
        napi.rx_list.clear()
        napi.rx_count = 0


def napi_enable(n: napi_struct) -> None:
    """Clear SCHED|NPSVC. Kernel: net/core/dev.c napi_enable (BUG if not disabled)."""
    if not n.state & NAPIF_STATE_SCHED:
        raise NapiContractViolation(f"{_napi_owner(n)}: napi_enable on an enabled instance")
    n.state &= ~(NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC)


def napi_disable(n: napi_struct) -> None:
    """Wait (in simulated time) until the instance is idle, then own it (SCHED|NPSVC).

    Kernel: net/core/dev.c napi_disable. Process context.
    """
    k = current_kernel()
    n.state |= NAPIF_STATE_DISABLE
    while n.state & (NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC):
        k.run_for(20_000)
    n.state |= NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC
    n.state &= ~(NAPIF_STATE_THREADED | NAPIF_STATE_PREFER_BUSY_POLL | NAPIF_STATE_DISABLE)


def _napi_owner(n: napi_struct) -> str:
    poll = getattr(n.poll, "__qualname__", repr(n.poll))
    dev = n.dev.name if n.dev is not None else "backlog"
    return f"{dev}: NAPI poll function {poll}"


def __napi_poll(n: napi_struct) -> tuple[int, bool]:
    """Call the poll and enforce the contract. Returns (work, repoll).

    Kernel: net/core/dev.c __napi_poll. Contract (include/linux/netdevice.h): return
    <= weight; having used the whole weight, do not complete; having used less, complete
    (napi_complete_done) — a poll that returns less without completing leaves the instance
    scheduled but off every list, so it would never run again: reported here too.
    Violations log the kernel's line and raise NapiContractViolation.
    """
    k = current_kernel()
    weight = n.weight
    work = 0
    if n.state & NAPIF_STATE_SCHED:
        poll = n.poll
        assert poll is not None
        work = poll(n, weight)
        if k.trace.napi_poll is not TRACEPOINT_OFF:
            k.trace.napi_poll(n, work, weight)
    if work > weight:
        owner = _napi_owner(n)
        if not n.err_reported and n.dev is not None:
            n.err_reported = True
            netdev_log(
                n.dev,
                printk.KERN_ERR,
                f"NAPI poll function {getattr(n.poll, '__qualname__', n.poll)} returned "
                f"{work}, exceeding its budget of {weight}.",
            )
        raise NapiContractViolation(f"{owner} returned {work}, exceeding its budget of {weight}")
    if work < weight:
        backlog = k.this_cpu().softnet_data.backlog
        if n.state & NAPIF_STATE_SCHED and not n.on_poll_list and n is not backlog:
            raise NapiContractViolation(
                f"{_napi_owner(n)} returned {work} (< budget {weight}) without "
                "napi_complete_done(): the instance stays scheduled and is never polled again"
            )
        return work, False
    if not n.state & NAPIF_STATE_SCHED or (n.on_poll_list and n.list_owner == -1):
        raise NapiContractViolation(
            f"{_napi_owner(n)} completed after consuming its whole budget of {weight}"
        )
    if n.state & NAPIF_STATE_DISABLE:
        napi_complete(n)
        return work, False
    gro_normal_list(n)
    if n.on_poll_list:
        name = n.dev.name if n.dev is not None else "backlog"
        printk.printk(k, printk.KERN_WARNING, f"{name}: Budget exhausted after napi rescheduled")
        return work, False
    return work, True


def napi_poll(n: napi_struct, repoll: list[napi_struct]) -> int:
    """Kernel: net/core/dev.c napi_poll."""
    work, do_repoll = __napi_poll(n)
    if do_repoll:
        repoll.append(n)
    return work


def net_rx_action(k: Kernel) -> None:
    """NET_RX softirq: poll the CPU's NAPI instances within netdev_budget packets and
    netdev_budget_usecs; on exhaustion time_squeeze++ and re-raise.

    Kernel: net/core/dev.c net_rx_action.
    """
    sd: softnet_data = k.this_cpu().softnet_data
    hot: net_hotdata = k.net_hotdata
    time_limit = k.jiffies + kjiffies.usecs_to_jiffies(k, hot.netdev_budget_usecs)
    budget = hot.netdev_budget
    work_list: deque[napi_struct] = deque()
    repoll: list[napi_struct] = []
    while True:
        sd.in_net_rx_action = True
        work_list.extend(sd.poll_list)
        sd.poll_list.clear()
        squeezed = False
        while work_list:
            n = work_list.popleft()
            n.on_poll_list = False
            k.charge(k.costs.napi_poll)
            budget -= napi_poll(n, repoll)
            if budget <= 0 or k.jiffies >= time_limit:
                sd.time_squeeze += 1
                squeezed = True
                break
        if squeezed or repoll or not sd.poll_list:
            break
    # splice: the unfinished work list, then new arrivals, then repoll, back onto poll_list
    # (with nothing unfinished or to repoll, poll_list is already the result)
    if work_list or repoll:
        pending = list(work_list) + list(sd.poll_list) + repoll
        sd.poll_list.clear()
        for n in pending:
            n.on_poll_list = True
            sd.poll_list.append(n)
    if sd.poll_list:
        softirq.__raise_softirq_irqoff(k, softirq.NET_RX_SOFTIRQ)
    else:
        sd.in_net_rx_action = False


# --------------------------------------------------------------------------------------------
# Transmit


def __netif_schedule(q: sch_generic.Qdisc) -> None:
    """Put `q` on this CPU's output_queue and raise NET_TX.

    Kernel: net/core/dev.c __netif_schedule.
    """
    if not q.state & sch_generic.QDISC_STATE_SCHED:
        q.state |= sch_generic.QDISC_STATE_SCHED
        k = current_kernel()
        k.this_cpu().softnet_data.output_queue.append(q)
        softirq.raise_softirq_irqoff(k, softirq.NET_TX_SOFTIRQ)


def net_tx_action(k: Kernel) -> None:
    """NET_TX softirq: run the scheduled qdiscs (skbuff.py frees IRQ-context skbs at once).

    Kernel: net/core/dev.c net_tx_action.
    """
    sd: softnet_data = k.this_cpu().softnet_data
    if sd.output_queue:
        queues = list(sd.output_queue)
        sd.output_queue.clear()
        for q in queues:
            q.state &= ~sch_generic.QDISC_STATE_SCHED
            sch_generic.qdisc_run(q)


def dev_queue_xmit_nit(skb: sk_buff, dev: net_device) -> None:
    """Show an outgoing frame to the taps: one clone (pkt_type OUTGOING), users++ per tap.

    Kernel: net/core/dev.c dev_queue_xmit_nit. The caller keeps `skb`.
    """
    hot: net_hotdata = dev.nd_net.kernel.net_hotdata
    pt_prev: packet_type | None = None
    skb2: sk_buff | None = None
    for ptype in (*hot.ptype_all, *dev.ptype_all):
        if ptype.ignore_outgoing:
            continue
        if pt_prev is not None and skb2 is not None:
            deliver_skb(skb2, pt_prev, skb.dev)
            pt_prev = ptype
            continue
        skb2 = skbuff.skb_clone(skb, 0)
        skb2.mac_header = skb2.data
        if skb2.network_header < skb2.data or skb2.network_header > skb2.tail:
            skb2.network_header = skb2.data
        skb2.transport_header = skb2.network_header
        skb2.pkt_type = if_packet.PACKET_OUTGOING
        pt_prev = ptype
    if pt_prev is not None and skb2 is not None:
        pt_prev.func(skb2, skb.dev, pt_prev, skb.dev)


def xmit_one(skb: sk_buff, dev: net_device, txq: netdev_queue) -> int:
    """Taps, then ndo_start_xmit, with the net_dev_start_xmit/net_dev_xmit tracepoints.

    Kernel: net/core/dev.c xmit_one, include/linux/netdevice.h __netdev_start_xmit.
    """
    k = dev.nd_net.kernel
    if k.net_hotdata.ptype_all or dev.ptype_all:
        dev_queue_xmit_nit(skb, dev)
    length = skb.len
    if k.trace.net_dev_start_xmit is not TRACEPOINT_OFF:
        k.trace.net_dev_start_xmit(skb, dev)
    k.charge(k.costs.dev_hard_start_xmit)
    ndo = dev.netdev_ops.ndo_start_xmit
    assert ndo is not None
    rc = ndo(skb, dev)
    if rc == NETDEV_TX_OK and not dev.lltx:
        txq.trans_start = k.jiffies
    if k.trace.net_dev_xmit is not TRACEPOINT_OFF:
        k.trace.net_dev_xmit(skb, rc, dev, length)
    return rc


def dev_hard_start_xmit(
    skb: sk_buff, dev: net_device, txq: netdev_queue
) -> tuple[sk_buff | None, int]:
    """Send one skb to the driver. Returns (skb left over on NETDEV_TX_BUSY, rc).

    Kernel: net/core/dev.c dev_hard_start_xmit (one skb: no GSO lists here).
    """
    rc = xmit_one(skb, dev, txq)
    if rc == NETDEV_TX_BUSY:
        return skb, rc
    return None, rc


def dev_xmit_complete(rc: int) -> bool:
    """Kernel: include/linux/netdevice.h dev_xmit_complete."""
    return rc < NET_XMIT_MASK


def netdev_core_pick_tx(dev: net_device, skb: sk_buff, sb_dev: net_device | None) -> netdev_queue:
    """Kernel: net/core/dev.c netdev_core_pick_tx (ndo_select_queue, else the skb hash)."""
    if dev.real_num_tx_queues == 1:
        index = 0
    elif dev.netdev_ops.ndo_select_queue is not None:
        index = dev.netdev_ops.ndo_select_queue(dev, skb, sb_dev)
    else:
        index = (skb.hash * dev.real_num_tx_queues) >> 32
    skb.queue_mapping = index
    return dev._tx[index]


def __dev_queue_xmit(skb: sk_buff, sb_dev: net_device | None) -> int:
    """Queue `skb` (skb.dev set, link header built) for transmission. Owns `skb`.

    Kernel: net/core/dev.c __dev_queue_xmit: qdisc enqueue + run, or for a queueless device
    a direct ndo_start_xmit; a down queueless device drops with -ENETDOWN and tx_dropped++.
    Returns NET_XMIT_* or -errno. The inlines (rcu_read_lock_bh's local_bh_disable,
    netif_xmit_stopped, dev_xmit_complete) are expanded.
    """
    dev = skb.dev
    k = dev.nd_net.kernel
    skb.mac_header = skb.data
    this = k.this_cpu()
    this.preempt_count += cpu.SOFTIRQ_DISABLE_OFFSET  # local_bh_disable
    try:
        if dev.priv_flags & IFF_XMIT_DST_RELEASE and skb._skb_refdst is not None:
            skbuff.skb_dst_drop(skb)
        txq = netdev_core_pick_tx(dev, skb, sb_dev)
        q = txq.qdisc
        if k.trace.net_dev_queue is not TRACEPOINT_OFF:
            k.trace.net_dev_queue(skb)
        if q.enqueue is not None:
            return sch_generic.__dev_xmit_skb(skb, q, dev, txq)
        if dev.flags & IFF_UP:
            sd: softnet_data = this.softnet_data
            if txq.xmit_lock_owner == sd.cpu or sd.xmit_recursion > XMIT_RECURSION_LIMIT:
                _dead_loop(k, dev)
            else:
                if not dev.lltx:  # HARD_TX_LOCK
                    txq.xmit_lock_owner = sd.cpu
                rc = NETDEV_TX_BUSY
                if not txq.state & QUEUE_STATE_ANY_XOFF:
                    sd.xmit_recursion += 1
                    try:
                        _, rc = dev_hard_start_xmit(skb, dev, txq)
                    finally:
                        sd.xmit_recursion -= 1
                txq.xmit_lock_owner = -1
                if rc < NET_XMIT_MASK:
                    return rc
                printk.net_ratelimited(
                    k, printk.KERN_CRIT, f"Virtual device {dev.name} asks to queue packet!"
                )
        dev_core_stats_tx_dropped_inc(dev)
        skbuff.kfree_skb(skb)
        return -errno.ENETDOWN
    finally:
        softirq.local_bh_enable(k)


def _dead_loop(k: Kernel, dev: net_device) -> None:
    printk.net_ratelimited(
        k, printk.KERN_CRIT, f"Dead loop on virtual device {dev.name}, fix it urgently!"
    )


def dev_queue_xmit(skb: sk_buff) -> int:
    """Kernel: include/linux/netdevice.h dev_queue_xmit. Owns `skb`."""
    return __dev_queue_xmit(skb, None)


def LL_RESERVED_SPACE(dev: Any) -> int:
    """Link-layer headroom rounded up to HH_DATA_MOD. Kernel: include/linux/netdevice.h."""
    return ((dev.hard_header_len + dev.needed_headroom) & ~(HH_DATA_MOD - 1)) + HH_DATA_MOD


def dev_hard_header(
    skb: sk_buff, dev: net_device, type_: int, daddr: bytes | None, saddr: bytes | None, len_: int
) -> int:
    """Build the link header through header_ops.create (0 if the device has none).

    Kernel: include/linux/netdevice.h dev_hard_header.
    """
    hops = dev.header_ops
    if hops is None or hops.create is None:
        return 0
    return hops.create(skb, dev, type_, daddr, saddr, len_)


def __dev_forward_skb2(dev: net_device, skb: sk_buff, check_mtu: bool) -> int:
    """Prepare `skb` to be received on `dev`: scrub, eth_type_trans. On failure it is freed
    (dev rx_dropped++) and NET_RX_DROP returned; on success 0 and the caller still owns it.

    Kernel: net/core/dev.c __dev_forward_skb2, include/linux/netdevice.h ____dev_forward_skb
    and __is_skb_forwardable (both __always_inline, expanded: the device must be up and,
    with check_mtu, the frame within mtu + header + VLAN_HLEN unless it is GSO).
    """
    if not dev.flags & IFF_UP or (
        check_mtu and skb.len > dev.mtu + dev.hard_header_len + VLAN_HLEN
        and not skb.shinfo.gso_size
    ):
        dev_core_stats_rx_dropped_inc(dev)
        skbuff.kfree_skb(skb)
        return NET_RX_DROP
    skbuff.skb_scrub_packet(skb, dev.nd_net is not skb.dev.nd_net)
    skb.priority = 0
    skb.protocol = eth.eth_type_trans(skb, dev)
    return 0


def __dev_forward_skb(dev: net_device, skb: sk_buff) -> int:
    """Kernel: net/core/dev.c __dev_forward_skb (with the MTU check)."""
    return __dev_forward_skb2(dev, skb, True)


def dev_forward_skb(dev: net_device, skb: sk_buff) -> int:
    """Forward to `dev`'s backlog. Kernel: net/core/dev.c dev_forward_skb. Owns `skb`."""
    return __dev_forward_skb(dev, skb) or netif_rx_internal(skb)


def dev_loopback_xmit(net: Net, sk: Any, skb: sk_buff) -> int:
    """Loop a copy of an outgoing multicast/broadcast back to ourselves.

    Kernel: net/core/dev.c dev_loopback_xmit. Owns `skb`.
    """
    skb.mac_header = skb.data
    skbuff.__skb_pull(skb, skb.network_header - skb.data)
    skb.pkt_type = if_packet.PACKET_LOOPBACK
    if skb.ip_summed == 0:
        skb.ip_summed = 1  # CHECKSUM_UNNECESSARY
    skbuff.skb_dst_force(skb)
    netif_rx(skb)
    return 0


# --------------------------------------------------------------------------------------------
# Boot


def net_dev_init(k: Kernel) -> None:
    """Per-kernel device core: hotdata, softnet_data per CPU, NET_TX/NET_RX softirqs,
    the netdev notifier chain, linkwatch, net.core sysctls and /proc/net/{dev,softnet_stat}.

    Kernel: net/core/dev.c net_dev_init (subsys_initcall).
    """
    from skbuff.drivers.net import loopback
    from skbuff.net.core import net_namespace, net_procfs, sysctl_net_core

    k.net_hotdata = net_hotdata(k.hz)
    for c in k.cpus:
        c.softnet_data = softnet_data(c.id)
        c.softnet_data.backlog.weight = k.net_hotdata.dev_rx_weight
    link_watch.linkwatch_init(k)
    softirq.open_softirq(k, softirq.NET_TX_SOFTIRQ, net_tx_action)
    softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, net_rx_action)
    sysctl_net_core.net_sysctl_init(k)
    net_namespace.register_pernet_subsys(
        k, net_namespace.pernet_operations("netdev", init=netdev_init)
    )
    net_procfs.dev_proc_init(k)
    net_namespace.register_pernet_device(
        k, net_namespace.pernet_operations("loopback", init=loopback.loopback_net_init)
    )
    net_namespace.register_pernet_device(
        k, net_namespace.pernet_operations("default_device", exit=default_device_exit)
    )


def netdev_init(net: Net) -> None:
    """Per-namespace device lists. Kernel: net/core/dev.c netdev_init."""
    net.dev_base_head.clear()
    net.dev_index_head.clear()
    net.ifindex = 1


def default_device_exit(net: Net) -> None:
    """Unregister every device of a dying namespace (the kernel moves movable ones back to
    init_net; we unregister all but keep that rule for devices with rtnl_link_ops.netns_refund).

    Kernel: net/core/dev.c default_device_exit_net, default_device_exit_batch.
    """
    k = net.kernel
    doomed: list[net_device] = []
    for dev in list(net.dev_base_head.values()):
        ops = dev.rtnl_link_ops
        if (
            ops is not None
            and ops.netns_refund
            and dev is not net.loopback_dev
            and dev_change_net_namespace(dev, k.init_net, "dev%d") == 0
        ):
            continue
        if ops is not None and ops.dellink is not None:
            ops.dellink(dev, doomed)
        elif dev is not net.loopback_dev:
            doomed.append(dev)
    if net.loopback_dev is not None:
        doomed.append(net.loopback_dev)
    unregister_netdevice_many(list(dict.fromkeys(doomed)))
    netdev_run_todo(k)


# Imported last: eth builds its header_ops from this module at import time. A function-level
# import in ____dev_forward_skb cost ~0.4 us per forwarded frame.
from skbuff.net.ethernet import eth  # noqa: E402
