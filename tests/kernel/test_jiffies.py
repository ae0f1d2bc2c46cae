"""jiffies: boot offset, wrap-safe comparisons, unit conversions at several HZ."""

from __future__ import annotations

import pytest

from skbuff.kernel import jiffies as J
from skbuff.kernel.kernel import Kernel


@pytest.mark.parametrize("hz", [100, 250, 300, 1000])
def test_initial_jiffies_is_minus_five_minutes_in_32_bits(hz: int) -> None:
    k = Kernel(hz=hz)
    assert k.jiffies == 2**32 - 300 * hz == J.INITIAL_JIFFIES(hz)
    k.run_until(300 * 10**9)
    assert k.jiffies == 2**32  # the low 32 bits wrap exactly five minutes after boot
    assert k.jiffies & 0xFFFFFFFF == 0


def test_time_after_across_wrap() -> None:
    top = (1 << 64) - 5
    assert J.time_after(3, top)
    assert J.time_before(top, 3)
    assert not J.time_after(top, 3)
    assert J.time_after_eq(7, 7) and J.time_before_eq(7, 7)
    assert J.time_in_range(1, top, 2)
    assert not J.time_in_range_open(2, top, 2)


def test_ns_jiffy_round_trip() -> None:
    k = Kernel(hz=300)
    for j in range(J.INITIAL_JIFFIES(300), J.INITIAL_JIFFIES(300) + 50):
        t = J.jiffy_to_ns(k, j)
        assert J.ns_to_jiffies(k, t) == j
        assert J.ns_to_jiffies(k, t - 1) == j - 1 or t == 0


@pytest.mark.parametrize(
    ("hz", "ms", "jif", "back"),
    [(1000, 1, 1, 1), (250, 1, 1, 4), (250, 5, 2, 8), (250, 4, 1, 4), (100, 15, 2, 20),
     (300, 10, 3, 10), (300, 1, 1, 3)],
)
def test_msecs_round_up_and_back(hz: int, ms: int, jif: int, back: int) -> None:
    k = Kernel(hz=hz)
    assert J.msecs_to_jiffies(k, ms) == jif
    assert J.jiffies_to_msecs(k, jif) == back


def test_negative_msecs_saturate() -> None:
    k = Kernel(hz=250)
    assert J.msecs_to_jiffies(k, -1) == J.MAX_JIFFY_OFFSET
    assert J.usecs_to_jiffies(k, 1) == 1
    assert J.usecs_to_jiffies(k, 4001) == 2
    assert J.jiffies_to_usecs(k, 3) == 12000


@pytest.mark.parametrize(("hz", "j", "clk"), [(1000, 1000, 100), (250, 250, 100), (250, 3, 1)])
def test_clock_t(hz: int, j: int, clk: int) -> None:
    k = Kernel(hz=hz)
    assert J.jiffies_to_clock_t(k, j) == clk
    assert J.clock_t_to_jiffies(k, 100) == hz
    assert J.clock_t_to_jiffies(k, -1) == J.ULONG_MASK
