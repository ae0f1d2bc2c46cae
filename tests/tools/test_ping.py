"""ping (iputils 20221126) over the simulated stack: output lines, errors, exit status.

The expected texts were recorded from the real iputils ping in namespaces built like TOPO
(times differ: they are simulated here, so only their format is checked).
"""

from __future__ import annotations

import re
import sys

import pytest

from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.tools import ping

TOPO = """\
ip netns add a
ip netns add b
ip netns add r
ip -n a link add veth0 type veth peer name veth1 netns r
ip -n r link add veth2 type veth peer name veth3 netns b
ip -n a addr add 10.0.1.1/24 dev veth0
ip -n r addr add 10.0.1.254/24 dev veth1
ip -n r addr add 10.0.2.254/24 dev veth2
ip -n b addr add 10.0.2.2/24 dev veth3
ip -n a link set lo up
ip -n b link set lo up
ip -n r link set lo up
ip -n a link set veth0 up
ip -n r link set veth1 up
ip -n r link set veth2 up
ip -n b link set veth3 up
ip -n a route add default via 10.0.1.254
ip -n b route add default via 10.0.2.254
ip netns exec r sysctl -qw net.ipv4.ip_forward=1
ip -n r link set veth2 mtu 1000
ip -n b link set veth3 mtu 1000
"""
"""Host a (10.0.1.1) - router r - host b (10.0.2.2); the r-b link has MTU 1000."""

TIME = re.compile(r"time=\d+\.\d{3} ms")
RTT = re.compile(r"rtt min/avg/max/mdev = (\d+\.\d{3})/(\d+\.\d{3})/(\d+\.\d{3})/"
                 r"(\d+\.\d{3}) ms")


def topo_world() -> World:
    w = World()
    assert script.run_script(w, TOPO, "topo", sys.stdout, sys.stderr) == 0
    return w


@pytest.fixture
def world() -> World:
    return topo_world()


def run(w: World, line: str) -> tuple[int, list[str], str]:
    r = w.run(line)
    return r.status, r.stdout.splitlines(), r.stderr


def test_replies_and_statistics(world: World) -> None:
    status, out, err = run(world, "ip netns exec a ping -c 2 -i 0.2 10.0.2.2")
    assert status == 0 and err == ""
    assert out[0] == "PING 10.0.2.2 (10.0.2.2) 56(84) bytes of data."
    for seq, line in enumerate(out[1:3], 1):
        assert TIME.sub("T", line) == f"64 bytes from 10.0.2.2: icmp_seq={seq} ttl=63 T"
    assert out[3:5] == ["", "--- 10.0.2.2 ping statistics ---"]
    assert out[5] == "2 packets transmitted, 2 received, 0% packet loss, time 200ms"
    m = RTT.fullmatch(out[6])
    assert m is not None
    lo, avg, hi, _ = (float(x) for x in m.groups())
    assert 0 < lo <= avg <= hi
    assert len(out) == 7


def test_deterministic(world: World) -> None:
    again = topo_world()
    line = "ip netns exec a ping -c 3 -i 0.5 10.0.2.2"
    assert world.run(line) == again.run(line)


def test_quiet_and_count_in_namespace_b(world: World) -> None:
    status, out, _ = run(world, "ip netns exec b ping -n -q -c 3 10.0.1.1")
    assert status == 0
    assert out[:3] == ["PING 10.0.1.1 (10.0.1.1) 56(84) bytes of data.", "",
                       "--- 10.0.1.1 ping statistics ---"]
    assert out[3] == "3 packets transmitted, 3 received, 0% packet loss, time 2000ms"


def test_host_unreachable_after_arp_fails(world: World) -> None:
    status, out, _ = run(world, "ip netns exec a ping -c 2 -i 0.2 10.0.1.7")
    assert status == 1
    assert out[1:3] == ["From 10.0.1.1 icmp_seq=1 Destination Host Unreachable",
                        "From 10.0.1.1 icmp_seq=2 Destination Host Unreachable"]
    assert out[-2:] == ["2 packets transmitted, 0 received, +2 errors, 100% packet loss, "
                        "time 200ms", "pipe 2"]


