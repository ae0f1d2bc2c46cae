"""The Python API (`from skbuff import World`), its runnable example, and fuzzing of every
tool's argv."""

from __future__ import annotations

import io
import runpy
from contextlib import redirect_stdout
from pathlib import Path
from socket import AF_INET, SOCK_DGRAM

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.tools.test_ping import topo_world

from skbuff import World, cli
from skbuff.sim import script
from skbuff.tools.common import Result

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python_api.py"


def test_example_runs_and_prints() -> None:
    buf = io.StringIO()
    with redirect_stdout(buf):
        runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = buf.getvalue().splitlines()
    assert out[0].startswith('route get: 0 [{"dst":"10.0.0.2","dev":"veth0"')
    assert out[1] == "h1 devices: ['lo', 'veth0']"
    assert any(ln.startswith("received b'hello' from ('10.0.0.1', ") for ln in out)
    assert "frames sent: ['veth0:98', 'veth0:98']" in out
    assert out[-2].split() == ["IcmpInEchos", "2", "0.0"]


def test_run_script_call_and_objects() -> None:
    w = World()
    r = w.run("ip netns add h1")
    assert (r.status, r.stdout, r.stderr) == (0, "", "")
    bad = w.script("ip -n h1 link set lo up\nip -n h1 route add 10.0.0.0/8 via 1.2.3.4\n"
                   "ip -n h1 link set lo down\n")
    assert bad.status == 2
    assert bad.stderr == "script:2: ip: Error: Nexthop has invalid gateway.\n"
    net = w.netns("h1")
    assert [d.name for d in net.devices] == ["lo"]
    assert w.netns("") is w.init_net and w.kernel.init_net is w.init_net

    def bind_twice() -> str:
        a = net.socket(AF_INET, SOCK_DGRAM)
        a.bind(("127.0.0.1", 5000))
        b = net.socket(AF_INET, SOCK_DGRAM)
        try:
            b.bind(("127.0.0.1", 5000))
        except OSError as e:
            return str(e.strerror)
        return "bound"

    assert w.call(bind_twice) == "Address already in use"


def test_cli_load_host(tmp_path: Path) -> None:
    (tmp_path / "link.json").write_text(
        '[{"ifname":"eth0","flags":["UP"],"mtu":1500,"link_type":"ether",'
        '"addr_info":[{"family":"inet","local":"192.0.2.5","prefixlen":24}]}]')
    script = tmp_path / "s.sh"
    script.write_text("ip -n h route get 192.0.2.9\n")
    out, err = io.StringIO(), io.StringIO()
    rc = cli.cmd_load_host(str(tmp_path), "h", str(script), out, err)
    assert rc == 0 and err.getvalue() == ""
    assert out.getvalue() == ("hostdump: h: loaded 1 links, 1 addresses, 0 routes, 0 rules, "
                              "0 neighbours\n192.0.2.9 dev eth0 src 192.0.2.5 uid 0 \n"
                              "    cache \n")
    assert cli.main(["load-host", str(tmp_path / "missing"), "--netns", "x"]) == 1


# --------------------------------------------------------------------------------------------
# Fuzz: random argv never raises, and a rejected command changes no configuration.

VOCAB: dict[str, list[str]] = {
    "ping": ["-c", "1", "2", "0", "-1", "-i", "0.2", "abc", "-s", "10", "1400", "70000", "-t",
             "1", "300", "-M", "do", "dont", "want", "foo", "-I", "veth0", "nodev", "10.0.1.1",
             "-W", "0.5", "-w", "1", "-q", "-n", "-V", "-x", "10.0.2.2", "10.0.1.7", "1.2.3",
             "host.invalid", "", "--", "-"],
    "arping": ["-c", "1", "0", "-w", "1", "-i", "0", "-I", "veth0", "lo", "nodev", "-s",
               "10.0.1.1", "9.9.9.9", "bad", "-D", "-U", "-A", "-q", "-f", "-b", "-V", "-h",
               "10.0.1.254", "10.0.1.9", "x.y", "-Z"],
    "tracepath": ["-n", "-b", "-l", "100", "10", "-m", "2", "999", "-p", "33434", "70000",
                  "10.0.2.2", "10.0.1.1", "10.0.2.2/4000", "name", "-V", "-4", "-6", "-q"],
    "nc": ["-u", "-l", "-p", "7000", "0", "99999", "-s", "10.0.1.1", "1.1.1.1", "-w", "1",
           "-n", "-v", "-z", "10.0.2.2", "7000", "abc", "-x"],
    "tcpdump": ["-i", "veth0", "any", "nosuch", "-n", "-e", "-c", "1", "0", "x", "-s", "96",
                "-l", "-p", "icmp", "arp", "udp", "host", "10.0.1.1", "net", "10.0.0.0/8",
                "port", "53", "99999", "and", "or", "not", "(", ")", "-Q", "src", "dst"],
    "nstat": ["-a", "-s", "-n", "-r", "-z", "-j", "-h", "-V", "-x", "Ip*", "Icmp*", "--zeros",
              "--bogus"],
    "dropwatch": ["-a", "show", "stop", "-x", "start"],
    "hostdump": ["--netns", "h", "/nonexistent", "/etc/hostname", "/tmp", "-x"],
    "ip": ["link", "addr", "route", "rule", "neigh", "add", "del", "show", "set", "dev",
           "veth0", "lo", "up", "down", "mtu", "1400", "0", "10.0.0.0/8", "via", "10.0.1.254",
           "table", "100", "-j", "-n", "a", "get", "1.1.1.1", "type", "dummy", "x"],
    "sysctl": ["-w", "-n", "-a", "-q", "net.ipv4.ip_forward=1", "net.ipv4.ip_forward",
               "net.ipv4.nope=3", "kernel.x", "-p", "/nonexistent", "-e"],
}
STATE_CMDS = ["ip -n a -j -d link", "ip -n a -j addr", "ip -n a -j route show table all",
              "ip -n a -j rule", "ip -n a -j neigh", "ip -n a -j netns list"]


def _state(w: World) -> list[str]:
    return [w.run(c).stdout for c in STATE_CMDS] + [
        w.run("ip netns exec a sysctl -a").stdout]


@pytest.fixture(scope="module")
def fuzz_world() -> World:
    return topo_world()


@pytest.mark.parametrize("tool", sorted(VOCAB))
def test_random_argv_never_raises(tool: str, fuzz_world: World) -> None:
    w = fuzz_world

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.sampled_from(VOCAB[tool]) | st.text(max_size=6), max_size=6))
    def check(args: list[str]) -> None:
        argv = [a for a in args if a != "-w"] if tool == "tcpdump" else args
        before = _state(w)
        res = w.call(lambda: _run_tool(w, tool, argv))
        w.stop_jobs()
        assert isinstance(res.status, int) and 0 <= res.status < 256
        if res.status and not res.stdout:
            assert _state(w) == before, (tool, argv, res.stderr)

    check()


def _run_tool(w: World, tool: str, argv: list[str]) -> Result:
    fn = script.find_tool(w, tool)
    assert fn is not None
    return fn(w, w.netns("a"), argv)
