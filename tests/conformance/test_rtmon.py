"""`rtmon file F` and `ip monitor file F` against the real kernel and the real iproute2.

Each case (CASES: rtmon's arguments and a command sequence of the `ip monitor` or nexthop
conformance tests) runs twice with a recorder in namespace a: on real namespaces with the
host's rtmon (`ip netns exec A rtmon file F`, a process that only listens and writes F, in
the harness's namespace, stopped with SIGTERM), and on skbuff with ours (`ip netns exec a
rtmon file F &`, then `kill %1`). Then, in namespace a as the sequence left it (ip resolves
the names of links the file does not name there), with three readers (plain, `label`,
`-o … all`):

(a) the host's `ip monitor file` prints both recordings alike: the time stamp records
    ("Timestamp: … us", gettimeofday on the real side, the simulated clock on ours) are
    masked, MACs the kernel chose are numbered in order of appearance, and the real
    recording's AF_INET6 messages (the IPv6 netconf of each new device, which
    disable_ipv6 does not stop; skbuff has no IPv6) are cut out of a copy of the file,
    each with its stamp, before it is read;
(b) skbuff's `ip monitor file` prints the real kernel's recording exactly as the host's
    `ip monitor file` does, time stamps included (TZ=UTC: skbuff's clock is UTC), with
    nothing masked: the link attributes skbuff does not model (IFLA_STATS, IFLA_MAP,
    IFLA_AF_SPEC, IFLA_XDP and 6.12's attributes numbered past IFLA_ALLMULTI, some with
    NLA_F_NESTED) decode as raw bytes and print nothing, as in iproute2 6.1 without -d/-s;
(c) the same holds for skbuff's own recording.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import time
from pathlib import Path

import pytest

from skbuff.sim import script
from skbuff.uapi import rtnetlink as rt
from skbuff.uapi import rtnl_wire as w
from skbuff.uapi.rtnetlink import AF_INET6
from tests.conformance import test_nexthop
from tests.conformance.harness import MAC_RE, RealKernel, Skbuff, _normalize_macs
from tests.conformance.test_monitor import REAL_SETUP, SEQUENCE, _lines

STAMP_RE = re.compile(r"^Timestamp: .* us$", re.M)
READERS = ("ip -n a monitor file {}", "ip -n a monitor label file {}",
           "ip -n a -o monitor all file {}")


def _mask(text: str) -> str:
    return _normalize_macs(STAMP_RE.sub("Timestamp: <masked>", text),
                           set(MAC_RE.findall(SEQUENCE)), {})


def test_cases_record_inet6_only_on_the_real_side() -> None:
    """The real recordings' IPv6 messages are what _without_inet6 cuts (a sanity check of
    the cutter on a hand-made file: stamp, inet6 netconf, stamp, inet netconf)."""
    from skbuff.uapi.netconf import NETCONFA_IFINDEX, netconfmsg

    stamp = w.encode(w.nlmsg_tstamp(0))
    v6, v4 = (w.encode(rt.nlmsg(rt.RTM_NEWNETCONF, 0, netconfmsg(f), {NETCONFA_IFINDEX: 2}))
              for f in (AF_INET6, rt.AF_INET))
    assert _without_inet6(stamp + v6 + stamp + v4) == stamp + v4


def _without_inet6(data: bytes) -> bytes:
    """The recording without its AF_INET6 messages (the first byte of every family header
    is the family) and the stamp record before each."""
    out: list[bytes] = []
    off = 0
    while off < len(data):
        length, msgtype = struct.unpack_from("=IH", data, off)
        end = off + ((length + 3) & ~3)
        if msgtype != w.NLMSG_TSTAMP and data[off + 16] == AF_INET6:
            if out and struct.unpack_from("=H", out[-1], 4)[0] == w.NLMSG_TSTAMP:
                out.pop()
        else:
            out.append(data[off:end])
        off = end
    return b"".join(out)


def _real_reader(real: RealKernel, line: str) -> str:
    """The host's ip on a recording, in the real namespace, with the time zone UTC."""
    argv = real._check(line)
    p = subprocess.run(["bash", "-c", real._to_real(argv)], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "TZ": "UTC"})
    assert (p.returncode, p.stderr) == (0, ""), (line, p.stderr)
    return real._from_real(p.stdout)


# rtmon's arguments and the sequence it records: the ip monitor sequence with every group
# and with the IPv4 link/address/route groups only; the nexthop monitor sequences (objects,
# groups, routes by nhid; a resilient group's bucket moved by the upkeep timer).
CASES = {
    "all": ("", SEQUENCE),
    "inet-objects": ("-family inet link address route", SEQUENCE),
    "nexthop": ("", test_nexthop.MONITOR_SEQUENCE),
    "nexthop-bucket": ("all", test_nexthop.RES_MONITOR_SEQUENCE),
}


@pytest.mark.conformance
@pytest.mark.parametrize("case", sorted(CASES))
def test_rtmon_recordings_match_real_kernel(real_kernel_ok: None, tmp_path: Path,
                                            case: str) -> None:
    args, sequence = CASES[case]
    ours_file, real_file = tmp_path / "ours.rtm", tmp_path / "real.rtm"
    real4_file = tmp_path / "real4.rtm"

    # skbuff: record with our rtmon.
    world = Skbuff().world
    for line in ("ip netns add a", "ip netns add b"):
        assert world.run(line).status == 0
    started = script.run_line(world, world.init_net,
                              f"ip netns exec a rtmon {args} file {ours_file} &")
    assert (started.status, started.stderr) == (0, ""), started
    for line in _lines(sequence):
        script.run_line(world, world.init_net, line)
    assert script.run_line(world, world.init_net, "kill %1").status == 0
    world.poll_jobs()
    assert world.jobs == []

    # The real kernel: record with the host's rtmon, then read both files there.
    real = RealKernel()
    try:
        for line in ("ip netns add a", "ip netns add b", *REAL_SETUP):
            res = real.run(line)
            assert res.status == 0, (line, res)
        rec = subprocess.Popen(["ip", "netns", "exec", real.names["a"], "rtmon", *args.split(),
                                "file", str(real_file)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)
            for line in _lines(sequence):
                real.run(line)
            time.sleep(0.5)
        finally:
            rec.terminate()
            out, err = rec.communicate(timeout=10)
        assert (out, err) == ("", "")
        real4_file.write_bytes(_without_inet6(real_file.read_bytes()))
        host = {(reader, f): _real_reader(real, reader.format(f))
                for reader in READERS for f in (real_file, real4_file, ours_file)}
    finally:
        real.close()

    for reader in READERS:
        real_text = host[(reader, real4_file)]
        assert real_text.count("Timestamp:") > 10 and "inet6" not in real_text
        # (a) the host's ip prints both recordings alike
        assert _mask(host[(reader, ours_file)]).splitlines() == _mask(real_text).splitlines()
        # (b), (c) skbuff's ip prints each recording as the host's ip does
        for f in (real_file, ours_file):
            res = script.run_line(world, world.init_net, reader.format(f))
            assert (res.status, res.stderr) == (0, ""), (reader, res.stderr)
            assert res.stdout.splitlines() == host[(reader, f)].splitlines(), (reader, f)
