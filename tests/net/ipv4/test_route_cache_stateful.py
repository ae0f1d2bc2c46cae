"""The classic (2.6) route cache as a state machine: random output lookups (some results held,
some released), route changes and flushes, clock advances (the gc_interval and secret timers
run), and direct gc runs keep the cache's invariants:

- the chained entries are what `rt_hash_entries` counts, never more than max_size;
- after rt_check_expire, no unreferenced entry idle for gc_timeout or longer survives;
- a lookup never returns a dst of an older generation, and after a route change it follows
  the new route;
- out_hit + out_slow_tot grow by exactly the number of lookups.

Kernel 2.6.32: net/ipv4/route.c (rt_intern_hash, rt_garbage_collect, rt_check_expire,
rt_cache_flush). Built on the route.c test bed of test_route.py (hand-made FIB and devices).
"""

from __future__ import annotations

import errno

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from tests.net.ipv4 import test_route as bed

from skbuff.net.core import dst as core_dst
from skbuff.net.ipv4 import route

env = bed.env  # the route.c test bed fixture
HOSTS = st.integers(1, 40)
COUNTERS = ("out_hit", "out_slow_tot")


class ClassicRouteCache(RuleBasedStateMachine):
    """One run over a fresh classic table; small gc_thresh/max_size so gc and overflow occur."""

    def __init__(self, e: bed.Env, routes: list[bed.Route]) -> None:
        super().__init__()
        self.e = e
        e.routes[:] = routes
        self.g = bed.classic(e)
        self.g.gc_thresh, self.g.max_size = 16, 24
        self.base = {col: bed.stat(e, col) for col in COUNTERS}
        self.lookups = 0
        self.held: list[route.rtable] = []
        self.via_eth0: set[int] = set()  # hosts with a /32 route through eth0

    def _want_dev(self, host: int) -> bed.FakeDev:
        return self.e.eth0 if host in self.via_eth0 else self.e.eth1

    @rule(host=HOSTS, keep=st.booleans())
    def lookup(self, host: int, keep: bool) -> None:
        rt, _ = bed.out(self.e, f"10.1.0.{host}")
        self.lookups += 1
        if isinstance(rt, int):
            assert rt == -errno.ENOBUFS
            assert self.g.rt_hash_entries >= self.g.max_size
            return
        assert not route.rt_is_expired(rt)
        assert rt.dev is self._want_dev(host)
        if keep:
            self.held.append(rt)
        else:
            core_dst.dst_release(rt)

    @rule(host=HOSTS)
    def route_via_eth0(self, host: int) -> None:
        if host not in self.via_eth0:
            self.via_eth0.add(host)
            self.e.route(f"10.1.0.{host}", 32, self.e.eth0)  # adds, then rt_cache_flush

    @rule(host=HOSTS)
    def delete_route(self, host: int) -> None:
        if host in self.via_eth0:
            self.via_eth0.discard(host)
            addr = bed.ip(f"10.1.0.{host}")
            self.e.routes[:] = [r for r in self.e.routes if (r.prefix, r.plen) != (addr, 32)]
            route.rt_cache_flush(self.e.net)
            assert self.g.rt_hash_entries == 0

    @rule()
    def flush(self) -> None:
        route.rt_cache_flush(self.e.net)
        assert self.g.rt_hash_entries == 0

    @rule(ms=st.integers(0, 400_000))
    def advance(self, ms: int) -> None:
        self.e.k.run_for(ms * 1_000_000)

    @rule()
    def check_expire(self) -> None:
        g = self.g
        route.rt_check_expire(g.gc_timer)
        now = self.e.k.jiffies
        for chain in g.rt_hash_table:
            for entry in chain:
                assert not route.rt_may_expire(entry, now, g.gc_timeout)
                assert entry.rt.refcnt > 1 or now - entry.rt.lastuse < g.gc_timeout

    @rule()
    def garbage_collect(self) -> None:
        before = self.g.rt_hash_entries
        route.rt_garbage_collect(self.g, self.e.k, self.e.net)
        assert self.g.rt_hash_entries <= before

    @rule()
    def release_one(self) -> None:
        if self.held:
            core_dst.dst_release(self.held.pop())

    @invariant()
    def table_is_counted_and_bounded(self) -> None:
        chained = [entry for chain in self.g.rt_hash_table for entry in chain]
        assert len(chained) == self.g.rt_hash_entries <= self.g.max_size

    @invariant()
    def hits_and_misses_add_up(self) -> None:
        grown = sum(bed.stat(self.e, col) - self.base[col] for col in COUNTERS)
        assert grown == self.lookups

    def teardown(self) -> None:
        for rt in self.held:
            core_dst.dst_release(rt)
        self.held.clear()


def test_classic_route_cache_state_machine(env: bed.Env) -> None:
    routes = list(env.routes)
    run_state_machine_as_test(
        lambda: ClassicRouteCache(env, routes),
        settings=settings(max_examples=40, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture]),
    )
