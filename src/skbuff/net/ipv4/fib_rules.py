"""IPv4 policy rules and `fib_lookup`.

Kernel: net/ipv4/fib_rules.c (fib4_rule_*, fib4_rules_init, __fib_lookup) and the
CONFIG_IP_MULTIPLE_TABLES `fib_lookup` inline of include/net/ip_fib.h. Until the first custom
rule (`net.ipv4.fib_has_custom_rules`), `fib_lookup` skips the rules: main (which shares its
trie with local) then default. Adding or deleting a rule first unmerges local from main
(`fib_frontend.fib_unmerge`, owner "fib") and flushes the route cache.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from skbuff.net.core import fib_rules as core_fr
from skbuff.net.core import rtnetlink
from skbuff.net.ipv4 import devinet, fib_frontend, fib_trie, ip_fib, route
from skbuff.uapi import fib_rules as uapi_fr
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.inet import ntoa
from skbuff.uapi.ip import IPTOS_TOS_MASK

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.flow import flowi4

INET_DSCP_MASK = 0xFC
FIB_MAX_AUTO_TABLE_ID = 4096


class fib4_rule(core_fr.fib_rule):
    """struct fib4_rule: the generic rule plus from/to prefixes and the dscp/tos selector.

    Kernel: net/ipv4/fib_rules.c struct fib4_rule.
    """

    __slots__ = (
        "dscp",
        "dscp_full",
        "dst",
        "dst_len",
        "dstmask",
        "src",
        "src_len",
        "srcmask",
        "tclassid",
    )

    def __init__(self, fr_net: Net) -> None:
        super().__init__(fr_net)
        self.dst_len = 0
        self.src_len = 0
        self.dscp = 0
        self.dscp_full = False
        self.src = 0
        self.srcmask = 0
        self.dst = 0
        self.dstmask = 0
        self.tclassid = 0

    def family_selector(self) -> str:
        parts = [f"from {ntoa(self.src)}/{self.src_len}" if self.src_len else "from all"]
        if self.dst_len:
            parts.append(f"to {ntoa(self.dst)}/{self.dst_len}")
        if self.dscp:
            parts.append(f"{'dscp' if self.dscp_full else 'tos'} {self.dscp:#x}")
        return " ".join(parts)


def fib4_rule_match(rule: core_fr.fib_rule, fl4: flowi4, flags: int) -> bool:
    """from/to prefixes, dscp (full) or tos (legacy, RT_TOS-masked), ipproto, port ranges.

    Kernel: net/ipv4/fib_rules.c fib4_rule_match.
    """
    assert isinstance(rule, fib4_rule)
    if (fl4.saddr ^ rule.src) & rule.srcmask or (fl4.daddr ^ rule.dst) & rule.dstmask:
        return False
    if rule.dscp_full:
        if rule.dscp != fl4.flowi4_tos & INET_DSCP_MASK:
            return False
    elif rule.dscp and rule.dscp != fl4.flowi4_tos & IPTOS_TOS_MASK & INET_DSCP_MASK:
        return False
    if rule.ip_proto and rule.ip_proto != fl4.flowi4_proto:
        return False
    if (rule.sport_range != core_fr.FIB_RULE_PORT_UNSET
            and not core_fr.fib_rule_port_inrange(rule.sport_range, fl4.fl4_sport)):
        return False
    return (rule.dport_range == core_fr.FIB_RULE_PORT_UNSET
            or core_fr.fib_rule_port_inrange(rule.dport_range, fl4.fl4_dport))


def fib4_rule_action(rule: core_fr.fib_rule, fl4: flowi4, flags: int,
                     arg: core_fr.fib_lookup_arg) -> int:
    """TO_TBL looks the table up (missing table: -EAGAIN); UNREACHABLE -ENETUNREACH,
    PROHIBIT -EACCES, BLACKHOLE and anything else -EINVAL.

    Kernel: net/ipv4/fib_rules.c fib4_rule_action.
    """
    action = rule.action
    if action == uapi_fr.FR_ACT_UNREACHABLE:
        return -errno.ENETUNREACH
    if action == uapi_fr.FR_ACT_PROHIBIT:
        return -errno.EACCES
    if action != uapi_fr.FR_ACT_TO_TBL:
        return -errno.EINVAL
    tb_id = arg.table if rule.l3mdev else rule.table
    tbl = fib_frontend.fib_get_table(rule.fr_net, tb_id)
    if tbl is None:
        return -errno.EAGAIN
    if fl4.decision is not None:
        fl4.decision.table(tb_id)
    err: int = fib_trie.fib_table_lookup(tbl, fl4, arg.result, arg.flags)
    return err


def fib4_rule_suppress(rule: core_fr.fib_rule, flags: int, arg: core_fr.fib_lookup_arg) -> bool:
    """Reject a result whose prefix is not longer than suppress_prefixlength, or whose first
    nexthop device is in suppress_ifgroup. Kernel: net/ipv4/fib_rules.c fib4_rule_suppress.
    """
    result: ip_fib.fib_result = arg.result
    if result.prefixlen <= rule.suppress_prefixlen:
        return True
    if rule.suppress_ifgroup != -1 and result.fi is not None:
        dev = ip_fib.fib_info_nhc(result.fi, 0).nhc_dev
        if dev is not None and dev.group == rule.suppress_ifgroup:
            return True
    return False


def fib_empty_table(net: Net) -> Any:
    """The first unused table id from 1, created. Kernel: net/ipv4/fib_rules.c."""
    for tb_id in range(1, FIB_MAX_AUTO_TABLE_ID + 1):
        if fib_frontend.fib_get_table(net, tb_id) is None:
            return fib_frontend.fib_new_table(net, tb_id)
    return None


def fib4_rule_configure(rule: core_fr.fib_rule, frh: Any, tb: dict[int, Any], extack: Any
                        ) -> int:
    """Validate tos/dscp, unmerge local/main, pick a table for `lookup` without one, set the
    prefixes; marks the namespace as having custom rules.

    Kernel: net/ipv4/fib_rules.c fib4_rule_configure.
    """
    assert isinstance(rule, fib4_rule)
    net = rule.fr_net
    if frh.tos & ~INET_DSCP_MASK & 0xFF:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid dsfield (tos): ECN bits must be 0")
        return -errno.EINVAL
    if frh.tos & ~IPTOS_TOS_MASK & 0xFF:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid tos")
        return -errno.EINVAL
    rule.dscp = frh.tos & INET_DSCP_MASK
    if uapi_fr.FRA_DSCP in tb:
        if rule.dscp:
            rtnetlink.NL_SET_ERR_MSG(extack, "Cannot specify both TOS and DSCP")
            return -errno.EINVAL
        rule.dscp = (tb[uapi_fr.FRA_DSCP] << 2) & INET_DSCP_MASK
        rule.dscp_full = True
    err: int = fib_frontend.fib_unmerge(net)
    if err:
        return err
    if rule.table == uapi_rt.RT_TABLE_UNSPEC and not rule.l3mdev \
            and rule.action == uapi_fr.FR_ACT_TO_TBL:
        table = fib_empty_table(net)
        if table is None:
            return -errno.ENOBUFS
        rule.table = table.tb_id
    if frh.src_len:
        rule.src = tb[uapi_fr.FRA_SRC]
    if frh.dst_len:
        rule.dst = tb[uapi_fr.FRA_DST]
    rule.tclassid = tb.get(uapi_fr.FRA_FLOW, 0)
    rule.src_len = frh.src_len
    rule.srcmask = devinet.inet_make_mask(rule.src_len)
    rule.dst_len = frh.dst_len
    rule.dstmask = devinet.inet_make_mask(rule.dst_len)
    if core_fr.fib_rule_requires_fldissect(rule):
        net.ipv4.fib_rules_require_fldissect += 1
    net.ipv4.fib_has_custom_rules = True
    return 0


def fib4_rule_delete(rule: core_fr.fib_rule) -> int:
    """Unmerge local/main and keep the custom-rules mode.

    Kernel: net/ipv4/fib_rules.c fib4_rule_delete.
    """
    net = rule.fr_net
    err: int = fib_frontend.fib_unmerge(net)
    if err:
        return err
    net.ipv4.fib_has_custom_rules = True
    if net.ipv4.fib_rules_require_fldissect and core_fr.fib_rule_requires_fldissect(rule):
        net.ipv4.fib_rules_require_fldissect -= 1
    return 0


def fib4_rule_compare(rule: core_fr.fib_rule, frh: Any, tb: dict[int, Any]) -> bool:
    """The family fields of a request match `rule`.

    Kernel: net/ipv4/fib_rules.c fib4_rule_compare.
    """
    assert isinstance(rule, fib4_rule)
    if frh.src_len and rule.src_len != frh.src_len:
        return False
    if frh.dst_len and rule.dst_len != frh.dst_len:
        return False
    if frh.tos and (rule.dscp_full or rule.dscp != frh.tos):
        return False
    if uapi_fr.FRA_DSCP in tb and (
            not rule.dscp_full or rule.dscp != (tb[uapi_fr.FRA_DSCP] << 2) & INET_DSCP_MASK):
        return False
    if uapi_fr.FRA_FLOW in tb and rule.tclassid != tb[uapi_fr.FRA_FLOW]:
        return False
    if frh.src_len and rule.src != tb[uapi_fr.FRA_SRC]:
        return False
    return not (frh.dst_len and rule.dst != tb[uapi_fr.FRA_DST])


def fib4_rule_fill(rule: core_fr.fib_rule, frh: Any, tb: dict[int, Any]) -> None:
    """Add the family fields to a dump message. Kernel: net/ipv4/fib_rules.c fib4_rule_fill."""
    assert isinstance(rule, fib4_rule)
    frh.dst_len = rule.dst_len
    frh.src_len = rule.src_len
    if rule.dscp_full:
        frh.tos = 0
        tb[uapi_fr.FRA_DSCP] = rule.dscp >> 2
    else:
        frh.tos = rule.dscp
    if rule.dst_len:
        tb[uapi_fr.FRA_DST] = rule.dst
    if rule.src_len:
        tb[uapi_fr.FRA_SRC] = rule.src
    if rule.tclassid:
        tb[uapi_fr.FRA_FLOW] = rule.tclassid


def fib4_rule_flush_cache(ops: core_fr.fib_rules_ops) -> None:
    """Kernel: net/ipv4/fib_rules.c fib4_rule_flush_cache."""
    route.rt_cache_flush(ops.fro_net)


def fib4_rule_default(rule: core_fr.fib_rule) -> bool:
    """A plain `lookup local|main|default` rule. Kernel: net/ipv4/fib_rules.c fib4_rule_default."""
    assert isinstance(rule, fib4_rule)
    return (not (rule.dst_len or rule.src_len or rule.dscp or rule.iifindex or rule.oifindex
                 or rule.mark or rule.tun_id or rule.flags)
            and rule.suppress_ifgroup == -1 and rule.suppress_prefixlen == -1
            and rule.uid_range == core_fr.FIB_KUID_RANGE_UNSET
            and rule.sport_range == core_fr.FIB_RULE_PORT_UNSET
            and rule.dport_range == core_fr.FIB_RULE_PORT_UNSET
            and rule.action == uapi_fr.FR_ACT_TO_TBL and not rule.l3mdev
            and rule.table in (uapi_rt.RT_TABLE_LOCAL, uapi_rt.RT_TABLE_MAIN,
                               uapi_rt.RT_TABLE_DEFAULT))


def fib_default_rules_init(ops: core_fr.fib_rules_ops) -> int:
    """0 lookup local, 32766 lookup main, 32767 lookup default.

    Kernel: net/ipv4/fib_rules.c fib_default_rules_init.
    """
    for pref, table in ((0, uapi_rt.RT_TABLE_LOCAL), (0x7FFE, uapi_rt.RT_TABLE_MAIN),
                        (0x7FFF, uapi_rt.RT_TABLE_DEFAULT)):
        err = core_fr.fib_default_rule_add(ops, pref, table)
        if err < 0:
            return err
    return 0


def fib4_rules_init(net: Net) -> int:
    """Pernet init: the IPv4 rule set with its default rules.

    Kernel: net/ipv4/fib_rules.c fib4_rules_init.
    """
    ops = core_fr.fib_rules_register(core_fr.fib_rules_ops(
        family=uapi_rt.AF_INET, rule_class=fib4_rule, addr_size=4, action=fib4_rule_action,
        suppress=fib4_rule_suppress, match=fib4_rule_match, configure=fib4_rule_configure,
        delete=fib4_rule_delete, compare=fib4_rule_compare, fill=fib4_rule_fill,
        flush_cache=fib4_rule_flush_cache, nlgroup=uapi_rt.RTNLGRP_IPV4_RULE, fro_net=net,
    ), net)
    err = fib_default_rules_init(ops)
    if err < 0:
        core_fr.fib_rules_unregister(ops)
        return err
    net.ipv4.rules_ops = ops
    net.ipv4.fib_has_custom_rules = False
    net.ipv4.fib_rules_require_fldissect = 0
    return 0


def fib4_rules_exit(net: Net) -> None:
    """Pernet exit. Kernel: net/ipv4/fib_rules.c fib4_rules_exit."""
    core_fr.fib_rules_unregister(net.ipv4.rules_ops)


def __fib_lookup(net: Net, flp: flowi4, res: ip_fib.fib_result, flags: int) -> int:
    """Rule-driven lookup; -ESRCH (no rule decided) becomes -ENETUNREACH.

    Kernel: net/ipv4/fib_rules.c __fib_lookup.
    """
    arg = core_fr.fib_lookup_arg(res, flags)
    err = core_fr.fib_rules_lookup(net.ipv4.rules_ops, flp, 0, arg)
    rule = arg.rule
    res.tclassid = rule.tclassid if isinstance(rule, fib4_rule) else 0
    return -errno.ENETUNREACH if err == -errno.ESRCH else err


def fib_lookup(net: Net, flp: flowi4, res: ip_fib.fib_result, flags: int) -> int:
    """Route lookup for `flp`: 0 with `res` filled, or -ENETUNREACH/-EHOSTUNREACH/-EACCES/
    -EINVAL. Without custom rules: main (which shares its trie with local), then default
    only if main missed (-EAGAIN); a final miss is -ENETUNREACH.

    Kernel: include/net/ip_fib.h fib_lookup (CONFIG_IP_MULTIPLE_TABLES). Any context.
    """
    flags |= ip_fib.FIB_LOOKUP_NOREF
    ipv4 = net.ipv4
    if ipv4.fib_has_custom_rules:
        return __fib_lookup(net, flp, res, flags)
    res.tclassid = 0
    rec = flp.decision
    err = -errno.EAGAIN
    tb = ipv4.fib_main
    if tb is not None:
        if rec is not None:
            rec.table(tb.tb_id)
        err = fib_trie.fib_table_lookup(tb, flp, res, flags)
    if err != -errno.EAGAIN:
        return err
    tb = ipv4.fib_default
    if tb is not None:
        if rec is not None:
            rec.table(tb.tb_id)
        err = fib_trie.fib_table_lookup(tb, flp, res, flags)
    return -errno.ENETUNREACH if err == -errno.EAGAIN else err