def test_frag_needed_then_local_error(world: World) -> None:
    line = "ip netns exec a ping -c 2 -i 0.2 -M do -s 1200 10.0.2.2"
    status, out, err = run(world, line)
    assert status == 1
    assert out[:2] == ["PING 10.0.2.2 (10.0.2.2) 1200(1228) bytes of data.",
                       "From 10.0.1.254 icmp_seq=1 Frag needed and DF set (mtu = 1000)"]
    assert err == "ping: local error: message too long, mtu=1000\n"
    assert out[-2:] == ["2 packets transmitted, 0 received, +2 errors, 100% packet loss, "
                        "time 200ms", ""]
    status, out, err = run(world, line)
    assert err == "ping: local error: message too long, mtu=1000\n" * 2


def test_pmtu_learned_then_fragmented_locally(world: World) -> None:
    status, out, _ = run(world, "ip netns exec a ping -c 2 -i 0.2 -s 1300 10.0.2.2")
    assert status == 0
    assert out[1] == "From 10.0.1.254 icmp_seq=1 Frag needed and DF set (mtu = 1000)"
    assert TIME.sub("T", out[2]) == "1308 bytes from 10.0.2.2: icmp_seq=2 ttl=63 T"


def test_ttl_exceeded(world: World) -> None:
    status, out, _ = run(world, "ip netns exec a ping -c 1 -t 1 10.0.2.2")
    assert status == 1
    assert out[1] == "From 10.0.1.254 icmp_seq=1 Time to live exceeded"
    assert out[-2] == ("1 packets transmitted, 0 received, +1 errors, 100% packet loss, "
                       "time 0ms")


def test_device_header_and_small_payload(world: World) -> None:
    _, out, _ = run(world, "ip netns exec a ping -c 1 -I veth0 10.0.2.2")
    assert out[0] == "PING 10.0.2.2 (10.0.2.2) from 10.0.1.1 veth0: 56(84) bytes of data."
    status, out, _ = run(world, "ip netns exec a ping -c 1 -s 10 10.0.2.2")
    assert status == 0
    assert out[:2] == ["PING 10.0.2.2 (10.0.2.2) 10(38) bytes of data.",
                       "18 bytes from 10.0.2.2: icmp_seq=1 ttl=63"]
    assert out[-1] == ""


def test_deadline_keeps_sending(world: World) -> None:
    status, out, _ = run(world, "ip netns exec a ping -c 2 -i 0.3 -w 1 10.0.2.9")
    assert status == 1
    assert out[-2] == "4 packets transmitted, 0 received, 100% packet loss, time 900ms"


def test_no_route_and_setup_errors(world: World) -> None:
    world.run("ip -n b route del default")
    assert world.run("ip netns exec b ping -c 1 10.0.1.1").stderr == \
        "ping: connect: Network is unreachable\n"
    assert world.run("ip netns exec b ping -c 1 10.0.1.1").status == 2
    status, out, err = run(world, "ip netns exec b ping -c 2 -i 0.2 -I 10.0.2.2 10.0.1.1")
    assert status == 1 and err == ""
    assert out[0] == "PING 10.0.1.1 (10.0.1.1) from 10.0.2.2 : 56(84) bytes of data."
    r = world.run("ip netns exec b ping -c 1 -I nodev 10.0.1.1")
    assert (r.status, r.stderr) == (2, "ping: SO_BINDTODEVICE nodev: No such device\n")


@pytest.mark.parametrize(("argv", "status", "err"), [
    (["-M", "foo", "1.2.3.4"], 2, "ping: invalid -M argument: foo\n"),
    (["-c", "0", "1.2.3.4"], 1,
     "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807\n"),
    (["-c", "abc", "1.2.3.4"], 1, "ping: invalid argument: 'abc'\n"),
    (["-t", "300", "1.2.3.4"], 1,
     "ping: invalid argument: '300': out of range: 0 <= value <= 255\n"),
    (["-W", "-1", "1.2.3.4"], 2, "ping: bad linger time: -1\n"),
    ([], 1, "ping: usage error: Destination address required\n"),
    (["nosuchhost.invalid"], 2,
     "ping: nosuchhost.invalid: Temporary failure in name resolution\n"),
])
def test_argument_errors(argv: list[str], status: int, err: str) -> None:
    w = World()
    r = w.run_argv(w.init_net, ["ping", *argv])
    assert (r.status, r.stderr, r.stdout) == (status, err, "")


