"""World: named namespaces over one kernel, one line at a time."""

from __future__ import annotations

import pytest
from tests.tools.fake_stack import fake_world


def test_namespaces_are_created_listed_and_removed() -> None:
    w = fake_world()
    assert w.netns("") is w.init_net
    a = w.netns_add("a")
    assert a in w.kernel.nets and a.name == "a"
    assert w.netns("a") is a and w.netns_get("zz") is None
    with pytest.raises(KeyError):
        w.netns("zz")
    w.netns_del("a")
    assert a not in w.kernel.nets and w.netns_names() == []


def test_run_targets_init_net_and_run_argv_any_net() -> None:
    w = fake_world()
    b = w.netns_add("b")
    assert w.run("ip netns").stdout == "b\n"
    assert w.run_argv(b, ["echo", "x"]).stdout == "x\n"
    assert w.run("ip -n b netns").stdout == "b\n"


def test_package_exports_world_lazily() -> None:
    import skbuff
    from skbuff.sim.world import World

    assert skbuff.World is World
    with pytest.raises(AttributeError):
        _ = skbuff.Nope  # type: ignore[attr-defined]
