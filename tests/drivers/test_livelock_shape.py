"""The livelock experiment's shape on a reduced sweep (benchmarks/livelock.py), in simulated
time: legacy interrupt-per-packet receive collapses past the knee, NAPI holds its plateau."""

from __future__ import annotations

import pytest
from benchmarks import livelock


@pytest.fixture(scope="module")
def results() -> list[livelock.point]:
    return livelock.sweep(points=5, duration_ns=5_000_000)


def curve(results: list[livelock.point], mode: str) -> list[int]:
    return [p.delivered_pps for p in results if p.mode == mode]


def test_napi_holds_its_plateau(results: list[livelock.point]) -> None:
    napi = curve(results, "napi")
    assert napi[-1] >= 0.9 * max(napi)
    top = [p for p in results if p.mode == "napi"][-1]
    assert top.nic_missed > 0 and top.backlog_dropped == 0  # the excess dies in the NIC
    assert top.interrupts < 10  # masked while polling


def test_legacy_livelocks(results: list[livelock.point]) -> None:
    legacy = curve(results, "legacy")
    assert legacy[-1] <= 0.5 * max(legacy)
    top = [p for p in results if p.mode == "legacy"][-1]
    assert top.backlog_dropped > 0  # work spent on frames the backlog then drops


def test_both_deliver_everything_at_low_load(results: list[livelock.point]) -> None:
    for mode in livelock.MODES:
        low = next(p for p in results if p.mode == mode)
        assert abs(low.delivered_pps - low.offered_pps) <= 0.01 * low.offered_pps
    assert max(curve(results, "napi")) > max(curve(results, "legacy"))
