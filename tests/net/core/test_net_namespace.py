"""Namespace ids: peernet2id_alloc's lowest free id per namespace, unhashing on cleanup_net,
and RTM_GETNSID (which reports but never assigns)."""

from __future__ import annotations

import errno

from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import net_namespace, rtnetlink
from skbuff.net.core.net_namespace import Net
from skbuff.uapi.net_namespace import (
    NETNSA_CURRENT_NSID,
    NETNSA_FD,
    NETNSA_NSID,
    NETNSA_NSID_NOT_ASSIGNED,
    NETNSA_TARGET_NSID,
)
from skbuff.uapi.rtnetlink import (
    NLM_F_DUMP,
    NLM_F_MULTI,
    NLM_F_REQUEST,
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
    attrs = {} if peer is None else {NETNSA_FD: peer}
    r = rtnetlink.rtnetlink_rcv_msg(net, nlmsg(RTM_GETNSID, hdr=rtgenmsg(), attrs=attrs))
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
    assert getid(a, "not a namespace") == (-errno.EBADF, None, "Peer netns reference is invalid")


def newid(net: Net, peer: Net, nsid: int) -> tuple[int, str | None]:
    r = rtnetlink.rtnetlink_rcv_msg(net, nlmsg(RTM_NEWNSID, hdr=rtgenmsg(),
                                               attrs={NETNSA_FD: peer, NETNSA_NSID: nsid}))
    return r.error, r.extack


def test_rtm_newnsid_sets_a_chosen_or_the_lowest_free_id() -> None:
    """`ip netns set`: an explicit id, `auto` (-1: lowest free), and the two EEXIST cases
    with the kernel's extack texts; the new id is announced to RTNLGRP_NSID."""
    _, (a, b, c, d) = setup(4)
    seen: list[tuple[int, int]] = []
    rtnetlink.rtnl_listen(a, RTNLGRP_NSID, lambda _n, _g, m: seen.append(
        (m.type, m.attrs[NETNSA_NSID])))
    assert newid(a, b, 5) == (0, None)
    assert newid(a, c, 5) == (-errno.EEXIST, "The specified nsid is already used")
    assert newid(a, b, 7) == (-errno.EEXIST, "Peer netns already has a nsid assigned")
    assert newid(a, c, -1) == (0, None)
    assert net_namespace.peernet2id(a, c) == 0
    assert net_namespace.peernet2id_alloc(a, d) == 1
    assert seen == [(RTM_NEWNSID, 5), (RTM_NEWNSID, 0), (RTM_NEWNSID, 1)]
    r = rtnetlink.rtnetlink_rcv_msg(a, nlmsg(RTM_NEWNSID, hdr=rtgenmsg(), attrs={NETNSA_FD: b}))
    assert (r.error, r.extack) == (-errno.EINVAL, "nsid is missing")


def dump(net: Net, **attrs: int) -> list[tuple[int, int | None]] | tuple[int, str | None]:
    a = {NETNSA_TARGET_NSID: attrs["target"]} if "target" in attrs else {}
    r = rtnetlink.rtnetlink_rcv_msg(net, nlmsg(RTM_GETNSID, NLM_F_REQUEST | NLM_F_DUMP,
                                               rtgenmsg(), a))
    if r.error:
        return r.error, r.extack
    assert all(m.flags & NLM_F_MULTI for m in r.msgs)
    return [(m.attrs[NETNSA_NSID], m.attrs.get(NETNSA_CURRENT_NSID)) for m in r.msgs]


def test_rtm_getnsid_dump_and_target_namespace() -> None:
    """`ip netns list-id [target-nsid T]`: ids in id order; with a target, the target's ids
    and, for each peer, the id the asking namespace has for it."""
    _, (a, b, c) = setup(3)
    newid(a, b, 5)
    newid(a, c, 2)
    newid(b, c, 0)
    assert dump(a) == [(2, None), (5, None)]
    assert dump(a, target=5) == [(0, 2)]
    assert dump(a, target=9) == (-errno.EINVAL, "Invalid target network namespace id")
    # doit by nsid, in a target namespace: the target's id (unassigned) and ours
    r = rtnetlink.rtnetlink_rcv_msg(a, nlmsg(RTM_GETNSID, hdr=rtgenmsg(), attrs={
        NETNSA_NSID: 5, NETNSA_TARGET_NSID: 2}))
    assert (r.msgs[0].attrs[NETNSA_NSID], r.msgs[0].attrs[NETNSA_CURRENT_NSID]) == (
        NETNSA_NSID_NOT_ASSIGNED, 5)
    r = rtnetlink.rtnetlink_rcv_msg(a, nlmsg(RTM_GETNSID, hdr=rtgenmsg(),
                                             attrs={NETNSA_NSID: 3}))
    assert (r.error, r.extack) == (-errno.ENOENT, "Peer netns reference is invalid")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["kill", "alloc", "set"]), st.integers(0, 4),
                          st.integers(0, 6)), max_size=30))
def test_ids_stay_a_bijection(ops: list[tuple[str, int, int]]) -> None:
    """Any sequence of allocations, explicit sets (`ip netns set`) and namespace deaths: each
    live peer has at most one id, an allocated id is the lowest free one, a set succeeds
    exactly when both the peer and the id are free, and no id names a dead namespace."""
    k, nets = setup(6)
    owner, peers = nets[0], nets[1:]
    for op, i, want in ops:
        peer = peers[i]
        if op == "kill" and not peer.dead:
            with k:
                net_namespace.cleanup_net(peer)
        elif op == "set":
            settable = not peer.dead and net_namespace.peernet2id(owner, peer) < 0 \
                and want not in owner.netns_ids
            err, _ = newid(owner, peer, want)
            assert (err == 0) == settable
            if settable:
                assert net_namespace.peernet2id(owner, peer) == want
        elif op == "alloc":
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
