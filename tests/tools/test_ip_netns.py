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


def test_netns_set_and_list_id_print_as_iproute2() -> None:
    """`ip netns set` / `list-id` (iproute2 6.1 ipnetns.c), outputs checked on Linux."""
    w = World()
    run(w, "ip netns add a\nip netns add b\nip netns add c\n"
           "ip -n a netns set b 5\nip -n a netns set c auto\n")
    assert run(w, "ip -n a netns list-id") == (
        "nsid 0 (iproute2 netns name: c)\nnsid 5 (iproute2 netns name: b)\n")
    assert json.loads(run(w, "ip -n a -j netns list-id")) == [
        {"nsid": 0, "name": "c"}, {"nsid": 5, "name": "b"}]
    assert run(w, "ip -n a netns list-id nsid 5") == "nsid 5 (iproute2 netns name: b)\n"
    assert run(w, "ip -n a netns list-id target-nsid 5 nsid 0") == (
        "nsid unassigned current-nsid 0 (iproute2 netns name: c)\n")
    run(w, "ip -n b netns set a 2")
    assert run(w, "ip -n a netns list-id target-nsid 5") == "nsid 2 current-nsid unassigned \n"
    assert "b (id: 5)\n" in run(w, "ip -n a netns list")


def test_netns_set_and_list_id_errors() -> None:
    w = World()
    run(w, "ip netns add a\nip netns add b\nip netns add c\nip -n a netns set b 5\n")
    cases = {
        "ip -n a netns set c 5": (2, "Error: The specified nsid is already used.\n"),
        "ip -n a netns set b 7": (2, "Error: Peer netns already has a nsid assigned.\n"),
        "ip -n a netns set zz 3": (
            1, 'Cannot open network namespace "zz": No such file or directory\n'),
        "ip -n a netns set b": (1, "No nsid specified\n"),
        "ip -n a netns set": (1, "No netns name specified\n"),
        "ip -n a netns set b -3": (
            255, 'Error: argument "-3" is wrong: "netnsid" value should be >= 0\n'),
        "ip -n a netns set b x": (
            255, 'Error: argument "x" is wrong: Invalid "netnsid" value\n'),
        "ip -n a netns set a/b 1": (255, 'Invalid netns name "a/b"\n'),
        "ip -n a netns list-id nsid 9": (2, "Error: Peer netns reference is invalid.\n"),
        "ip -n a netns list-id nsid -1": (
            255, 'Error: argument "(null)" is wrong: "nsid" value should be >= 0\n'),
        "ip -n a netns list-id nsid 1 nsid 2": (
            255, 'Error: duplicate "nsid": "nsid" is the second value.\n'),
        "ip -n a netns list-id target-nsid 9": (
            1, "Error: Invalid target network namespace id.\nDump terminated\n"),
        "ip -n a netns list-id nsid": (255, 'Command line is not complete. Try option "help"\n'),
    }
    for line, (status, err) in cases.items():
        r = w.run(line)
        assert (r.status, r.stderr) == (status, err), line
    r = w.run("ip -n a netns list-id foo")
    assert r.status == 255 and r.stderr.startswith("Usage:\tip netns list\n")
    # octal and hex as strtol reads them
    run(w, "ip -n a netns set c 010")
    assert run(w, "ip -n a netns list-id nsid 8") == "nsid 8 (iproute2 netns name: c)\n"
