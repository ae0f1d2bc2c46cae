"""net.core.* sysctls.

Kernel: net/core/sysctl_net_core.c. `net_core_table` is registered for init_net only (other
namespaces do not see it); `netns_core_table` for every namespace, where the socket buffer
limits are global values, read-only outside init_net. Values live on `k.net_hotdata`
(global) and `net.core` (per namespace).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from skbuff.kernel import sysctl
from skbuff.kernel.sysctl import ctl_buf, ctl_table
from skbuff.net.core import net_namespace
from skbuff.net.core.skbuff import MAX_SKB_FRAGS
from skbuff.net.core.sock import SK_WMEM_MAX
from skbuff.net.sched import sch_generic
from skbuff.uapi.if_link import IFNAMSIZ

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_hotdata
    from skbuff.net.core.net_namespace import Net

TCP_SKB_MIN_TRUESIZE = 2048 + 256  # 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)) on x86-64
SOCK_MIN_SNDBUF = TCP_SKB_MIN_TRUESIZE * 2
SOCK_MIN_RCVBUF = TCP_SKB_MIN_TRUESIZE
SK_RMEM_MAX = 212992
SK_MEMORY_PCPU_RESERVE = 256


class sysctl_net_core_globals:
    """The socket-buffer globals of net/core/sock.c (sysctl_wmem_max …). Kernel: net/core/sock.c."""

    __slots__ = ("sysctl_rmem_default", "sysctl_rmem_max", "sysctl_wmem_default", "sysctl_wmem_max")

    def __init__(self) -> None:
        self.sysctl_wmem_max = SK_WMEM_MAX
        self.sysctl_rmem_max = SK_RMEM_MAX
        self.sysctl_wmem_default = SK_WMEM_MAX
        self.sysctl_rmem_default = SK_RMEM_MAX


def _dev_weight_update(hot: net_hotdata) -> None:
    """Kernel: net/core/sysctl_net_core.c proc_do_dev_weight (dev_rx/tx_weight)."""
    hot.dev_rx_weight = hot.dev_weight * hot.dev_weight_rx_bias
    hot.dev_tx_weight = hot.dev_weight * hot.dev_weight_tx_bias


class _qdisc_name:
    """Holder for the text a set_default_qdisc write parses."""

    __slots__ = ("v",)

    def __init__(self, v: str) -> None:
        self.v = v


def _set_default_qdisc(k: Kernel) -> sysctl.ProcHandler:
    def set_default_qdisc(table: ctl_table, write: bool, buf: ctl_buf) -> int:
        """Read: the default qdisc's name; write: a registered discipline or -ENOENT.

        Kernel: net/core/sysctl_net_core.c set_default_qdisc, net/sched/sch_api.c
        qdisc_set_default.
        """
        hot: net_hotdata = k.net_hotdata
        holder = _qdisc_name(hot.default_qdisc_ops.id)
        tmp = ctl_table(table.procname, (holder, "v"), IFNAMSIZ, table.mode, sysctl.proc_dostring)
        ret = sysctl.proc_dostring(tmp, write, buf)
        if write and ret == 0:
            ops = sch_generic.qdisc_base.get(holder.v)
            if ops is None:
                return -errno.ENOENT
            hot.default_qdisc_ops = ops
        return ret

    return set_default_qdisc


def net_core_table(k: Kernel) -> list[ctl_table]:
    """Kernel: net/core/sysctl_net_core.c net_core_table (the entries we model)."""
    hot: net_hotdata = k.net_hotdata
    rl = k.net_ratelimit_state
    minmax = sysctl.proc_dointvec_minmax

    def weight(_net: Any, _old: Any, _new: Any) -> None:
        _dev_weight_update(hot)

    return [
        ctl_table("mem_pcpu_rsv", (hot, "sysctl_mem_pcpu_rsv"), proc_handler=minmax,
                  extra1=SK_MEMORY_PCPU_RESERVE),
        ctl_table("dev_weight", (hot, "dev_weight"), proc_handler=minmax, extra1=1,
                  on_write=weight),
        ctl_table("dev_weight_rx_bias", (hot, "dev_weight_rx_bias"), proc_handler=minmax, extra1=1,
                  on_write=weight),
        ctl_table("dev_weight_tx_bias", (hot, "dev_weight_tx_bias"), proc_handler=minmax, extra1=1,
                  on_write=weight),
        ctl_table("netdev_max_backlog", (hot, "max_backlog")),
        ctl_table("netdev_tstamp_prequeue", (hot, "tstamp_prequeue")),
        ctl_table("message_cost", (rl, "interval"), proc_handler=sysctl.proc_dointvec_jiffies),
        ctl_table("message_burst", (rl, "burst")),
        ctl_table("flow_limit_table_len", (hot, "netdev_flow_limit_table_len")),
        ctl_table("default_qdisc", None, maxlen=IFNAMSIZ, proc_handler=_set_default_qdisc(k)),
        ctl_table("netdev_budget", (hot, "netdev_budget")),
        ctl_table("max_skb_frags", (hot, "sysctl_max_skb_frags"), proc_handler=minmax, extra1=1,
                  extra2=MAX_SKB_FRAGS),
        ctl_table("netdev_budget_usecs", (hot, "netdev_budget_usecs"), proc_handler=minmax,
                  extra1=2 * 1_000_000 // k.hz),
        ctl_table("gro_normal_batch", (hot, "gro_normal_batch"), proc_handler=minmax, extra1=1),
        ctl_table("netdev_unregister_timeout_secs", (hot, "netdev_unregister_timeout_secs"),
                  proc_handler=minmax, extra1=1, extra2=3600),
        ctl_table("skb_defer_max", (hot, "sysctl_skb_defer_max"), proc_handler=minmax, extra1=0),
    ]


def netns_core_table(net: Net) -> list[ctl_table]:
    """Kernel: net/core/sysctl_net_core.c netns_core_table, sysctl_core_net_init (the socket
    buffer limits are global, read-only outside init_net)."""
    k = net.kernel
    glob: sysctl_net_core_globals = k.net_hotdata.sock_globals
    minmax = sysctl.proc_dointvec_minmax
    buf_mode = 0o644 if net is k.init_net else 0o444
    return [
        ctl_table("somaxconn", (net.core, "sysctl_somaxconn"), proc_handler=minmax, extra1=0),
        ctl_table("optmem_max", (net.core, "sysctl_optmem_max"), proc_handler=minmax, extra1=0),
        ctl_table("txrehash", (net.core, "sysctl_txrehash"), maxlen=1, proc_handler=minmax,
                  extra1=0, extra2=1),
        ctl_table("wmem_max", (glob, "sysctl_wmem_max"), mode=buf_mode, proc_handler=minmax,
                  extra1=SOCK_MIN_SNDBUF),
        ctl_table("rmem_max", (glob, "sysctl_rmem_max"), mode=buf_mode, proc_handler=minmax,
                  extra1=SOCK_MIN_RCVBUF),
        ctl_table("wmem_default", (glob, "sysctl_wmem_default"), mode=buf_mode, proc_handler=minmax,
                  extra1=SOCK_MIN_SNDBUF),
        ctl_table("rmem_default", (glob, "sysctl_rmem_default"), mode=buf_mode, proc_handler=minmax,
                  extra1=SOCK_MIN_RCVBUF),
    ]


def sysctl_core_net_init(net: Net) -> None:
    """Kernel: net/core/sysctl_net_core.c sysctl_core_net_init."""
    sysctl.register_net_sysctl(net, "net/core", netns_core_table(net))


def net_sysctl_init(k: Kernel) -> None:
    """Register net.core: the global table in init_net, the per-net table everywhere.

    Kernel: net/core/sysctl_net_core.c sysctl_core_init.
    """
    k.net_hotdata.sock_globals = sysctl_net_core_globals()
    sysctl.register_net_sysctl(k.init_net, "net/core", net_core_table(k))
    net_namespace.register_pernet_subsys(
        k, net_namespace.pernet_operations("sysctl_core", init=sysctl_core_net_init)
    )
