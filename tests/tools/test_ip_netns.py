"""`ip netns list` ids and `ip link`'s link-netns NAME, as iproute2 6.1 on Linux 6.12 print
them (checked on a real box: ids are assigned when the kernel first reports a peer namespace,
per namespace, and `ip netns list` shows the current namespace's)."""

from __future__ import annotations

import json

from skbuff.sim.world import World

PAIR = """ip netns add a
ip netns add b
ip netns add c
ip -n a link add va type veth peer name vb netns b
"""


def run(w: World, text: str) -> str:
    res = w.script(text)
    assert res.status == 0 and not res.stderr, res
    return str(res.stdout)


def test_veth_peer_in_a_named_namespace_prints_its_name() -> None:
    w = World()
    run(w, PAIR)
    assert "link-netns b\n" in run(w, "ip -n a link show va")
    assert "link-netns b promiscuity 0 " in run(w, "ip -n a -d link show va")
    (va,) = json.loads(run(w, "ip -n a -j link show va"))
    assert va["link_netnsid"] == 0 and va["link_index"] == 2
    assert "link-netns a\n" in run(w, "ip -n b link show vb")


def test_netns_list_shows_ids_of_the_current_namespace() -> None:
    w = World()
    run(w, PAIR)
    assert run(w, "ip netns list") == "c\nb\na\n"
    assert run(w, "ip -n a netns list") == "c\nb (id: 0)\na\n"
    # b's id for a comes only when b first reports vb (the peer was not yet linked when vb
    # was announced): the real kernel behaves the same.
    assert run(w, "ip -n b netns list") == "c\nb\na\n"
    run(w, "ip -n b link show vb")
    assert run(w, "ip -n b netns list") == "c\nb\na (id: 0)\n"
    assert json.loads(run(w, "ip -n a -j netns list")) == [
        {"name": "c"}, {"name": "b", "id": 0}, {"name": "a"}]


def test_unnamed_peer_keeps_the_number_and_ids_outlive_the_link() -> None:
    w = World()
    run(w, PAIR + "ip link add vq type veth peer name vc netns c\n")
    assert run(w, "ip netns list") == "c (id: 0)\nb\na\n"
    assert "link-netnsid 0\n" in run(w, "ip -n c link show vc")
    run(w, "ip link del vq")
    assert run(w, "ip netns list") == "c (id: 0)\nb\na\n"


def test_deleting_the_peer_namespace_drops_its_id() -> None:
    w = World()
    run(w, PAIR + "ip netns del b\n")
    assert run(w, "ip -n a netns list") == "c\na\n"
    assert "va" not in run(w, "ip -n a link")
