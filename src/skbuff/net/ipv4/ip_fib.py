"""The IPv4 FIB structures shared by fib_trie, fib_semantics, fib_frontend, fib_rules and route.

Kernel: include/net/ip_fib.h (fib_config, fib_nh_common, fib_nh, fib_info, fib_result,
fib_table, FIB_RES_* helpers), net/ipv4/fib_lookup.h (fib_alias). `fib_lookup` itself lives with
the rules (net/ipv4/fib_rules.py, owner "route"); the trie code is in fib_trie.py.

Addresses are host-order ints. Metrics are lists indexed by `RTAX_* - 1` (the kernel's u32
array, `RTAX_LOCK - 1` holding the lock bits), the same layout as `dst_entry` metrics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skbuff.compat import sparse_fields
from skbuff.uapi import rtnetlink as uapi_rt

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.ipv4.fib_trie import key_vector
    from skbuff.net.ipv4.nexthop import nexthop

KEYLENGTH = 32
FIB_LOOKUP_NOREF = 1
FIB_LOOKUP_IGNORE_LINKSTATE = 2
FIB_RES_METRICS_LEN = uapi_rt.RTAX_MAX
FA_S_ACCESSED = 0x01


class nl_info:
    """struct nl_info: who asked for a change (for notifications). Kernel: include/net/netlink.h."""

    __slots__ = ("nl_net", "nlh", "portid", "skip_notify")

    def __init__(self, nl_net: Net | None = None, nlh: Any = None, portid: int = 0) -> None:
        self.nl_net = nl_net
        self.nlh = nlh
        self.portid = portid
        self.skip_notify = False


class fib_config:
    """struct fib_config: a parsed RTM_NEWROUTE/DELROUTE request. Kernel: include/net/ip_fib.h."""

    __slots__ = (
        "fc_dscp",
        "fc_dst",
        "fc_dst_len",
        "fc_flags",
        "fc_flow",
        "fc_gw4",
        "fc_gw_family",
        "fc_mp",
        "fc_mx",
        "fc_nh_id",
        "fc_nlflags",
        "fc_nlinfo",
        "fc_oif",
        "fc_prefsrc",
        "fc_priority",
        "fc_protocol",
        "fc_scope",
        "fc_table",
        "fc_type",
    )

    def __init__(self) -> None:
        self.fc_dst_len = 0
        self.fc_dscp = 0
        self.fc_protocol = 0
        self.fc_scope = uapi_rt.RT_SCOPE_UNIVERSE
        self.fc_type = uapi_rt.RTN_UNICAST
        self.fc_gw_family = 0
        self.fc_table = 0
        self.fc_dst = 0
        self.fc_gw4 = 0
        self.fc_oif = 0
        self.fc_flags = 0
        self.fc_priority = 0
        self.fc_prefsrc = 0
        self.fc_nh_id = 0
        self.fc_mx: dict[int, int] | None = None
        self.fc_mp: list[uapi_rt.rtnexthop] | None = None
        self.fc_flow = 0
        self.fc_nlflags = 0
        self.fc_nlinfo = nl_info()

    @classmethod
    def unset(cls) -> fib_config:
        """A fib_config with no field set yet: rtm_to_fib_config's own, which it fills whole
        (the kernel's memset then parse) without the defaults being written first."""
        return cls.__new__(cls)

    @property
    def fc_tos(self) -> int:
        """The dsfield byte (the kernel keeps dscp_t; iproute2 says `tos`)."""
        return self.fc_dscp


class fib_nh_common:
    """struct fib_nh_common. `nhc_exceptions` (fnhe hash) and the dst caches belong to route.c.

    Kernel: include/net/ip_fib.h struct fib_nh_common.
    """

    __slots__ = (
        "nhc_dev",
        "nhc_exceptions",
        "nhc_family",
        "nhc_flags",
        "nhc_gw",
        "nhc_gw_family",
        "nhc_oif",
        "nhc_pcpu_rth_output",
        "nhc_rth_input",
        "nhc_scope",
        "nhc_upper_bound",
        "nhc_weight",
    )

    def __init__(self) -> None:
        self.nhc_dev: net_device | None = None
        self.nhc_oif = 0
        self.nhc_scope = uapi_rt.RT_SCOPE_UNIVERSE
        self.nhc_family = uapi_rt.AF_INET
        self.nhc_gw_family = 0
        self.nhc_flags = 0
        self.nhc_weight = 1
        self.nhc_upper_bound = 0
        self.nhc_gw = 0
        self.nhc_pcpu_rth_output: list[Any] = []
        self.nhc_rth_input: Any = None
        self.nhc_exceptions: Any = None


class fib_nh(fib_nh_common):
    """struct fib_nh: an IPv4 nexthop of a fib_info. Kernel: include/net/ip_fib.h."""

    __slots__ = ("nh_parent", "nh_saddr", "nh_saddr_genid", "nh_tclassid")

    def __init__(self) -> None:
        super().__init__()
        self.nh_parent: fib_info | None = None
        self.nh_tclassid = 0
        self.nh_saddr = 0
        self.nh_saddr_genid = 0


class fib_info:
    """struct fib_info: the shared part of routes (nexthops, metrics, prefsrc, priority).

    Kernel: include/net/ip_fib.h. Shared between aliases via fib_find_info (fib_treeref counts
    aliases, fib_clntref users); `fib_hash` is the fib_info_hashfn value.
    """

    __slots__ = (
        "fib_clntref",
        "fib_dead",
        "fib_flags",
        "fib_hash",
        "fib_metrics",
        "fib_net",
        "fib_nh",
        "fib_nh_is_v6",
        "fib_nhs",
        "fib_prefsrc",
        "fib_priority",
        "fib_protocol",
        "fib_scope",
        "fib_tb_id",
        "fib_treeref",
        "fib_type",
        "nh",
    )

    def __init__(self, net: Net | None) -> None:
        self.fib_hash = 0
        self.fib_net = net
        self.fib_treeref = 0
        self.fib_clntref = 1
        self.fib_flags = 0
        self.fib_dead = 0
        self.fib_protocol = 0
        self.fib_scope = uapi_rt.RT_SCOPE_UNIVERSE
        self.fib_type = uapi_rt.RTN_UNICAST
        self.fib_prefsrc = 0
        self.fib_tb_id = 0
        self.fib_priority = 0
        self.fib_metrics: list[int] = [0] * FIB_RES_METRICS_LEN
        self.fib_nhs = 0
        self.fib_nh_is_v6 = False
        self.nh: nexthop | None = None  # a nexthop object (`nhid`): fib_nh is empty
        self.fib_nh: list[fib_nh] = []


def fib_info_num_path(fi: fib_info) -> int:
    """Kernel: include/net/nexthop.h fib_info_num_path."""
    if fi.nh is not None:
        from skbuff.net.ipv4 import nexthop  # nexthop.py is built on this module

        return nexthop.nexthop_num_path(fi.nh)
    return fi.fib_nhs


def fib_info_nhc(fi: fib_info, nhsel: int) -> fib_nh_common:
    """The nhsel-th path of a route, its own or its nexthop object's.

    Kernel: include/net/nexthop.h fib_info_nhc."""
    if fi.nh is not None:
        from skbuff.net.ipv4 import nexthop  # nexthop.py is built on this module

        nhc = nexthop.nexthop_fib_nhc(fi.nh, nhsel)
        assert nhc is not None
        return nhc
    return fi.fib_nh[nhsel]


@sparse_fields(fa_dscp=0, fa_type=uapi_rt.RTN_UNICAST, fa_state=0, tb_id=uapi_rt.RT_TABLE_MAIN,
               fa_default=-1)
class fib_alias:
    """struct fib_alias: one route in a trie leaf. Kernel: net/ipv4/fib_lookup.h.

    `fa_slen` is KEYLENGTH - prefix length; `fa_dscp` the dsfield byte the route matches.
    The kernel's offload/trap/offload_failed bits are left out: no driver offloads routes
    here, so they would always be 0 (and cost 24 bytes in each of a million routes).
    Fields other than fa_info and fa_slen are written only when they differ from their usual
    values (`sparse_fields`: PyPy then stores only what was written).
    """

    __slots__ = (
        "fa_default",
        "fa_dscp",
        "fa_info",
        "fa_slen",
        "fa_state",
        "fa_type",
        "tb_id",
    )
    fa_state: int
    fa_default: int

    def __init__(self, fi: fib_info, dscp: int, fa_type: int, slen: int, tb_id: int) -> None:
        self.fa_info = fi
        self.fa_slen = slen
        if dscp:
            self.fa_dscp = dscp
        if fa_type != uapi_rt.RTN_UNICAST:
            self.fa_type = fa_type
        if tb_id != uapi_rt.RT_TABLE_MAIN:
            self.tb_id = tb_id

    @property
    def fa_tos(self) -> int:
        """Pre-6.x name of fa_dscp (as a dsfield byte)."""
        return self.fa_dscp


class fib_result:
    """struct fib_result: what a FIB lookup returns. Kernel: include/net/ip_fib.h.

    `fa_head` is the leaf holding the chosen alias (the kernel's &n->leaf); read its aliases
    with fib_trie.leaf_aliases.
    """

    __slots__ = (
        "fa_head",
        "fi",
        "nh_sel",
        "nhc",
        "prefix",
        "prefixlen",
        "scope",
        "table",
        "tclassid",
        "type",
    )

    def __init__(self) -> None:
        self.prefix = 0
        self.prefixlen = 0
        self.nh_sel = 0
        self.type = 0
        self.scope = 0
        self.tclassid = 0
        self.nhc: fib_nh_common | None = None
        self.fi: fib_info | None = None
        self.table: fib_table | None = None
        self.fa_head: key_vector | None = None


class fib_table:
    """struct fib_table: one routing table; `tb_data` is its trie (fib_trie.trie).

    Kernel: include/net/ip_fib.h. Tables that share a trie (local+main before the first custom
    rule) have the same `tb_data` object; `tb_own_data` is the trie allocated with the table
    (the kernel's `__data`), None for a table created as an alias.
    """

    __slots__ = ("tb_data", "tb_id", "tb_num_default", "tb_own_data")

    def __init__(self, tb_id: int, tb_data: Any, tb_own_data: Any) -> None:
        self.tb_id = tb_id
        self.tb_num_default = 0
        self.tb_data = tb_data
        self.tb_own_data = tb_own_data


def FIB_RES_NHC(res: fib_result) -> fib_nh_common:
    """Kernel: include/net/ip_fib.h FIB_RES_NHC."""
    nhc = res.nhc
    assert nhc is not None
    return nhc


def FIB_RES_DEV(res: fib_result) -> net_device | None:
    """Kernel: include/net/ip_fib.h FIB_RES_DEV."""
    return FIB_RES_NHC(res).nhc_dev


def FIB_RES_OIF(res: fib_result) -> int:
    """Kernel: include/net/ip_fib.h FIB_RES_OIF."""
    return FIB_RES_NHC(res).nhc_oif
