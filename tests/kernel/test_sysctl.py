"""sysctl handlers (kernel read formats and write parsing) and the registry."""

from __future__ import annotations

import errno
from typing import Any

import pytest

from skbuff.kernel import sysctl as S
from skbuff.kernel.bug import KernelBug
from skbuff.kernel.kernel import Kernel


class Obj:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


class FakeNet:
    def __init__(self, k: Kernel) -> None:
        self.kernel = k


def _reg(k: Kernel, entry: S.ctl_table, path: str = "net/test") -> None:
    S.register_sysctl(k, path, [entry])


def _w(k: Kernel, name: str, value: str) -> int:
    try:
        k.sysctl.write(None, name, value)
    except S.SysctlError as e:
        return e.errno or 0
    return 0


@pytest.fixture
def k() -> Kernel:
    return Kernel(hz=1000)


def test_dointvec_read_write_and_parse_rules(k: Kernel) -> None:
    o = Obj(v=1)
    _reg(k, S.ctl_table("v", (o, "v")))
    assert k.sysctl.read(None, "net.test.v") == "1"
    assert _w(k, "net.test.v", "  42\n") == 0 and o.v == 42
    assert _w(k, "net.test.v", "-7") == 0 and o.v == -7
    assert k.sysctl.read(None, "net/test/v") == "-7"
    assert _w(k, "net.test.v", "0x10") == 0 and o.v == 16  # strtoul base 0
    assert _w(k, "net.test.v", "010") == 0 and o.v == 8
    assert _w(k, "net.test.v", "5 6") == 0 and o.v == 5  # extra values ignored
    for bad in ("abc", "1abc", "", "   ", "-", "+1", "2147483648", "-2147483649", "1.5"):
        assert _w(k, "net.test.v", bad) == errno.EINVAL, bad
    assert o.v == 5
    assert _w(k, "net.test.v", "-2147483648") == 0 and o.v == -(2**31)


def test_dointvec_vector_is_tab_separated_and_partial(k: Kernel) -> None:
    o = Obj(v=[32768, 60999])
    _reg(k, S.ctl_table("pair", (o, "v"), maxlen=8))
    assert k.sysctl.read(None, "net.test.pair") == "32768\t60999"
    assert _w(k, "net.test.pair", "1000\t2000") == 0 and o.v == [1000, 2000]
    assert _w(k, "net.test.pair", "3000") == 0 and o.v == [3000, 2000]
    assert _w(k, "net.test.pair", "5 x") == errno.EINVAL and o.v == [5, 2000]


def test_dointvec_minmax(k: Kernel) -> None:
    o = Obj(v=1)
    _reg(k, S.ctl_table("m", (o, "v"), proc_handler=S.proc_dointvec_minmax, extra1=0, extra2=2))
    assert _w(k, "net.test.m", "2") == 0 and o.v == 2
    assert _w(k, "net.test.m", "3") == errno.EINVAL and o.v == 2
    assert _w(k, "net.test.m", "-1") == errno.EINVAL
    o2 = Obj(v=5)
    _reg(k, S.ctl_table("open", (o2, "v"), proc_handler=S.proc_dointvec_minmax, extra1=1))
    assert _w(k, "net.test.open", "999999") == 0 and o2.v == 999999


def test_dointvec_ranges(k: Kernel) -> None:
    o = Obj(v=[32768, 60999])
    _reg(k, S.ctl_table("ip_local_port_range", (o, "v"), maxlen=8,
                        proc_handler=S.proc_dointvec_ranges, extra1=1, extra2=65535))
    assert _w(k, "net.test.ip_local_port_range", "1024 65000") == 0 and o.v == [1024, 65000]
    assert _w(k, "net.test.ip_local_port_range", "2000 1000") == errno.EINVAL
    assert _w(k, "net.test.ip_local_port_range", "0 1000") == errno.EINVAL
    assert o.v == [1024, 65000]
    assert k.sysctl.read(None, "net.test.ip_local_port_range") == "1024\t65000"


