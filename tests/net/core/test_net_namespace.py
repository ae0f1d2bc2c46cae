"""Namespace ids: peernet2id_alloc's lowest free id per namespace, unhashing on cleanup_net,
and RTM_GETNSID (which reports but never assigns)."""

from __future__ import annotations

import errno

from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import net_namespace, rtnetlink
from skbuff.net.core.net_namespace import Net
from skbuff.uapi.net_namespace import NETNSA_FD, NETNSA_NSID, NETNSA_NSID_NOT_ASSIGNED
from skbuff.uapi.rtnetlink import (
    RTM_DELNSID,
    RTM_GETNSID,
    RTM_NEWNSID,
    RTNLGRP_NSID,
    nlmsg,
    rtgenmsg,
)


def setup(n: int) -> tuple[Kernel, list[Net]]:
    k = Kernel(seed=0)
    with k:
        rtnetlink.rtnetlink_init(k)
        nets = [net_namespace.copy_net_ns(k, f"n{i}") for i in range(n)]
    return k, nets


def getid(net: Net, peer: object) -> tuple[int, int | None, str | None]:
    r = rtnetlink.rtnetlink_rcv_msg(net, nlmsg(RTM_GETNSID, hdr=rtgenmsg(),
                                               attrs={NETNSA_FD: peer}))
    assert all(m.type == RTM_NEWNSID for m in r.msgs)
    return r.error, (r.msgs[0].attrs[NETNSA_NSID] if r.msgs else None), r.extack


def test_ids_are_per_namespace_and_lowest_free() -> None:
    _, (a, b, c) = setup(3)
    assert net_namespace.peernet2id(a, b) == NETNSA_NSID_NOT_ASSIGNED
    assert net_namespace.peernet2id_alloc(a, c) == 0
    assert net_namespace.peernet2id_alloc(a, b) == 1
    assert net_namespace.peernet2id_alloc(a, c) == 0
    assert net_namespace.peernet2id_alloc(b, a) == 0
    assert net_namespace.get_net_ns_by_id(a, 1) is b
    assert net_namespace.get_net_ns_by_id(a, 2) is None
    assert net_namespace.peernet2id(c, a) == NETNSA_NSID_NOT_ASSIGNED


def test_cleanup_net_unhashes_its_ids_and_frees_them() -> None:
    k, (a, b, c) = setup(3)
    net_namespace.peernet2id_alloc(a, b)
    net_namespace.peernet2id_alloc(a, c)
    with k:
        net_namespace.cleanup_net(b)
    assert net_namespace.peernet2id(a, b) == NETNSA_NSID_NOT_ASSIGNED
    assert net_namespace.peernet2id_alloc(a, b) == NETNSA_NSID_NOT_ASSIGNED
    with k:
        d = net_namespace.copy_net_ns(k, "d")
    assert net_namespace.peernet2id_alloc(a, d) == 0
    assert net_namespace.peernet2id(a, c) == 1


def test_rtm_getnsid_reports_without_assigning() -> None:
    _, (a, b) = setup(2)
    assert getid(a, b) == (0, NETNSA_NSID_NOT_ASSIGNED, None)
    assert net_namespace.peernet2id(a, b) == NETNSA_NSID_NOT_ASSIGNED
    net_namespace.peernet2id_alloc(a, b)
    assert getid(a, b) == (0, 0, None)
    assert getid(b, a) == (0, NETNSA_NSID_NOT_ASSIGNED, None)
    assert getid(a, None) == (-errno.EINVAL, None, "Peer netns reference is missing")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 4)), max_size=30))
def test_ids_stay_a_bijection(ops: list[tuple[bool, int]]) -> None:
    """Any sequence of allocations and namespace deaths: each live peer has at most one id,
    ids are the lowest free at allocation time, and no id names a dead namespace."""
    k, nets = setup(6)
    owner, peers = nets[0], nets[1:]
    for kill, i in ops:
        peer = peers[i]
        if kill and not peer.dead:
            with k:
                net_namespace.cleanup_net(peer)
        elif not kill:
            free = min(set(range(len(peers) + 1)) - set(owner.netns_ids))
            had = net_namespace.peernet2id(owner, peer)
            got = net_namespace.peernet2id_alloc(owner, peer)
            if peer.dead:
                assert got == NETNSA_NSID_NOT_ASSIGNED
            else:
                assert got == (had if had >= 0 else free)
        live = list(owner.netns_ids.values())
        assert len(live) == len({id(n) for n in live})
        assert not any(n.dead for n in live)


def test_ids_are_announced_to_the_namespace_that_gives_them() -> None:
    """rtnl_net_notifyid: RTM_NEWNSID when an id is allocated, RTM_DELNSID when the peer dies,
    both on RTNLGRP_NSID of the namespace holding the id."""
    k, (a, b, c) = setup(3)
    got: list[tuple[str, int, int]] = []
    for net in (a, b, c):
        rtnetlink.rtnl_listen(net, RTNLGRP_NSID, lambda n, g, m: got.append(
            (n.name, m.type, m.attrs[NETNSA_NSID])))
    net_namespace.peernet2id_alloc(a, b)
    net_namespace.peernet2id_alloc(a, b)  # already assigned: silent
    net_namespace.peernet2id_alloc(c, b)
    with k:
        net_namespace.cleanup_net(b)
    assert got == [("n0", RTM_NEWNSID, 0), ("n2", RTM_NEWNSID, 0),
                   ("n0", RTM_DELNSID, 0), ("n2", RTM_DELNSID, 0)]
