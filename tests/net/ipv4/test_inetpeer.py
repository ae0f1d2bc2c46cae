"""inet_peer cache and its token bucket (net/ipv4/inetpeer.c)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel.kernel import Kernel
from skbuff.net.ipv4 import inetpeer


def test_getpeer_create_and_refcount(kernel: Kernel) -> None:
    base = inetpeer.inet_peer_base_init(kernel)
    assert inetpeer.inet_getpeer_v4(base, 0x0A000001, 0, 0) is None
    p = inetpeer.inet_getpeer_v4(base, 0x0A000001, 0, 1)
    assert p is not None and base.total == 1
    assert p.rate_tokens == 0 and p.n_redirects == 0
    assert p.rate_last == kernel.jiffies - 60 * kernel.hz
    assert inetpeer.inet_getpeer_v4(base, 0x0A000001, 0, 0) is p
    assert p.refcnt == 3
    inetpeer.inet_putpeer(p)
    inetpeer.inet_putpeer(p)
    assert p.refcnt == 1
    # a different vif is a different peer
    q = inetpeer.inet_getpeer_v4(base, 0x0A000001, 5, 1)
    assert q is not p and base.total == 2


def test_xrlim_burst_then_one_per_timeout(kernel: Kernel) -> None:
    base = inetpeer.inet_peer_base_init(kernel)
    p = inetpeer.inet_getpeer_v4(base, 1, 0, 1)
    timeout = kernel.hz  # 1 s
    # a fresh peer has 60 s of credit, capped at 6 * timeout: six sends, then refusal
    sent = [inetpeer.inet_peer_xrlim_allow(p, timeout) for _ in range(8)]
    assert sent == [True] * 6 + [False] * 2
    kernel.run_for(1_000_000_000)  # one second of simulated time
    assert inetpeer.inet_peer_xrlim_allow(p, timeout)
    assert not inetpeer.inet_peer_xrlim_allow(p, timeout)
    assert inetpeer.inet_peer_xrlim_allow(None, timeout)


def test_gc_frees_idle_unreferenced(kernel: Kernel) -> None:
    base = inetpeer.inet_peer_base_init(kernel)
    old = inetpeer.inet_getpeer_v4(base, 1, 0, 1)
    inetpeer.inet_putpeer(old)
    held = inetpeer.inet_getpeer_v4(base, 2, 0, 1)
    kernel.run_for(700 * 1_000_000_000)  # past the 600 s max ttl
    inetpeer.inet_getpeer_v4(base, 3, 0, 1)
    assert (1, 0) not in base.peers  # idle and unreferenced: collected
    assert (2, 0) in base.peers and held is not None  # still referenced: kept
    assert base.total == 2


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=40))
def test_xrlim_never_exceeds_bucket(gaps_ms: list[int]) -> None:
    """Invariant: tokens stay in [0, 6*timeout) after each call, and the number of sends
    never exceeds 6 + elapsed/timeout (the bucket's capacity plus its refill)."""
    with Kernel(seed=0, hz=1000, ncpus=1) as kernel:
        _bucket_run(kernel, gaps_ms)


def _bucket_run(kernel: Kernel, gaps_ms: list[int]) -> None:
    base = inetpeer.inet_peer_base_init(kernel)
    p = inetpeer.inet_getpeer_v4(base, 9, 0, 1)
    assert p is not None
    p.rate_last = kernel.jiffies
    timeout = 100
    start = kernel.jiffies
    sends = 0
    for gap in gaps_ms:
        kernel.run_for(gap * 1_000_000)
        sends += inetpeer.inet_peer_xrlim_allow(p, timeout)
        assert 0 <= p.rate_tokens < 6 * timeout
    assert sends <= 6 + (kernel.jiffies - start) // timeout
