"""Family-independent rule machinery (net/core/fib_rules.c): the lookup walk with a toy
family, default priorities, device binding through the netdev notifier."""

from __future__ import annotations

import errno
from typing import Any

from skbuff.kernel.kernel import Kernel
from skbuff.net import flow
from skbuff.net.core import dev as core_dev
from skbuff.net.core import fib_rules as core_fr
from skbuff.net.core.net_namespace import Net
from skbuff.uapi import fib_rules as uapi_fr


def toy_ops(net: Net, results: dict[int, int]) -> core_fr.fib_rules_ops:
    """A family whose TO_TBL action returns results[table] (default -EAGAIN)."""

    def action(rule: core_fr.fib_rule, fl: flow.flowi4, flags: int,
               arg: core_fr.fib_lookup_arg) -> int:
        return results.get(rule.table, -errno.EAGAIN)

    def no(*_: Any) -> bool:
        return False

    return core_fr.fib_rules_ops(
        family=99, rule_class=core_fr.fib_rule, addr_size=4, action=action, suppress=no,
        match=lambda r, f, fl: True, configure=lambda *a: 0, delete=lambda r: 0,
        compare=lambda *a: True, fill=lambda *a: None, flush_cache=lambda o: None,
        nlgroup=0, fro_net=net)


def test_walk_and_default_pref(kernel: Kernel) -> None:
    net = Net(kernel, "c")
    results: dict[int, int] = {}
    ops = core_fr.fib_rules_register(toy_ops(net, results), net)
    assert core_fr.fib_default_rule_pref(ops) == 0
    for pref, table in ((0, 1), (100, 2), (200, 3)):
        core_fr.fib_default_rule_add(ops, pref, table)
    assert core_fr.fib_default_rule_pref(ops) == 99  # second rule's pref - 1
    arg = core_fr.fib_lookup_arg(None, 0)
    fl = flow.flowi4()
    assert core_fr.fib_rules_lookup(ops, fl, 0, arg) == -errno.ESRCH
    results[3] = 0
    assert core_fr.fib_rules_lookup(ops, fl, 0, arg) == 0 and arg.rule is ops.rules_list[2]
    results[2] = -errno.EACCES
    assert core_fr.fib_rules_lookup(ops, fl, 0, arg) == -errno.EACCES
    ops.rules_list[1].flags = uapi_fr.FIB_RULE_INVERT  # `not` of an always-match: skipped
    assert core_fr.fib_rules_lookup(ops, fl, 0, arg) == 0
    assert core_fr.lookup_rules_ops(net, 99) is ops
    core_fr.fib_rules_unregister(ops)
    assert core_fr.lookup_rules_ops(net, 99) is None


def test_iif_oif_bind_to_devices(kernel: Kernel) -> None:
    net = Net(kernel, "c")
    ops = core_fr.fib_rules_register(toy_ops(net, {}), net)
    r = core_fr.fib_rule(net)
    r.iifname, r.iifindex = "veth0", -1
    r.oifname, r.oifindex = "veth0", -1
    ops.rules_list.append(r)
    dev = type("D", (), {"name": "veth0", "ifindex": 7, "nd_net": net})()
    info = core_dev.netdev_notifier_info(dev)
    nb = None
    core_fr.fib_rules_event(nb, core_dev.NETDEV_REGISTER, info)  # type: ignore[arg-type]
    assert (r.iifindex, r.oifindex) == (7, 7)
    fl = flow.flowi4(flowi4_iif=7, flowi4_oif=7)
    assert core_fr.fib_rule_match(r, ops, fl, 0, core_fr.fib_lookup_arg(None, 0))
    core_fr.fib_rules_event(nb, core_dev.NETDEV_UNREGISTER, info)  # type: ignore[arg-type]
    assert (r.iifindex, r.oifindex) == (-1, -1)
    assert not core_fr.fib_rule_match(r, ops, fl, 0, core_fr.fib_lookup_arg(None, 0))
