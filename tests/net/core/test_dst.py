"""dst_entry basics (include/net/dst.h, net/core/dst.c): refcounts, metrics, checks."""

from __future__ import annotations

import pytest

from skbuff.kernel.bug import KernelBug
from skbuff.net.core import dst as core_dst
from skbuff.uapi import rtnetlink as uapi_rt


def make_ops(destroyed: list[core_dst.dst_entry]) -> core_dst.dst_ops:
    return core_dst.dst_ops(family=2, check=lambda d, c: None, default_advmss=lambda d: 1460,
                            mtu=lambda d: 1500, destroy=destroyed.append)


def test_refcount_use_and_destroy() -> None:
    gone: list[core_dst.dst_entry] = []
    d = core_dst.dst_alloc(make_ops(gone), None, core_dst.DST_OBSOLETE_FORCE_CHK, 0, now=100)
    assert d.refcnt == 1 and d.lastuse == 100 and d.use == 0
    core_dst.dst_hold(d)
    core_dst.dst_use_noref(d, 100)
    assert d.use == 0  # same jiffy: not counted
    core_dst.dst_use_noref(d, 101)
    assert d.use == 1 and d.lastuse == 101
    core_dst.dst_use(d, 101)
    assert d.use == 2 and d.refcnt == 3
    for _ in range(3):
        core_dst.dst_release(d)
    assert gone == [d]
    with pytest.raises(KernelBug):
        core_dst.dst_release(d)
    with pytest.raises(KernelBug):
        core_dst.dst_hold(d)


def test_metrics_copy_on_write_and_lock() -> None:
    a = core_dst.dst_alloc(make_ops([]), None, 0, 0, now=0)
    b = core_dst.dst_alloc(make_ops([]), None, 0, 0, now=0)
    assert core_dst.dst_metric_advmss(a) == 1460  # default_advmss
    core_dst.dst_metric_set(a, uapi_rt.RTAX_MTU, 1400)
    assert core_dst.dst_metric_raw(a, uapi_rt.RTAX_MTU) == 1400
    assert core_dst.dst_metric_raw(b, uapi_rt.RTAX_MTU) == 0  # shared defaults untouched
    assert not core_dst.dst_metric_locked(a, uapi_rt.RTAX_MTU)
    core_dst.dst_metric_set(a, uapi_rt.RTAX_LOCK, 1 << uapi_rt.RTAX_MTU)
    assert core_dst.dst_metric_locked(a, uapi_rt.RTAX_MTU)
    assert core_dst.dst_mtu(a) == 1500


def test_check_and_dev_put() -> None:
    d = core_dst.dst_alloc(make_ops([]), None, core_dst.DST_OBSOLETE_NONE, 0, now=0)
    assert core_dst.dst_check(d, 0) is d  # not obsolete: no ops->check
    d.obsolete = core_dst.DST_OBSOLETE_FORCE_CHK
    assert core_dst.dst_check(d, 0) is None  # ops->check decides
    core_dst.dst_dev_put(d)
    assert d.obsolete == core_dst.DST_OBSOLETE_DEAD
    assert d.input is core_dst.dst_discard and d.output is core_dst.dst_discard_out
