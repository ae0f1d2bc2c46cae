"""The `trace` command, `skbuff run --trace/--trace-json/--report`, and the pictures."""

from __future__ import annotations

import json
import socket as pysocket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests.net.ipv4.test_ip_integration import SETUP
from tests.trace.testbed import make_world, udp_send

from skbuff import cli
from skbuff.net import socket as bsd
from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.tools.common import Result
from skbuff.trace import report, svg


def udpsend_main(world: World, net: object, argv: list[str]) -> Result:
    """Test-only tool: `udpsend NS DST PORT` sends one datagram and runs the world 5 s."""
    ns, dst, port = argv
    tx = bsd.net_socket(world.netns(ns), pysocket.AF_INET, pysocket.SOCK_DGRAM)
    tx.sendto(b"ping", (dst, int(port)))
    world.kernel.run_for(5_000_000_000)
    tx.close()
    return Result(0, "", "")


def test_trace_command(tmp_path: Path) -> None:
    w = make_world()
    assert w.run("trace show").stderr == "trace: not on\n"
    assert w.run("trace on udp and dst port 9 --columns skb,diff").status == 0
    assert w.run("trace on").stderr == "trace: already on\n"
    udp_send(w, "h1", "10.2.0.2", 9, b"x")
    udp_send(w, "h1", "10.2.0.2", 10, b"not traced")
    assert w.run("trace off").status == 0
    shown = w.run("trace show").stdout
    assert "head=" in shown and "(first step)" in shown and ":10(udp)" not in shown
    assert "└─ dropped: no UDP socket on port 9 in h2" in shown
    lines = w.run("trace show --json").stdout.splitlines()
    assert json.loads(lines[-1])["skb-drop"]["drop_reason"] == "NO_SOCKET"
    drops = w.run("trace drops").stdout.splitlines()
    assert drops[0] == "     1 drops at udp_rcv (NO_SOCKET)"
    assert "->10.2.0.2:9(udp): NO_SOCKET at udp_rcv: no UDP socket on port 9" in drops[1]
    assert w.run("explain drops").stdout == w.run("trace drops").stdout
    out = tmp_path / "skb.svg"
    assert w.run(f"trace svg skb 3 {out}").status == 0
    assert ET.fromstring(out.read_text()).tag.endswith("svg")
    for kind in ("journey 1", "nud", "napi"):
        assert w.run(f"trace svg {kind} {out}").status == 0
        ET.fromstring(out.read_text())
    assert w.run(f"trace svg skb 9999 {out}").stderr == "trace: no step 9999\n"
    assert w.run("trace svg").status == 1
    assert w.run("trace on host 10.0.0").stderr == "trace: invalid address '10.0.0'\n"
    assert w.run("trace frob").status == 1
    assert w.run("trace on udp --columns bogus").stderr.startswith("trace: --columns takes")


def test_skb_layout_picture_is_to_scale() -> None:
    w = make_world()
    w.run("trace on udp")
    udp_send(w, "h1", "10.2.0.2", 9, b"x")
    assert w.run("trace off").status == 0
    assert w.journey is not None
    ev = next(e for e in w.journey.events if e.func == "ip_rcv")
    root = ET.fromstring(svg.skb_layout_svg(ev, width=720))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert f"data={ev.data}" in texts and f"end={ev.end}" in texts
    assert f"headroom {ev.data - ev.head}  linear {ev.tail - ev.data}  tailroom " \
           f"{ev.end - ev.tail}" in texts
    tips = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert f"network header at {ev.network_header} (20 bytes to the next)" in tips


def _script(tmp_path: Path) -> Path:
    s = tmp_path / "run.sh"
    s.write_text(SETUP + "udpsend h1 10.2.0.2 9\n")
    return s


def test_cli_trace_json_and_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(script._BUILTIN, "udpsend", udpsend_main)
    s = _script(tmp_path)
    js, html = tmp_path / "t.jsonl", tmp_path / "r.html"
    rc = cli.main(["run", "--trace", "udp", "--trace-json", str(js), "--report", str(html),
                   str(s)])
    out, err = capsys.readouterr()
    assert (rc, err) == (0, "")
    assert out.splitlines()[1].split()[:3] == ["TIME", "SKB", "CPU"]
    assert "reason=NO_SOCKET" in out
    events = [json.loads(line) for line in js.read_text().splitlines()]
    assert events[0]["kernel"]["symbol"] == "ip_local_out"
    page = html.read_text()
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "no UDP socket on port 9 in h2" in page
    assert cli.main(["run", "--trace", "host", str(s)]) == 1
    assert capsys.readouterr().err.startswith("skbuff: --trace: syntax error")


def test_report_sections() -> None:
    w = make_world()
    w.run("trace on udp")
    udp_send(w, "h1", "10.2.0.2", 9, b"x")
    assert w.journey is not None
    w.journey.detach()
    page = report.build_report(w, w.journey, "t")
    for anchor in ("packets", "drops", "routes", "neighbours", "cpus", "state"):
        assert f"id='{anchor}'" in page
    assert "route to 10.2.0.2 from 10.1.0.2 arriving on r1 (input lookup)" in page
    assert "cat /proc/net/snmp" in page and "REACHABLE" in page


def test_napi_timeline_cuts_idle_time() -> None:
    from skbuff.trace.journey import cpu_event

    evs = [cpu_event(0, 0, "softirq_entry", "NET_RX"),
           cpu_event(100, 0, "napi_poll", "eth0", 64, 64),
           cpu_event(200, 0, "softirq_exit", "NET_RX"),
           cpu_event(5_000_000_200, 0, "irq_entry", "24:eth0"),
           cpu_event(5_000_000_300, 0, "irq_exit", "24"),
           cpu_event(5_000_000_400, 0, "softirq_entry", "NET_RX"),
           cpu_event(5_000_000_500, 0, "napi_poll", "eth0", 3, 64),
           cpu_event(5_000_000_600, 0, "softirq_exit", "NET_RX"),
           cpu_event(5_000_000_600, 0, "time_squeeze", "1")]
    root = ET.fromstring(svg.napi_timeline_svg(evs))
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "≈5s" in texts and "64/64" in texts
    tips = [t.text or "" for t in root.iter(f"{ns}title")]
    assert any(t.startswith("NET_RX 0.000000000..0.000000200") for t in tips)
    assert any(t.startswith("24:eth0 5.000000200..") for t in tips)
    assert "napi_poll eth0 work 64/64" in tips
    assert "IRQ 24:eth0 masked 5.000000200..5.000000500 (NAPI polling)" in tips
    assert "time_squeeze now 1" in tips
    bars = [r for r in root.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    assert all(float(r.get("width", "0")) > 50 for r in bars)  # activity fills the axis