def test_douintvec_and_minmax(k: Kernel) -> None:
    o = Obj(u=7, m=1)
    S.register_sysctl(k, "net/test", [
        S.ctl_table("u", (o, "u"), proc_handler=S.proc_douintvec),
        S.ctl_table("m", (o, "m"), proc_handler=S.proc_douintvec_minmax, extra1=1, extra2=3),
    ])
    assert _w(k, "net.test.u", "4294967295") == 0 and o.u == 2**32 - 1
    assert k.sysctl.read(None, "net.test.u") == "4294967295"
    assert _w(k, "net.test.u", "4294967296") == errno.EINVAL
    assert _w(k, "net.test.u", "-1") == errno.EINVAL
    assert _w(k, "net.test.m", "4") == errno.EINVAL and o.m == 1
    assert _w(k, "net.test.m", "3") == 0 and o.m == 3


@pytest.mark.parametrize("hz", [250, 1000])
def test_jiffies_handlers(hz: int) -> None:
    k = Kernel(hz=hz)
    o = Obj(s=30 * hz, u=hz, m=hz)
    S.register_sysctl(k, "net/test", [
        S.ctl_table("s", (o, "s"), proc_handler=S.proc_dointvec_jiffies),
        S.ctl_table("u", (o, "u"), proc_handler=S.proc_dointvec_userhz_jiffies),
        S.ctl_table("m", (o, "m"), proc_handler=S.proc_dointvec_ms_jiffies),
    ])
    assert k.sysctl.read(None, "net.test.s") == "30"
    assert k.sysctl.read(None, "net.test.u") == "100"
    assert k.sysctl.read(None, "net.test.m") == "1000"
    assert _w(k, "net.test.s", "5") == 0 and o.s == 5 * hz
    assert _w(k, "net.test.s", str(2**31 // hz + 1)) == errno.EINVAL
    assert _w(k, "net.test.u", "50") == 0 and o.u == hz // 2
    assert _w(k, "net.test.m", "1") == 0 and o.m == 1  # rounds up to one jiffy
    assert k.sysctl.read(None, "net.test.m") == str(1000 // hz)
    o.s = hz * 3 // 2  # 1.5 s shows truncated
    assert k.sysctl.read(None, "net.test.s") == "1"
    o.s = -2 * hz
    assert k.sysctl.read(None, "net.test.s") == "-2"


def test_dostring_and_ulongvec(k: Kernel) -> None:
    o = Obj(name="abc", big=[1, 2])
    S.register_sysctl(k, "kernel", [
        S.ctl_table("hostname", (o, "name"), maxlen=8, proc_handler=S.proc_dostring),
        S.ctl_table("big", (o, "big"), maxlen=16, proc_handler=S.proc_doulongvec_minmax,
                    extra2=2**40),
    ])
    assert _w(k, "kernel.hostname", "a-very-long-name\nx") == 0 and o.name == "a-very-"
    assert k.sysctl.read(None, "kernel.hostname") == "a-very-"
    assert _w(k, "kernel.big", "18 2") == 0 and o.big == [18, 2]
    assert k.sysctl.read(None, "kernel.big") == "18\t2"
    assert _w(k, "kernel.big", "-1") == errno.EINVAL
    assert _w(k, "kernel.big", str(2**40 + 1)) == errno.EINVAL


def test_registry_errors_forms_and_hooks(k: Kernel) -> None:
    o = Obj(ro=1, rw=0, wo=0)
    seen: list[tuple[Any, Any, Any]] = []
    S.register_sysctl(k, "net/ipv4", [
        S.ctl_table("ro", (o, "ro"), mode=0o444),
        S.ctl_table("rw", (o, "rw"), on_write=lambda n, a, b: seen.append((n, a, b))),
        S.ctl_table("flush", (o, "wo"), mode=0o200),
    ])
    assert _w(k, "net.ipv4.ro", "2") == errno.EACCES and o.ro == 1
    with pytest.raises(S.SysctlError) as ei:
        k.sysctl.read(None, "net.ipv4.flush")
    assert ei.value.errno == errno.EACCES
    assert _w(k, "net.ipv4.nope", "1") == errno.ENOENT
    with pytest.raises(S.SysctlError) as ei:
        k.sysctl.read(None, "net.ipv4")
    assert ei.value.errno == errno.EISDIR
    assert _w(k, "/proc/sys/net/ipv4/rw", "3") == 0
    assert seen == [(None, 0, 3)]
    assert k.sysctl.exists(None, "net.ipv4") and k.sysctl.is_dir(None, "net")
    assert not k.sysctl.is_dir(None, "net.ipv4.rw")
    with pytest.raises(KernelBug, match="sysctl duplicate entry: /net/ipv4/rw"):
        S.register_sysctl(k, "net/ipv4", [S.ctl_table("rw", (o, "rw"))])


def test_per_net_visibility_and_dotted_device_names(k: Kernel) -> None:
    a, b = FakeNet(k), FakeNet(k)
    o = Obj(g=1, fa=0, fb=0)
    S.register_sysctl(k, "net/core", [S.ctl_table("g", (o, "g"))])
    ha = S.register_net_sysctl(a, "net/ipv4/conf/eth0.100", [S.ctl_table("forwarding", (o, "fa"))])
    S.register_net_sysctl(b, "net/ipv4/conf/eth0.100", [S.ctl_table("forwarding", (o, "fb"))])
    assert k.sysctl.names(a) == ["net.core.g", "net.ipv4.conf.eth0/100.forwarding"]
    assert _w(k, "net.ipv4.conf.eth0/100.forwarding", "1") == errno.ENOENT  # no net given
    k.sysctl.write(a, "net.ipv4.conf.eth0/100.forwarding", "1")
    k.sysctl.write(b, "net/ipv4/conf/eth0.100/forwarding", "2")
    assert (o.fa, o.fb) == (1, 2)
    assert k.sysctl.read(b, "net.core.g") == "1"
    S.unregister_net_sysctl_table(ha)
    assert k.sysctl.names(a) == ["net.core.g"]
    assert k.sysctl.lookup(b, "net.ipv4.conf.eth0/100.forwarding") is not None


def test_data_may_index_an_array(k: Kernel) -> None:
    cnf = [0, 1, 2]
    seen: list[tuple[Any, Any, Any]] = []
    S.register_sysctl(k, "net/ipv4/conf/all", [
        S.ctl_table("forwarding", (cnf, 1), on_write=lambda n, a, b: seen.append((n, a, b)))])
    k.sysctl.write(None, "net.ipv4.conf.all.forwarding", "0")
    assert cnf == [0, 0, 2] and seen == [(None, 1, 0)]
    assert k.sysctl.read(None, "net.ipv4.conf.all.forwarding") == "0"


def test_u8_and_bool(k: Kernel) -> None:
    o = Obj(u8=1, b=False, lim=0)
    S.register_sysctl(k, "net/ipv4", [
        S.ctl_table("u8", (o, "u8"), maxlen=1, proc_handler=S.proc_dou8vec_minmax),
        S.ctl_table("lim", (o, "lim"), maxlen=1, proc_handler=S.proc_dou8vec_minmax,
                    extra1=0, extra2=2),
        S.ctl_table("b", (o, "b"), maxlen=1, proc_handler=S.proc_dobool),
        S.ctl_table("bad", (o, "u8"), maxlen=4, proc_handler=S.proc_dou8vec_minmax),
    ])
    assert _w(k, "net.ipv4.u8", "255") == 0 and o.u8 == 255
    assert _w(k, "net.ipv4.u8", "256") == errno.EINVAL
    assert _w(k, "net.ipv4.lim", "3") == errno.EINVAL and o.lim == 0
    assert _w(k, "net.ipv4.b", "5") == 0 and o.b is True
    assert k.sysctl.read(None, "net.ipv4.b") == "1"
    assert _w(k, "net.ipv4.b", "0") == 0 and o.b is False
    with pytest.raises(S.SysctlError):
        k.sysctl.read(None, "net.ipv4.bad")
