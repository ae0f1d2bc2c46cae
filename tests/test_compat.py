"""compat.sparse_fields: the same reads and writes on both runtimes, only the layout differs."""

from __future__ import annotations

import pytest

from skbuff import compat
from skbuff.net.ipv4.ip_fib import fib_alias, fib_info
from skbuff.uapi import rtnetlink as uapi_rt


@compat.sparse_fields(b=7, c=None)
class Sample:
    __slots__ = ("a", "b", "c")

    def __init__(self, a: int, b: int) -> None:
        self.a = a
        if b != 7:
            self.b = b


def test_defaults_read_until_written() -> None:
    s = Sample(1, 7)
    assert (s.a, s.b, s.c) == (1, 7, None)
    s.c = 3
    s.b = 9
    assert (s.a, s.b, s.c) == (1, 9, 3)
    assert Sample(2, 7).b == 7 and Sample(2, 7).c is None  # other instances keep the default


def test_layout_per_runtime() -> None:
    s = Sample(1, 7)
    if compat.PYPY:
        assert vars(s) == {"a": 1}  # what was written, nothing else
    else:  # slotted: CPython catches a misspelt field (PyPy would store it)
        assert not hasattr(s, "__dict__")
        with pytest.raises(AttributeError):
            s.d = 1  # type: ignore[attr-defined]


def test_defaults_must_name_fields() -> None:
    with pytest.raises(AssertionError, match="defaults name fields"):
        @compat.sparse_fields(z=0)
        class Bad:
            __slots__ = ("a",)


@pytest.mark.parametrize("dscp,fa_type,tb_id", [
    (0, uapi_rt.RTN_UNICAST, uapi_rt.RT_TABLE_MAIN),
    (0x10, uapi_rt.RTN_LOCAL, uapi_rt.RT_TABLE_LOCAL),
    (0, uapi_rt.RTN_BLACKHOLE, 100),
])
def test_fib_alias_fields(dscp: int, fa_type: int, tb_id: int) -> None:
    fi = fib_info(None)
    fa = fib_alias(fi, dscp, fa_type, 8, tb_id)
    assert (fa.fa_info, fa.fa_dscp, fa.fa_type, fa.fa_slen, fa.tb_id) == (fi, dscp, fa_type, 8,
                                                                          tb_id)
    assert (fa.fa_state, fa.fa_default) == (0, -1)
    if compat.PYPY:  # only the fields that differ from the usual values are stored
        assert set(vars(fa)) == {"fa_info", "fa_slen"} | {
            name for name, v, usual in (("fa_dscp", dscp, 0),
                                        ("fa_type", fa_type, uapi_rt.RTN_UNICAST),
                                        ("tb_id", tb_id, uapi_rt.RT_TABLE_MAIN)) if v != usual}
