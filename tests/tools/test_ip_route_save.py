"""`ip route save` / `restore` / `showdump`: the raw netlink dump, byte for byte as Linux
writes it (checked against a file the real `ip route save` wrote on Linux 6.18, iproute2
6.1), and iproute2's three-pass restore with its error texts."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.sim.world import World
from skbuff.tools.common import Result
from skbuff.tools.ip import route_save
from skbuff.uapi import rtnl_wire
from skbuff.uapi.rtnetlink import (
    RTA_DST,
    RTA_GATEWAY,
    RTA_METRICS,
    RTA_MULTIPATH,
    RTA_OIF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTA_TABLE,
    RTM_NEWROUTE,
    nlmsg,
    rtmsg,
    rtnexthop,
)

SETUP = """\
ip link add d0 type veth peer name d1
ip link set d0 up
ip link set d1 up
ip link set lo up
ip addr add 10.1.0.1/24 dev d0
"""
ROUTES = """\
ip route add 10.2.0.0/16 via 10.1.0.254 metric 5 proto static
ip route add 10.3.0.0/16 dev d0 mtu lock 1400 src 10.1.0.1
ip route add 10.4.0.0/16 nexthop via 10.1.0.2 weight 2 nexthop via 10.1.0.3
ip route add blackhole 10.5.0.0/16
ip route add default via 10.1.0.254 table 100
ip route add 10.6.0.0/16 via 10.1.0.9 advmss 1300 hoplimit 9 rtt 30
"""
SHOW = "".join(line + " \n" for line in (
    "10.1.0.0/24 dev d0 proto kernel scope link src 10.1.0.1",
    "10.2.0.0/16 via 10.1.0.254 dev d0 proto static metric 5",
    "10.3.0.0/16 dev d0 scope link src 10.1.0.1 mtu lock 1400",
    "10.4.0.0/16",
    "\tnexthop via 10.1.0.2 dev d0 weight 2",
    "\tnexthop via 10.1.0.3 dev d0 weight 1",
    "blackhole 10.5.0.0/16",
    "10.6.0.0/16 via 10.1.0.9 dev d0 rtt 3ms advmss 1300 hoplimit 9",
))
# `ip route save` after SETUP + ROUTES in a fresh namespace on Linux 6.18 (iproute2 6.1).
REAL_SAVE = bytes.fromhex(
    "241231453c000000180022002d44086be767000002180000fe02fd010000000008000f00fe00000008"
    "0001000a010000080007000a010001080004000300000044000000180022002d44086be76700000210"
    "0000fe0400010000000008000f00fe000000080001000a0200000800060005000000080005000a0100"
    "fe080004000300000050000000180022002d44086be767000002100000fe03fd010000000008000f00"
    "fe000000080001000a0300001400080008000100040000000800020078050000080007000a01000108"
    "0004000300000050000000180022002d44086be767000002100000fe0300010000000008000f00fe00"
    "0000080001000a040000240009001000000103000000080005000a0100021000000003000000080005"
    "000a0100032c000000180022002d44086be767000002100000fe0300060000000008000f00fe000000"
    "080001000a05000058000000180022002d44086be767000002100000fe0300010000000008000f00fe"
    "000000080001000a0600001c000800080004001e000000080008001405000008000a00090000000800"
    "05000a0100090800040003000000")


def split_messages(data: bytes) -> list[bytes]:
    out = []
    off = 4
    while off < len(data):
        (length,) = struct.unpack_from("=I", data, off)
        out.append(data[off:off + length])
        off += length
    return out


def without_seq_pid(data: bytes) -> bytes:
    """The dump with nlmsg_seq and nlmsg_pid zeroed (the dumping process's numbers)."""
    return data[:4] + b"".join(m[:8] + bytes(8) + m[16:] for m in split_messages(data))


def ok(w: World, text: str) -> str:
    r = w.script(text)
    assert r.status == 0 and not r.stderr, r
    return str(r.stdout)


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_save_is_the_kernel_dump_byte_for_byte(cwd: Path) -> None:
    w = World()
    ok(w, SETUP + ROUTES + "ip route save > rs.bin\n")
    assert (cwd / "rs.bin").read_bytes() == without_seq_pid(REAL_SAVE)
    assert ok(w, "ip route") == SHOW


def test_a_file_from_linux_restores_to_the_same_routes(cwd: Path) -> None:
    """Three passes: the on-link prefix route exists already (its "File exists" is printed,
    not fatal), multipath and blackhole go first, gateways last."""
    (cwd / "real.bin").write_bytes(REAL_SAVE)
    w = World()
    ok(w, SETUP)
    r = w.run("ip route restore < real.bin")
    assert (r.status, r.stdout, r.stderr) == (0, "", "RTNETLINK answers: File exists\n")
    assert ok(w, "ip route") == SHOW
    assert "default via 10.1.0.254 dev d0" not in ok(w, "ip route")
    assert ok(w, "ip route showdump < real.bin") == SHOW


def test_restore_stops_at_the_first_real_error() -> None:
    """After `ip route flush table main` the multipath route (pass 0) comes before its
    subnet (pass 1): the kernel refuses it and restore ends with status 2, as on Linux."""
    w = World()
    ok(w, SETUP + ROUTES)
    with_file = route_save.U32.pack(route_save.route_dump_magic) + b"".join(
        split_messages(REAL_SAVE))
    ok(w, "ip route flush table main")
    w.tool_state["stdin"] = with_file  # what `< FILE` gives
    r = w.run("ip route restore")
    assert (r.status, r.stderr) == (2, "Error: Nexthop has invalid gateway.\n")
    assert ok(w, "ip route") == ""


def test_terminal_and_bad_files(cwd: Path) -> None:
    w = World()
    assert w.run("ip route save").stderr == "Not sending a binary stream to stdout\n"
    assert w.run("ip route save").status == 1
    r = w.run("ip route restore")
    assert (r.status, r.stderr) == (1, "Can't restore route dump from a terminal\n")
    files = {
        "short.bin": (b"ab", 1, "Magic mismatch (0 elems, 6261 magic)\n"),
        "empty.bin": (b"", 1, "Magic mismatch (0 elems, 0 magic)\n"),
        "trunc.bin": (REAL_SAVE[:6], 2, "rtnl-from_file: truncated message\n"),
        "mal.bin": (REAL_SAVE[:4] + struct.pack("=IHHII", 8, 24, 0, 0, 0), 2,
                    "!!!malformed message: len=8 @20\n"),
        "cut.bin": (REAL_SAVE[:70], 2, "rtnl-from_file: truncated message\n"),
    }
    for name, (data, status, err) in files.items():
        (cwd / name).write_bytes(data)
        r = w.run(f"ip route restore < {name}")
        assert (r.status, r.stdout, r.stderr) == (status, "", err), name
    # a pipe has the magic but cannot be rewound for the second pass
    r = w.run("echo -ne '$\\x121E' | ip route restore")
    assert (r.status, r.stderr) == (1, "Failed to restore: ftell: Illegal seek\n")
    # the magic goes out before the selectors are read
    r = w.run("ip route save garbage > g.bin")
    assert r.status == 1 and "garbage" in r.stderr
    assert (cwd / "g.bin").read_bytes() == REAL_SAVE[:4]


def test_save_selectors_and_tables(cwd: Path) -> None:
    w = World()
    ok(w, SETUP + ROUTES + "ip route save table 100 > t100.bin\n"
       "ip route save 10.2.0.0/16 > one.bin\nip route flush table 100\n")
    assert ok(w, "ip route showdump < t100.bin") == "default via 10.1.0.254 dev d0 table 100 \n"
    assert ok(w, "ip route showdump < one.bin") == (
        "10.2.0.0/16 via 10.1.0.254 dev d0 proto static metric 5 \n")
    ok(w, "ip route restore < t100.bin")
    assert ok(w, "ip route show table 100") == "default via 10.1.0.254 dev d0 \n"


def test_every_real_message_round_trips() -> None:
    for raw in split_messages(REAL_SAVE):
        assert rtnl_wire.encode(rtnl_wire.decode(raw)) == raw


addrs = st.integers(0, 0xFFFFFFFF)
u32s = st.integers(0, 0xFFFFFFFF)
hops = st.builds(rtnexthop, flags=st.integers(0, 255), hops=st.integers(0, 255),
                 ifindex=st.integers(1, 1000),
                 attrs=st.dictionaries(st.just(RTA_GATEWAY), addrs, max_size=1))
attr_values = st.fixed_dictionaries({}, optional={
    RTA_TABLE: u32s, RTA_DST: addrs, RTA_PRIORITY: u32s,
    RTA_METRICS: st.dictionaries(st.integers(1, 15), u32s, min_size=1, max_size=4),
    RTA_PREFSRC: addrs, RTA_GATEWAY: addrs, RTA_OIF: u32s,
    RTA_MULTIPATH: st.lists(hops, min_size=1, max_size=4),
    99: st.binary(max_size=9)})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 255), min_size=8, max_size=8), u32s, attr_values,
       st.integers(0, 0xFFFF))
