"""Reassembly (ip_defrag): order, duplicates, overlaps, size limit, timeout, max_dist, and a
never-completing flood that stays within ipfrag_high_thresh and leaks nothing."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.net.ipv4.ip_testbed import A, B, Bed

from skbuff.net.core import skbuff
from skbuff.net.ipv4 import ip_fragment, route
from skbuff.uapi.ip import IP_MF

USER = ip_fragment.IP_DEFRAG_LOCAL_DELIVER


@pytest.fixture
def bed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bed]:
    b = Bed()
    # ip_expire re-routes the head fragment; no FIB here: every input lookup fails.
    monkeypatch.setattr(route, "ip_route_input_noref", lambda *a: -errno.EHOSTUNREACH)
    yield b
    b.close()


def frag(bed: Bed, payload: bytes, offset: int, more: bool, id: int = 7, saddr: int = A
         ) -> skbuff.sk_buff:
    off = (offset // 8) | (IP_MF if more else 0)
    return bed.frame(bed.packet(payload, id=id, frag_off=off, saddr=saddr))


def data(n: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def defrag(bed: Bed, skb: skbuff.sk_buff) -> skbuff.sk_buff | None:
    return ip_fragment.ip_defrag(bed.net, skb, USER)


def whole_payload(skb: skbuff.sk_buff) -> bytes:
    nh = skbuff.skb_network_header(skb)
    return bytes(skb.buf[nh + 20:nh + skb.len])


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_any_order_reassembles(bed: Bed, order: tuple[int, ...]) -> None:
    d = data(3000)
    parts = [(0, d[:1480], True), (1480, d[1480:2960], True), (2960, d[2960:], False)]
    out = None
    for i in order:
        off, chunk, more = parts[i]
        out = defrag(bed, frag(bed, chunk, off, more))
    assert out is not None
    assert whole_payload(out) == d
    iph = skbuff.ip_hdr(out)
    assert iph.tot_len == 3020 and iph.frag_off == 0
    assert bed.ip_delta() == {"ReasmReqds": 3, "ReasmOKs": 1}
    assert bed.net.ipv4.fqdir.mem == 0 and not bed.net.ipv4.fqdir.queues
    skbuff.kfree_skb(out)


def test_duplicate_inside_is_dropped_alone(bed: Bed) -> None:
    d = data(64)
    assert defrag(bed, frag(bed, d[:32], 0, True)) is None
    assert defrag(bed, frag(bed, d[8:24], 8, True)) is None
    assert bed.reasons() == ["DUP_FRAG"]
    out = defrag(bed, frag(bed, d[32:], 32, False))
    assert out is not None and whole_payload(out) == d
    assert bed.ip_delta() == {"ReasmReqds": 3, "ReasmOKs": 1}
    skbuff.kfree_skb(out)


def test_partial_overlap_drops_the_queue(bed: Bed) -> None:
    d = data(64)
    defrag(bed, frag(bed, d[:32], 0, True))
    defrag(bed, frag(bed, d[48:], 48, False))
    assert defrag(bed, frag(bed, d[24:56], 24, True)) is None
    assert bed.ip_delta() == {"ReasmReqds": 3, "ReasmOverlaps": 1, "ReasmFails": 1}
    assert not bed.net.ipv4.fqdir.queues and bed.net.ipv4.fqdir.mem == 0


def test_conflicting_last_fragment_drops_the_queue(bed: Bed) -> None:
    defrag(bed, frag(bed, data(16), 32, False))
    defrag(bed, frag(bed, data(16), 40, False))
    assert bed.ip_delta()["ReasmFails"] == 1
    assert not bed.net.ipv4.fqdir.queues


def test_oversized_datagram_fails(bed: Bed) -> None:
    chunk = 1480
    last_off = 65528
    offs = list(range(0, last_off, chunk))
    for off in offs:
        defrag(bed, frag(bed, data(min(chunk, last_off - off)), off, True))
    assert defrag(bed, frag(bed, data(16), last_off, False)) is None
    d = bed.ip_delta()
    assert d["ReasmFails"] == 1 and "ReasmOKs" not in d
    assert bed.net.ipv4.fqdir.mem == 0


def test_timeout_counts_and_frees(bed: Bed) -> None:
    defrag(bed, frag(bed, data(16), 0, True))
    defrag(bed, frag(bed, data(16), 32, True))
    bed.k.run_for(29 * 10**9)
    assert bed.ip_delta() == {"ReasmReqds": 2}
    bed.k.run_for(2 * 10**9)
    assert bed.ip_delta() == {"ReasmReqds": 2, "ReasmFails": 1, "ReasmTimeout": 1}
    assert "FRAG_REASM_TIMEOUT" in bed.reasons()
    assert bed.net.ipv4.fqdir.mem == 0 and not bed.net.ipv4.fqdir.queues


def test_max_dist_restarts_a_stale_queue(bed: Bed) -> None:
    defrag(bed, frag(bed, data(16), 0, True, id=1))
    for i in range(70):
        defrag(bed, frag(bed, data(16), 0, True, id=100 + i))
    defrag(bed, frag(bed, data(16), 16, True, id=1))
    assert "FRAG_TOO_FAR" in bed.reasons()
    assert bed.ip_delta()["ReasmFails"] == 1


def test_flood_stays_under_high_thresh_and_leaks_nothing(bed: Bed) -> None:
    fq = bed.net.ipv4.fqdir
    fq.high_thresh = 256 * 1024
    bed.k.skbuff_head_cache.debug = True
    peak = 0
    for i in range(2000):
        defrag(bed, frag(bed, data(64), 0, True, id=i, saddr=A + (i % 500)))
        peak = max(peak, fq.mem)
    assert peak <= fq.high_thresh + 4096
    d = bed.ip_delta()
    assert d["ReasmReqds"] == 2000 and d["ReasmFails"] > 0
    bed.k.run_for(31 * 10**9)
    assert fq.mem == 0 and not fq.queues
    assert bed.ip_delta()["ReasmTimeout"] > 0
    assert skbuff.skb_leak_report(bed.k).startswith("0 live")


def test_different_keys_do_not_mix(bed: Bed) -> None:
    defrag(bed, frag(bed, data(16), 0, True, id=1))
    out = defrag(bed, frag(bed, data(16), 16, False, id=2, saddr=B))
    assert out is None
    assert len(bed.net.ipv4.fqdir.queues) == 2


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 4000), cuts=st.lists(st.integers(1, 500), max_size=12),
       order=st.randoms(use_true_random=False), dups=st.integers(0, 3))
def test_any_split_any_order_with_exact_duplicates(bed: Bed, size: int, cuts: list[int],
                                                   order: Any, dups: int) -> None:
    """Invariant: 8-aligned fragments in any order, with exact repeats (each a DUP_FRAG),
    give back the datagram; nothing stays queued or accounted."""
    bed.reset()
    d = data(size, seed=size)
    bounds = sorted({min(size, c * 8) for c in cuts} - {0, size})
    edges = [0, *bounds, size]
    parts = [(a, d[a:b], b != size) for a, b in zip(edges, edges[1:])]
    order.shuffle(parts)
    final = parts.pop()
    seq = parts + [parts[i % len(parts)] for i in range(dups) if parts]
    order.shuffle(seq)
    seq.append(final)  # the repeats all arrive before the datagram completes
    ident = bed.k.rng.get_random_u32() & 0xFFFF
    outs = []
    for off, chunk, more in seq:
        out = defrag(bed, frag(bed, chunk, off, more, id=ident))
        if out is not None:
            outs.append(out)
    assert len(outs) == 1
    assert whole_payload(outs[0]) == d
    skbuff.kfree_skb(outs[0])
    fq = bed.net.ipv4.fqdir
    assert bed.reasons().count("DUP_FRAG") == (dups if parts else 0)
    bed.k.run_for(31 * 10**9)
    assert fq.mem == 0 and not fq.queues
