"""Function-entry tracing: patched only while registered, every call site covered (bare
names, module attributes, references captured in data), originals restored exactly."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from skbuff.kernel.bug import KernelBug
from skbuff.trace import ftrace


def _fake_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    mod = types.ModuleType("skbuff.fake_traced")
    code = '''
def fake_rcv(skb, dev, extra=5):
    return fake_finish(skb) + extra

def fake_finish(skb):
    return skb * 2

def untraced(skb):
    return skb
'''
    exec(compile(code, "fake_traced.py", "exec"), mod.__dict__)
    for name in ("fake_rcv", "fake_finish"):
        ftrace.skb_traced(getattr(mod, name)).__module__ = mod.__name__
    mod.untraced.__module__ = mod.__name__
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    return mod


def test_skb_traced_is_identity() -> None:
    def f(skb: int) -> int:
        return skb

    assert ftrace.skb_traced(f) is f


def test_register_traces_every_call_site(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = _fake_module(monkeypatch)
    captured = {"func": mod.fake_rcv}  # as packet_type.func / ndo_start_xmit hold them
    seen: list[tuple[str, str, Any]] = []
    ops = ftrace.ftrace_ops(lambda name, caller, skb: seen.append((name, caller, skb)),
                            ["fake_*"])
    code, defaults = mod.fake_rcv.__code__, mod.fake_rcv.__defaults__
    assert ftrace.register_ftrace_function(ops) == 0

    def caller() -> int:
        return int(captured["func"](3, "dev0"))

    assert caller() == 11  # behaviour unchanged, default argument kept
    assert mod.fake_rcv(skb=4, dev="d", extra=0) == 8
    assert mod.untraced(1) == 1
    assert seen == [("fake_rcv", "caller", 3), ("fake_finish", "fake_rcv", 3),
                    ("fake_rcv", "test_register_traces_every_call_site", 4),
                    ("fake_finish", "fake_rcv", 4)]
    other: list[str] = []
    ops2 = ftrace.ftrace_ops(lambda name, caller, skb: other.append(name), ["fake_rcv"])
    assert ftrace.register_ftrace_function(ops2) == 0
    seen.clear()
    assert caller() == 11
    assert [s[0] for s in seen] == ["fake_rcv", "fake_finish"] and other == ["fake_rcv"]
    ftrace.unregister_ftrace_function(ops)
    assert mod.fake_rcv.__code__ is not code  # ops2 still traces it
    assert mod.fake_finish.__code__.co_name == "fake_finish"
    ftrace.unregister_ftrace_function(ops2)
    assert mod.fake_rcv.__code__ is code and mod.fake_rcv.__defaults__ == defaults
    seen.clear()
    assert caller() == 11 and seen == [] and other == ["fake_rcv"]


def test_set_filter_and_contract_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = _fake_module(monkeypatch)
    ops = ftrace.ftrace_ops(lambda *a: None)
    ftrace.ftrace_set_filter(ops, ["fake_finish"])
    assert ftrace.register_ftrace_function(ops) == 0
    assert mod.fake_rcv.__code__.co_name == "fake_rcv"
    assert mod.fake_finish.__code__.co_name == "_trampoline"
    with pytest.raises(KernelBug):
        ftrace.ftrace_set_filter(ops, ["x"])
    with pytest.raises(KernelBug):
        ftrace.register_ftrace_function(ops)
    ftrace.unregister_ftrace_function(ops)
    assert mod.fake_finish.__code__.co_name == "fake_finish"


def test_default_set_resolves() -> None:
    names = {fn.__name__ for fn in ftrace.traceable_functions()}
    assert {"ip_rcv", "ip_forward", "neigh_resolve_output", "__dev_queue_xmit",
            "veth_xmit", "udp_rcv"} <= names
    for fn in ftrace.traceable_functions():
        assert fn.__closure__ is None and ftrace.skb_arg_index(fn) >= 0
        assert fn.__code__.co_name == fn.__name__, "left patched"