def test_codec_round_trips(f: list[int], flags: int, attrs: dict[int, object],
                           nlflags: int) -> None:
    """Any route message survives bytes and back, with 4-byte aligned attributes and
    nlmsg_len covering them all."""
    hdr = rtmsg(family=f[0], dst_len=f[1], src_len=f[2], tos=f[3], table=f[4],
                protocol=f[5], scope=f[6], type=f[7], flags=flags)
    m = nlmsg(RTM_NEWROUTE, nlflags, hdr, attrs, seq=7, pid=9)
    raw = rtnl_wire.encode(m)
    assert len(raw) % 4 == 0 and struct.unpack_from("=I", raw)[0] == len(raw)
    back = rtnl_wire.decode(raw)
    assert (back.type, back.flags, back.hdr, back.attrs, back.seq, back.pid) == (
        m.type, m.flags, m.hdr, m.attrs, m.seq, m.pid)


route_lines = st.one_of(
    st.builds("ip route add 10.{}.{}.0/24 via 10.1.0.{} metric {}".format,
              st.integers(20, 30), st.integers(0, 3), st.integers(2, 9), st.integers(0, 3)),
    st.builds("ip route add 10.{}.0.0/16 dev d0 src 10.1.0.1 mtu lock {}".format,
              st.integers(31, 40), st.integers(600, 1500)),
    st.builds("ip route add {} 10.{}.{}.0/24".format,
              st.sampled_from(["blackhole", "unreachable", "prohibit"]), st.integers(41, 50),
              st.integers(0, 3)),
    st.builds("ip route add 10.{}.{}.0/24 nexthop via 10.1.0.{} weight {} "
              "nexthop via 10.1.0.{}".format, st.integers(51, 60), st.integers(0, 3),
              st.integers(2, 5), st.integers(1, 5), st.integers(6, 9)),
    st.builds("ip route add 10.{}.{}.0/24 via 10.1.0.{} table {}".format,
              st.integers(61, 70), st.integers(0, 3), st.integers(2, 9),
              st.sampled_from(["main", "100"])),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(route_lines, max_size=10))
def test_save_then_restore_elsewhere_gives_the_same_routes(lines: list[str]) -> None:
    """Any main table saved in one namespace and restored in another with the same links
    and addresses reads back the same; only the already present prefix route is refused."""
    w = World()
    ok(w, "ip netns add s\nip netns add t\n")
    for ns in ("s", "t"):
        ok(w, "".join(f"ip -n {ns} {line.removeprefix('ip ')}\n" for line in SETUP.splitlines()))
    for line in lines:
        w.run(f"ip -n s {line.removeprefix('ip ')}")  # a duplicate fails; fine
    w.tool_state["stdout"] = saved = io.BytesIO()
    r = w.run("ip -n s route save")
    del w.tool_state["stdout"]
    assert r == Result(0, "", "")
    w.tool_state["stdin"] = saved.getvalue()
    r = w.run("ip -n t route restore")
    assert (r.status, r.stderr) == (0, "RTNETLINK answers: File exists\n")
    assert ok(w, "ip -n t route") == ok(w, "ip -n s route")
    assert ok(w, "ip -n t route show table 100") == ""
