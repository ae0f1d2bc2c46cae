"""Notifier chains: priority order, STOP, errno encoding."""

from __future__ import annotations

import errno
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from skbuff.kernel import notifier as N


def _nb(calls: list[str], name: str, prio: int, ret: int = N.NOTIFY_DONE) -> N.notifier_block:
    def cb(nb: N.notifier_block, val: int, v: Any) -> int:
        calls.append(name)
        return ret

    return N.notifier_block(cb, prio)


def test_priority_higher_first_equal_in_registration_order() -> None:
    head = N.raw_notifier_head()
    calls: list[str] = []
    for name, prio in [("a", 0), ("b", 10), ("c", 0), ("d", 10), ("e", -1)]:
        assert N.raw_notifier_chain_register(head, _nb(calls, name, prio)) == 0
    assert N.raw_notifier_call_chain(head, 1, None) == N.NOTIFY_DONE
    assert calls == ["b", "d", "a", "c", "e"]


def test_stop_mask_ends_the_walk_and_is_returned() -> None:
    head = N.blocking_notifier_head()
    calls: list[str] = []
    N.blocking_notifier_chain_register(head, _nb(calls, "first", 5, N.NOTIFY_OK))
    N.blocking_notifier_chain_register(head, _nb(calls, "stopper", 1, N.NOTIFY_BAD))
    N.blocking_notifier_chain_register(head, _nb(calls, "never", 0))
    assert N.blocking_notifier_call_chain(head, 0, None) == N.NOTIFY_BAD
    assert calls == ["first", "stopper"]


def test_register_twice_and_unregister() -> None:
    head = N.atomic_notifier_head()
    nb = _nb([], "x", 0)
    assert N.atomic_notifier_chain_register(head, nb) == 0
    assert N.atomic_notifier_chain_register(head, nb) == -errno.EEXIST
    assert N.atomic_notifier_chain_unregister(head, nb) == 0
    assert N.atomic_notifier_chain_unregister(head, nb) == -errno.ENOENT
    assert head.head == []


def test_errno_round_trip() -> None:
    assert N.notifier_from_errno(0) == N.NOTIFY_OK
    ret = N.notifier_from_errno(-errno.EINVAL)
    assert ret & N.NOTIFY_STOP_MASK
    assert N.notifier_to_errno(ret) == -errno.EINVAL
    assert N.notifier_to_errno(N.NOTIFY_OK) == 0
    assert N.notifier_to_errno(N.NOTIFY_DONE) == 0


@given(st.lists(st.integers(-3, 3), max_size=12))
def test_chain_is_stably_sorted_by_priority(prios: list[int]) -> None:
    head = N.raw_notifier_head()
    calls: list[str] = []
    for i, p in enumerate(prios):
        N.raw_notifier_chain_register(head, _nb(calls, str(i), p))
    N.raw_notifier_call_chain(head, 0, None)
    expected = [str(i) for i, _ in sorted(enumerate(prios), key=lambda e: -e[1])]
    assert calls == expected