def test_invalid_option_prints_usage() -> None:
    w = World()
    r = w.run_argv(w.init_net, ["ping", "-x", "1.2.3.4"])
    assert r.status == 2
    assert r.stderr.startswith("ping: invalid option -- 'x'\n\nUsage\n  ping [options]")


def test_triptime_format() -> None:
    assert ping.format_triptime(45) == " time=0.045 ms"
    assert ping.format_triptime(1234) == " time=1.23 ms"
    assert ping.format_triptime(12345) == " time=12.3 ms"
    assert ping.format_triptime(123456) == " time=123 ms"


def test_record_route(world: World) -> None:
    """ping -R: 40 bytes of options in the header line; the first reply lists the route as
    Linux records it (a's source, r's outgoing address towards b, b on receipt, b again on
    the reply, r towards a, a on receipt); the second reply's identical route is
    "(same route)" on its line. Kernel: ip_options_build, ip_forward_options,
    ip_options_compile, __ip_options_echo; iputils ping.c pr_options."""
    status, out, err = run(world, "ip netns exec a ping -R -c 2 -i 0.2 10.0.2.2")
    assert status == 0 and err == ""
    assert out[0] == "PING 10.0.2.2 (10.0.2.2) 56(124) bytes of data."
    assert TIME.sub("T", out[1]) == "64 bytes from 10.0.2.2: icmp_seq=1 ttl=63 T"
    assert out[2:9] == ["RR: \t10.0.1.1", "\t10.0.2.254", "\t10.0.2.2", "\t10.0.2.2",
                        "\t10.0.1.254", "\t10.0.1.1", ""]
    assert TIME.sub("T", out[9]) == "64 bytes from 10.0.2.2: icmp_seq=2 ttl=63 T\t(same route)"
    assert out[10:12] == ["", "--- 10.0.2.2 ping statistics ---"]


def test_record_route_quiet_prints_no_route(world: World) -> None:
    status, out, _ = run(world, "ip netns exec a ping -R -q -c 1 10.0.2.2")
    assert status == 0 and not any(line.startswith("RR:") for line in out)


