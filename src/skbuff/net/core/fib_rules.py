"""Policy routing rules, family independent: matching, the lookup walk, rtnetlink handlers.

Kernel: net/core/fib_rules.c, include/net/fib_rules.h. The rules of a family live in
`fib_rules_ops.rules_list`, sorted by `pref` (ties keep insertion order). A family (IPv4:
net/ipv4/fib_rules.py) supplies `match`, `action`, `suppress`, `configure`, `delete`,
`compare`, `fill` and `flush_cache`. All handlers run in process context under RTNL;
`fib_rules_lookup` runs in any context and allocates nothing.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.kernel import notifier
from skbuff.net import flow
from skbuff.net.core import dev as core_dev
from skbuff.net.core import rtnetlink
from skbuff.uapi import fib_rules as uapi_fr
from skbuff.uapi import if_link
from skbuff.uapi import rtnetlink as uapi_rt

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.flow import flowi4

FIB_RULE_PORT_UNSET = (0, 0)
FIB_KUID_RANGE_UNSET = (0, 0xFFFFFFFF)

_ACTION_NAMES = {
    uapi_fr.FR_ACT_TO_TBL: "lookup", uapi_fr.FR_ACT_GOTO: "goto", uapi_fr.FR_ACT_NOP: "nop",
    uapi_fr.FR_ACT_BLACKHOLE: "blackhole", uapi_fr.FR_ACT_UNREACHABLE: "unreachable",
    uapi_fr.FR_ACT_PROHIBIT: "prohibit",
}


class fib_rule:
    """struct fib_rule. Ranges are (start, end) tuples; `(0, 0)` is an unset port range.

    `iifindex`/`oifindex` are 0 (any), the device's ifindex, or -1 (named device absent).

    Kernel: include/net/fib_rules.h struct fib_rule.
    """

    __slots__ = (
        "action",
        "ctarget",
        "dport_range",
        "flags",
        "fr_net",
        "iifindex",
        "iifname",
        "ip_proto",
        "l3mdev",
        "mark",
        "mark_mask",
        "oifindex",
        "oifname",
        "pref",
        "proto",
        "sport_range",
        "suppress_ifgroup",
        "suppress_prefixlen",
        "table",
        "target",
        "tun_id",
        "uid_range",
    )

    def __init__(self, fr_net: Net) -> None:
        self.pref = 0
        self.table = 0
        self.action = 0
        self.flags = 0
        self.target = 0
        self.ctarget: fib_rule | None = None
        self.iifname = ""
        self.iifindex = 0
        self.oifname = ""
        self.oifindex = 0
        self.mark = 0
        self.mark_mask = 0
        self.tun_id = 0
        self.l3mdev = 0
        self.uid_range = FIB_KUID_RANGE_UNSET
        self.suppress_prefixlen = -1
        self.suppress_ifgroup = -1
        self.proto = uapi_rt.RTPROT_UNSPEC
        self.ip_proto = 0
        self.sport_range = FIB_RULE_PORT_UNSET
        self.dport_range = FIB_RULE_PORT_UNSET
        self.fr_net = fr_net

    def describe(self) -> str:
        """The rule as `ip rule` would print its selector and action (for decision records)."""
        parts = []
        if self.flags & uapi_fr.FIB_RULE_INVERT:
            parts.append("not")
        parts.append(self.family_selector())
        if self.iifname:
            parts.append(f"iif {self.iifname}")
        if self.oifname:
            parts.append(f"oif {self.oifname}")
        if self.mark or self.mark_mask:
            parts.append(f"fwmark {self.mark:#x}/{self.mark_mask:#x}")
        if self.uid_range != FIB_KUID_RANGE_UNSET:
            parts.append(f"uidrange {self.uid_range[0]}-{self.uid_range[1]}")
        if self.ip_proto:
            parts.append(f"ipproto {self.ip_proto}")
        if self.sport_range != FIB_RULE_PORT_UNSET:
            parts.append(f"sport {self.sport_range[0]}-{self.sport_range[1]}")
        if self.dport_range != FIB_RULE_PORT_UNSET:
            parts.append(f"dport {self.dport_range[0]}-{self.dport_range[1]}")
        act = _ACTION_NAMES.get(self.action, f"action {self.action}")
        if self.action == uapi_fr.FR_ACT_TO_TBL:
            act = f"lookup {self.table}"
        elif self.action == uapi_fr.FR_ACT_GOTO:
            act = f"goto {self.target}"
        parts.append(act)
        if self.suppress_prefixlen != -1:
            parts.append(f"suppress_prefixlength {self.suppress_prefixlen}")
        if self.suppress_ifgroup != -1:
            parts.append(f"suppress_ifgroup {self.suppress_ifgroup}")
        return " ".join(parts)

    def family_selector(self) -> str:
        """The family part of `describe` (from/to/tos); the family class overrides it."""
        return "from all"


class fib_lookup_arg:
    """struct fib_lookup_arg: the lookup's result slot, flags and the rule that decided.

    Kernel: include/net/fib_rules.h struct fib_lookup_arg.
    """

    __slots__ = ("flags", "result", "rule", "table")

    def __init__(self, result: Any, flags: int) -> None:
        self.result = result
        self.flags = flags
        self.rule: fib_rule | None = None
        self.table = 0


RuleMatch = Callable[[fib_rule, "flowi4", int], bool]
RuleAction = Callable[[fib_rule, "flowi4", int, fib_lookup_arg], int]
RuleSuppress = Callable[[fib_rule, int, fib_lookup_arg], bool]
RuleConfigure = Callable[[fib_rule, Any, dict[int, Any], Any], int]
RuleCompare = Callable[[fib_rule, Any, dict[int, Any]], bool]
RuleFill = Callable[[fib_rule, Any, dict[int, Any]], None]


class fib_rules_ops:
    """struct fib_rules_ops: one family's rule list and callbacks.

    Kernel: include/net/fib_rules.h.
    """

    __slots__ = (
        "action",
        "addr_size",
        "compare",
        "configure",
        "delete",
        "family",
        "fill",
        "flush_cache",
        "fro_net",
        "match",
        "nlgroup",
        "nr_goto_rules",
        "rule_class",
        "rules_list",
        "suppress",
        "unresolved_rules",
    )

    def __init__(
        self, family: int, rule_class: Callable[[Net], fib_rule], addr_size: int,
        action: RuleAction, suppress: RuleSuppress, match: RuleMatch,
        configure: RuleConfigure, delete: Callable[[fib_rule], int], compare: RuleCompare,
        fill: RuleFill, flush_cache: Callable[[fib_rules_ops], None], nlgroup: int,
        fro_net: Net,
    ) -> None:
        self.family = family
        self.rule_class = rule_class
        self.addr_size = addr_size
        self.action = action
        self.suppress = suppress
        self.match = match
        self.configure = configure
        self.delete = delete
        self.compare = compare
        self.fill = fill
        self.flush_cache = flush_cache
        self.nlgroup = nlgroup
        self.rules_list: list[fib_rule] = []
        self.nr_goto_rules = 0
        self.unresolved_rules = 0
        self.fro_net = fro_net


def _rules_ops_of(net: Net) -> dict[int, fib_rules_ops]:
    ops: dict[int, fib_rules_ops] = net.gen.setdefault("fib_rules_ops", {})
    return ops


def fib_rules_register(ops: fib_rules_ops, net: Net) -> fib_rules_ops:
    """Make `ops` the rule set of its family in `net`.

    Kernel: net/core/fib_rules.c fib_rules_register.
    """
    table = _rules_ops_of(net)
    if ops.family in table:
        raise ValueError(f"fib_rules_register: family {ops.family} already registered")
    table[ops.family] = ops
    return ops


def fib_rules_unregister(ops: fib_rules_ops) -> None:
    """Remove the family's rules from its namespace.

    Kernel: net/core/fib_rules.c fib_rules_unregister.
    """
    _rules_ops_of(ops.fro_net).pop(ops.family, None)
    ops.rules_list.clear()


def lookup_rules_ops(net: Net, family: int) -> fib_rules_ops | None:
    """Kernel: net/core/fib_rules.c lookup_rules_ops."""
    return _rules_ops_of(net).get(family)


def fib_default_rule_add(ops: fib_rules_ops, pref: int, table: int) -> int:
    """Append a kernel default rule `pref: lookup table`.

    Kernel: net/core/fib_rules.c fib_default_rule_add.
    """
    r = ops.rule_class(ops.fro_net)
    r.action = uapi_fr.FR_ACT_TO_TBL
    r.pref = pref
    r.table = table
    r.proto = uapi_rt.RTPROT_KERNEL
    ops.rules_list.append(r)
    return 0


def fib_default_rule_pref(ops: fib_rules_ops) -> int:
    """Priority for a rule added without one: the second rule's pref minus 1, else 0.

    Kernel: net/core/fib_rules.c fib_default_rule_pref.
    """
    rules = ops.rules_list
    if len(rules) >= 2 and rules[1].pref:
        return rules[1].pref - 1
    return 0


def fib_rule_requires_fldissect(rule: fib_rule) -> bool:
    """Input lookups must dissect ports/protocol for this rule (it is not an iif-lo rule).

    Kernel: include/net/fib_rules.h fib_rule_requires_fldissect.
    """
    return rule.iifindex != flow.LOOPBACK_IFINDEX and bool(
        rule.ip_proto or rule.sport_range != FIB_RULE_PORT_UNSET
        or rule.dport_range != FIB_RULE_PORT_UNSET)


def fib_rule_port_inrange(rng: tuple[int, int], port: int) -> bool:
    """Kernel: include/net/fib_rules.h fib_rule_port_inrange."""
    return rng[0] <= port <= rng[1]


def fib_rule_match(rule: fib_rule, ops: fib_rules_ops, fl: flowi4, flags: int,
                   arg: fib_lookup_arg) -> bool:
    """Generic selectors (iif, oif, fwmark/mask, uid range), then the family's; `not` inverts.

    Kernel: net/core/fib_rules.c fib_rule_match.
    """
    ret = not (
        (rule.iifindex and rule.iifindex != fl.flowi4_iif)
        or (rule.oifindex and rule.oifindex != fl.flowi4_oif)
        or (rule.mark ^ fl.flowi4_mark) & rule.mark_mask
        or not rule.uid_range[0] <= fl.flowi4_uid <= rule.uid_range[1]
    ) and ops.match(rule, fl, flags)
    return (not ret) if rule.flags & uapi_fr.FIB_RULE_INVERT else ret


def fib_rules_lookup(ops: fib_rules_ops, fl: flowi4, flags: int, arg: fib_lookup_arg) -> int:
    """Walk the rules in priority order; the first action that does not return -EAGAIN and
    is not suppressed decides. No such rule: -ESRCH. Records rules in `fl.decision`.

    Kernel: net/core/fib_rules.c fib_rules_lookup.
    """
    rec = fl.decision
    rules = ops.rules_list
    i = 0
    n = len(rules)
    while i < n:
        rule = rules[i]
        i += 1
        while True:
            if not fib_rule_match(rule, ops, fl, flags, arg):
                if rec is not None:
                    rec.rule(rule.pref, rule.describe(), False, "selector mismatch", "")
                break
            if rule.action == uapi_fr.FR_ACT_GOTO:
                target = rule.ctarget
                if target is None:
                    if rec is not None:
                        rec.rule(rule.pref, rule.describe(), True, "goto target missing",
                                 "continue")
                    break
                if rec is not None:
                    rec.rule(rule.pref, rule.describe(), True, "selectors match",
                             f"goto {target.pref}")
                rule = target
                i = rules.index(target) + 1
                continue
            if rule.action == uapi_fr.FR_ACT_NOP:
                if rec is not None:
                    rec.rule(rule.pref, rule.describe(), True, "selectors match", "nop")
                break
            if rec is not None:
                rec.rule(rule.pref, rule.describe(), True, "selectors match",
                         _ACTION_NAMES.get(rule.action, "blackhole"))
            err = ops.action(rule, fl, flags, arg)
            if not err and ops.suppress(rule, flags, arg):
                if rec is not None:
                    rec.rule(rule.pref, rule.describe(), True, "result suppressed", "continue")
                break
            if err != -errno.EAGAIN:
                arg.rule = rule
                return err
            if rec is not None:
                rec.rule(rule.pref, rule.describe(), True, "table miss", "continue")
            break
    return -errno.ESRCH


def _port_range(v: Any) -> tuple[int, int] | None:
    start, end = (v.start, v.end) if not isinstance(v, tuple) else v
    if not start or not end or start > end or end > 0xFFFF:
        return None
    return (start, end)


def fib_nl2rule(net: Net, msg: Any, extack: Any, ops: fib_rules_ops
                ) -> tuple[int, fib_rule | None, bool]:
    """Parse a rule request into a new (unlinked) rule: (err, rule, user_priority).

    Kernel: net/core/fib_rules.c fib_nl2rule.
    """
    frh = msg.hdr
    tb: dict[int, Any] = msg.attrs
    if frh.src_len and (uapi_fr.FRA_SRC not in tb or frh.src_len > ops.addr_size * 8):
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid source address")
        return -errno.EINVAL, None, False
    if frh.dst_len and (uapi_fr.FRA_DST not in tb or frh.dst_len > ops.addr_size * 8):
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid dst address")
        return -errno.EINVAL, None, False
    r = ops.rule_class(net)
    user_priority = uapi_fr.FRA_PRIORITY in tb
    r.pref = tb[uapi_fr.FRA_PRIORITY] if user_priority else fib_default_rule_pref(ops)
    r.proto = tb.get(uapi_fr.FRA_PROTOCOL, uapi_rt.RTPROT_UNSPEC)
    if uapi_fr.FRA_IIFNAME in tb:
        r.iifname = tb[uapi_fr.FRA_IIFNAME][: if_link.IFNAMSIZ - 1]
        dev = net.dev_base_head.get(r.iifname)
        r.iifindex = dev.ifindex if dev is not None else -1
    if uapi_fr.FRA_OIFNAME in tb:
        r.oifname = tb[uapi_fr.FRA_OIFNAME][: if_link.IFNAMSIZ - 1]
        dev = net.dev_base_head.get(r.oifname)
        r.oifindex = dev.ifindex if dev is not None else -1
    if uapi_fr.FRA_FWMARK in tb:
        r.mark = tb[uapi_fr.FRA_FWMARK]
        if r.mark:
            r.mark_mask = 0xFFFFFFFF
    if uapi_fr.FRA_FWMASK in tb:
        r.mark_mask = tb[uapi_fr.FRA_FWMASK]
    if uapi_fr.FRA_TUN_ID in tb:
        r.tun_id = tb[uapi_fr.FRA_TUN_ID]
    if uapi_fr.FRA_L3MDEV in tb:
        rtnetlink.NL_SET_ERR_MSG(extack, "l3mdev support is not enabled in kernel")
        return -errno.EINVAL, None, False
    r.action = frh.action
    r.flags = frh.flags
    r.table = tb.get(uapi_fr.FRA_TABLE, frh.table)
    r.suppress_prefixlen = tb.get(uapi_fr.FRA_SUPPRESS_PREFIXLEN, -1)
    r.suppress_ifgroup = tb.get(uapi_fr.FRA_SUPPRESS_IFGROUP, -1)
    if uapi_fr.FRA_GOTO in tb:
        if r.action != uapi_fr.FR_ACT_GOTO:
            rtnetlink.NL_SET_ERR_MSG(extack, "Unexpected goto")
            return -errno.EINVAL, None, False
        r.target = tb[uapi_fr.FRA_GOTO]
        if r.target <= r.pref:
            rtnetlink.NL_SET_ERR_MSG(extack, "Backward goto not supported")
            return -errno.EINVAL, None, False
    elif r.action == uapi_fr.FR_ACT_GOTO:
        rtnetlink.NL_SET_ERR_MSG(extack, "Missing goto target for action goto")
        return -errno.EINVAL, None, False
    if uapi_fr.FRA_UID_RANGE in tb:
        v = tb[uapi_fr.FRA_UID_RANGE]
        rng = (v.start, v.end) if not isinstance(v, tuple) else v
        if rng == (0xFFFFFFFF, 0xFFFFFFFF) or rng[0] > rng[1]:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid uid range")
            return -errno.EINVAL, None, False
        r.uid_range = rng
    if uapi_fr.FRA_IP_PROTO in tb:
        r.ip_proto = tb[uapi_fr.FRA_IP_PROTO]
    for attr, slot, text in ((uapi_fr.FRA_SPORT_RANGE, "sport_range", "Invalid sport range"),
                             (uapi_fr.FRA_DPORT_RANGE, "dport_range", "Invalid dport range")):
        if attr in tb:
            rng2 = _port_range(tb[attr])
            if rng2 is None:
                rtnetlink.NL_SET_ERR_MSG(extack, text)
                return -errno.EINVAL, None, False
            setattr(r, slot, rng2)
    return 0, r, user_priority


def _same_rule(r: fib_rule, rule: fib_rule) -> bool:
    return (r.action == rule.action and r.table == rule.table and r.pref == rule.pref
            and r.iifname == rule.iifname and r.oifname == rule.oifname
            and r.mark == rule.mark and r.suppress_ifgroup == rule.suppress_ifgroup
            and r.suppress_prefixlen == rule.suppress_prefixlen
            and r.mark_mask == rule.mark_mask and r.tun_id == rule.tun_id
            and r.l3mdev == rule.l3mdev and r.uid_range == rule.uid_range
            and r.ip_proto == rule.ip_proto and r.proto == rule.proto
            and r.sport_range == rule.sport_range and r.dport_range == rule.dport_range)


def rule_exists(ops: fib_rules_ops, frh: Any, tb: dict[int, Any], rule: fib_rule) -> bool:
    """An identical rule is already installed (NLM_F_EXCL check).

    Kernel: net/core/fib_rules.c rule_exists.
    """
    return any(_same_rule(r, rule) and ops.compare(r, frh, tb) for r in ops.rules_list)


def rule_find(ops: fib_rules_ops, frh: Any, tb: dict[int, Any], rule: fib_rule,
              user_priority: bool) -> fib_rule | None:
    """The first rule matching every field the request set.

    Kernel: net/core/fib_rules.c rule_find.
    """
    for r in ops.rules_list:
        if ((rule.action and r.action != rule.action)
                or (rule.table and r.table != rule.table)
                or (user_priority and r.pref != rule.pref)
                or (rule.iifname and r.iifname != rule.iifname)
                or (rule.oifname and r.oifname != rule.oifname)
                or (rule.mark and r.mark != rule.mark)
                or (rule.suppress_ifgroup != -1 and r.suppress_ifgroup != rule.suppress_ifgroup)
                or (rule.suppress_prefixlen != -1
                    and r.suppress_prefixlen != rule.suppress_prefixlen)
                or (rule.mark_mask and r.mark_mask != rule.mark_mask)
                or (rule.tun_id and r.tun_id != rule.tun_id)
                or (rule.uid_range != FIB_KUID_RANGE_UNSET and r.uid_range != rule.uid_range)
                or (rule.ip_proto and r.ip_proto != rule.ip_proto)
                or (rule.proto and r.proto != rule.proto)
                or (rule.sport_range != FIB_RULE_PORT_UNSET
                    and r.sport_range != rule.sport_range)
                or (rule.dport_range != FIB_RULE_PORT_UNSET
                    and r.dport_range != rule.dport_range)
                or not ops.compare(r, frh, tb)):
            continue
        return r
    return None


def _ops_for(net: Net, msg: Any, extack: Any) -> fib_rules_ops | None:
    ops = lookup_rules_ops(net, msg.hdr.family)
    if ops is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Rule family not supported")
    return ops


def fib_nl_newrule(net: Net, msg: Any, extack: Any) -> int:
    """RTM_NEWRULE doit: parse, EEXIST with NLM_F_EXCL, configure, link by pref, resolve gotos.

    Kernel: net/core/fib_rules.c fib_nl_newrule. Process context, RTNL held.
    """
    ops = _ops_for(net, msg, extack)
    if ops is None:
        return -errno.EAFNOSUPPORT
    err, rule, _ = fib_nl2rule(net, msg, extack, ops)
    if rule is None:
        return err
    if msg.flags & uapi_rt.NLM_F_EXCL and rule_exists(ops, msg.hdr, msg.attrs, rule):
        return -errno.EEXIST
    err = ops.configure(rule, msg.hdr, msg.attrs, extack)
    if err < 0:
        return err
    rules = ops.rules_list
    rule.ctarget = next((r for r in rules if r.pref == rule.target), None)
    pos = 0
    for idx, r in enumerate(rules):
        if r.pref > rule.pref:
            break
        pos = idx + 1
    rules.insert(pos, rule)
    if ops.unresolved_rules:
        for r in rules:
            if (r.action == uapi_fr.FR_ACT_GOTO and r.target == rule.pref
                    and r.ctarget is None):
                r.ctarget = rule
                ops.unresolved_rules -= 1
                if ops.unresolved_rules == 0:
                    break
    if rule.action == uapi_fr.FR_ACT_GOTO:
        ops.nr_goto_rules += 1
        if rule.ctarget is None:
            ops.unresolved_rules += 1
    notify_rule_change(uapi_rt.RTM_NEWRULE, rule, ops)
    ops.flush_cache(ops)
    return 0


def fib_nl_delrule(net: Net, msg: Any, extack: Any) -> int:
    """RTM_DELRULE doit: ENOENT if absent, EPERM for permanent rules; gotos re-target.

    Kernel: net/core/fib_rules.c fib_nl_delrule. Process context, RTNL held.
    """
    ops = _ops_for(net, msg, extack)
    if ops is None:
        return -errno.EAFNOSUPPORT
    err, nlrule, user_priority = fib_nl2rule(net, msg, extack, ops)
    if nlrule is None:
        return err
    rule = rule_find(ops, msg.hdr, msg.attrs, nlrule, user_priority)
    if rule is None:
        return -errno.ENOENT
    if rule.flags & uapi_fr.FIB_RULE_PERMANENT:
        return -errno.EPERM
    err = ops.delete(rule)
    if err:
        return err
    rules = ops.rules_list
    idx = rules.index(rule)
    del rules[idx]
    if rule.action == uapi_fr.FR_ACT_GOTO:
        ops.nr_goto_rules -= 1
        if rule.ctarget is None:
            ops.unresolved_rules -= 1
    if ops.nr_goto_rules > 0:
        nxt = rules[idx] if idx < len(rules) and rules[idx].pref == rule.pref else None
        for r in rules:
            if r.ctarget is rule:
                r.ctarget = nxt
                if nxt is None:
                    ops.unresolved_rules += 1
    notify_rule_change(uapi_rt.RTM_DELRULE, rule, ops)
    ops.flush_cache(ops)
    return 0


def fib_nl_fill_rule(rule: fib_rule, msgtype: int, flags: int, ops: fib_rules_ops
                     ) -> uapi_rt.nlmsg:
    """One rule as an RTM_NEWRULE message, the attributes iproute2 prints.

    Kernel: net/core/fib_rules.c fib_nl_fill_rule.
    """
    frh = uapi_fr.fib_rule_hdr(family=ops.family,
                               table=rule.table if rule.table < 256 else uapi_rt.RT_TABLE_COMPAT,
                               action=rule.action, flags=rule.flags)
    tb: dict[int, Any] = {uapi_fr.FRA_TABLE: rule.table,
                          uapi_fr.FRA_SUPPRESS_PREFIXLEN: rule.suppress_prefixlen,
                          uapi_fr.FRA_PROTOCOL: rule.proto}
    if rule.action == uapi_fr.FR_ACT_GOTO and rule.ctarget is None:
        frh.flags |= uapi_fr.FIB_RULE_UNRESOLVED
    if rule.iifname:
        tb[uapi_fr.FRA_IIFNAME] = rule.iifname
        if rule.iifindex == -1:
            frh.flags |= uapi_fr.FIB_RULE_IIF_DETACHED
    if rule.oifname:
        tb[uapi_fr.FRA_OIFNAME] = rule.oifname
        if rule.oifindex == -1:
            frh.flags |= uapi_fr.FIB_RULE_OIF_DETACHED
    if rule.pref:
        tb[uapi_fr.FRA_PRIORITY] = rule.pref
    if rule.mark:
        tb[uapi_fr.FRA_FWMARK] = rule.mark
    if rule.mark_mask or rule.mark:
        tb[uapi_fr.FRA_FWMASK] = rule.mark_mask
    if rule.target:
        tb[uapi_fr.FRA_GOTO] = rule.target
    if rule.tun_id:
        tb[uapi_fr.FRA_TUN_ID] = rule.tun_id
    if rule.uid_range != FIB_KUID_RANGE_UNSET:
        tb[uapi_fr.FRA_UID_RANGE] = uapi_fr.fib_rule_uid_range(*rule.uid_range)
    if rule.sport_range != FIB_RULE_PORT_UNSET:
        tb[uapi_fr.FRA_SPORT_RANGE] = uapi_fr.fib_rule_port_range(*rule.sport_range)
    if rule.dport_range != FIB_RULE_PORT_UNSET:
        tb[uapi_fr.FRA_DPORT_RANGE] = uapi_fr.fib_rule_port_range(*rule.dport_range)
    if rule.ip_proto:
        tb[uapi_fr.FRA_IP_PROTO] = rule.ip_proto
    if rule.suppress_ifgroup != -1:
        tb[uapi_fr.FRA_SUPPRESS_IFGROUP] = rule.suppress_ifgroup
    ops.fill(rule, frh, tb)
    return uapi_rt.nlmsg(type=msgtype, flags=flags, hdr=frh, attrs=tb)


def fib_nl_dumprule(net: Net, msg: Any) -> list[uapi_rt.nlmsg]:
    """RTM_GETRULE dump: every rule of the family (all families for AF_UNSPEC), in order.

    Kernel: net/core/fib_rules.c fib_nl_dumprule.
    """
    hdr = msg.hdr
    family = hdr.family if isinstance(hdr, uapi_fr.fib_rule_hdr) else hdr.rtgen_family
    out: list[uapi_rt.nlmsg] = []
    for fam, ops in sorted(_rules_ops_of(net).items()):
        if family and fam != family:
            continue
        out.extend(fib_nl_fill_rule(r, uapi_rt.RTM_NEWRULE, uapi_rt.NLM_F_MULTI, ops)
                   for r in ops.rules_list)
    return out


def notify_rule_change(event: int, rule: fib_rule, ops: fib_rules_ops) -> None:
    """Multicast the change to the family's rule group.

    Kernel: net/core/fib_rules.c notify_rule_change.
    """
    rtnetlink.rtnl_notify(ops.fro_net, ops.nlgroup, fib_nl_fill_rule(rule, event, 0, ops))


def attach_rules(rules: list[fib_rule], dev: net_device) -> None:
    """A device appeared: bind rules naming it. Kernel: net/core/fib_rules.c attach_rules."""
    for r in rules:
        if r.iifindex == -1 and r.iifname == dev.name:
            r.iifindex = dev.ifindex
        if r.oifindex == -1 and r.oifname == dev.name:
            r.oifindex = dev.ifindex


def detach_rules(rules: list[fib_rule], dev: net_device) -> None:
    """A device left: its rules stop matching. Kernel: net/core/fib_rules.c detach_rules."""
    for r in rules:
        if r.iifindex == dev.ifindex:
            r.iifindex = -1
        if r.oifindex == dev.ifindex:
            r.oifindex = -1


def fib_rules_event(nb: notifier.notifier_block, event: int, ptr: Any) -> int:
    """netdev notifier: rules naming a device bind on REGISTER, unbind on UNREGISTER, both
    on CHANGENAME. Kernel: net/core/fib_rules.c fib_rules_event."""
    dev = core_dev.netdev_notifier_info_to_dev(ptr)
    for ops in _rules_ops_of(dev.nd_net).values():
        if event in (core_dev.NETDEV_UNREGISTER, core_dev.NETDEV_CHANGENAME):
            detach_rules(ops.rules_list, dev)
        if event in (core_dev.NETDEV_REGISTER, core_dev.NETDEV_CHANGENAME):
            attach_rules(ops.rules_list, dev)
    return notifier.NOTIFY_DONE


def fib_rules_init(k: Kernel) -> None:
    """RTM_*RULE handlers and the netdev notifier. Kernel: net/core/fib_rules.c fib_rules_init."""
    rtnetlink.rtnl_register(k, uapi_rt.AF_UNSPEC, uapi_rt.RTM_NEWRULE, fib_nl_newrule, None)
    rtnetlink.rtnl_register(k, uapi_rt.AF_UNSPEC, uapi_rt.RTM_DELRULE, fib_nl_delrule, None)
    rtnetlink.rtnl_register(k, uapi_rt.AF_UNSPEC, uapi_rt.RTM_GETRULE, None, fib_nl_dumprule)
    core_dev.register_netdevice_notifier(k, notifier.notifier_block(fib_rules_event))