def _ms_since_midnight(w: World) -> int:
    return int(w.kernel.now_ns // 1_000_000 % 86_400_000)


def test_timestamp_tsonly_times_from_the_simulated_clock(world: World) -> None:
    """ping -T tsonly: each reply carries six times (a on sending, r forwarding, b on
    receipt, b again on the reply, r, a on receipt), printed as pr_options does: the first
    "absolute" (ms since midnight UTC of the simulated clock: inet_current_timestamp), the
    rest as differences; the second request leaves 1000 ms later. The 40-byte option is in
    the header line. Kernel: ip_options_build, ip_options_compile, __ip_options_echo;
    iputils ping.c pr_options (IPOPT_TS). Shape checked against Linux 6.12 + iputils."""
    world.kernel.run_for(12_345_678_000)  # an arbitrary later time of day
    before = _ms_since_midnight(world)
    status, out, err = run(world, "ip netns exec a ping -T tsonly -c 2 10.0.2.2")
    assert status == 0 and err == ""
    assert out[0] == "PING 10.0.2.2 (10.0.2.2) 56(124) bytes of data."
    assert TIME.sub("T", out[1]) == "64 bytes from 10.0.2.2: icmp_seq=1 ttl=63 T"
    m = re.fullmatch(r"TS: \t(\d+) absolute", out[2])
    assert m is not None
    first = int(m[1])
    assert before <= first <= before + 1  # sent as ping starts: setup takes microseconds
    assert out[3:9] == ["\t0"] * 5 + [""]
    assert TIME.sub("T", out[9]) == "64 bytes from 10.0.2.2: icmp_seq=2 ttl=63 T"
    assert out[10] == f"TS: \t{first + 1000} absolute"
    assert out[11:17] == ["\t0"] * 5 + [""]
    assert out[17:19] == ["", "--- 10.0.2.2 ping statistics ---"]


def test_timestamp_tsandaddr_overflows(world: World) -> None:
    """tsandaddr has room for four (address, time) pairs: r and a on the way back only
    count in the overflow nibble ("Unrecorded hops: 2"). Addresses as Linux records them:
    the sender's source, then each receiver's address on the incoming link (spec_dst).
    Kernel: net/ipv4/ip_options.c __ip_options_compile IPOPT_TS_TSANDADDR."""
    status, out, _ = run(world, "ip netns exec a ping -T tsandaddr -c 1 10.0.2.2")
    assert status == 0
    m = re.fullmatch(r"TS: \t10\.0\.1\.1\t(\d+) absolute", out[2])
    assert m is not None
    assert out[3:8] == ["\t10.0.1.254\t0", "\t10.0.2.2\t0", "\t10.0.2.2\t0",
                        "Unrecorded hops: 2", ""]


def test_timestamp_prespecified_hosts(world: World) -> None:
    """-T tsprespec HOST... DEST: only the listed hosts stamp, in order (a, not listed,
    does not). Kernel: __ip_options_compile IPOPT_TS_PRESPEC (inet_addr_type != unicast)."""
    status, out, _ = run(world,
                         "ip netns exec a ping -T tsprespec -c 1 10.0.1.254 10.0.2.2 10.0.2.2")
    assert status == 0
    assert out[0] == "PING 10.0.2.2 (10.0.2.2) 56(124) bytes of data."
    m = re.fullmatch(r"TS: \t10\.0\.1\.254\t(\d+) absolute", out[2])
    assert m is not None
    assert out[3:5] == ["\t10.0.2.2\t0", ""]


@pytest.mark.parametrize(("line", "status", "stderr"), [
    ("ping -T foo 10.0.2.2", 2, "ping: invalid timestamp type: foo\n"),
    ("ping -R -T tsonly 10.0.2.2", 2, "ping: only one of -T or -R may be used\n"),
    ("ping -T tsonly -R 10.0.2.2", 2, "ping: only one of -T or -R may be used\n"),
    ("ping -T tsonly 10.0.1.254 10.0.2.2", 2, ping.USAGE),
    ("ping -R 10.0.1.254 10.0.2.2", 2, ping.USAGE),
    ("ping -T tsprespec 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 10.0.2.2", 2, ping.USAGE),
    # Hosts without -T are a loose source route, which needs CAP_NET_RAW that iputils has
    # given up by then (ip_options_get: EPERM), as on Linux.
    ("ping -c 1 10.0.1.254 10.0.2.2", 2, "ping: record route: Operation not permitted\n"),
])
def test_option_errors(world: World, line: str, status: int, stderr: str) -> None:
    r = world.run(f"ip netns exec a {line}")
    assert (r.status, r.stdout, r.stderr) == (status, "", stderr)


def test_pr_ts_not_standard_times_and_partial_pairs() -> None:
    """pr_options' IPOPT_TS: times with the high bit set are "not-standard", counted apart
    from standard ones; a pair whose time is not yet filled ends after its address."""
    t = [0x80000000 | 5000, 700, 0x80000000 | 5600, 650]
    opt = bytes((68, 20, 21, 0x10)) + b"".join(x.to_bytes(4, "big") for x in t)
    assert ping.pr_ts(opt) == ("\nTS: \t5000 absolute not-standard\n\t700 absolute\n"
                               "\t600 not-standard\n\t-50\nUnrecorded hops: 1\n")
    pairs = bytes((68, 20, 17, 1)) + bytes((10, 0, 0, 1)) + (7).to_bytes(4, "big") + \
        bytes((10, 0, 0, 2)) + bytes(8)
    assert ping.pr_ts(pairs) == "\nTS: \t10.0.0.1\t7 absolute\n\t10.0.0.2"
    assert ping.pr_ts(bytes((68, 40, 5, 0)) + bytes(36)) == ""
