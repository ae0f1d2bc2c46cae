"""nc -u (netcat-openbsd): send a piped line, listen in the background."""

from __future__ import annotations

from tests.tools.test_ping import topo_world


def test_listen_in_background_and_send() -> None:
    w = topo_world()
    assert w.run("ip netns exec b nc -u -l -p 7777 &").status == 0
    r = w.run("echo hello | ip netns exec a nc -u -w1 10.0.2.2 7777")
    assert r.status == 0 and r.stdout == "hello\n"
    # The listener now talks only to its first peer.
    assert w.run("echo again | ip netns exec a nc -u -p 40001 10.0.2.2 7777").stdout == ""
    assert w.stop_jobs().stdout == ""


def test_reply_comes_back_and_closed_port() -> None:
    w = topo_world()
    r = w.run("echo hi | ip netns exec a nc -u -w1 10.0.2.2 7778")
    assert (r.status, r.stdout, r.stderr) == (0, "", "")
    assert "IcmpOutDestUnreachs" in w.run("ip netns exec b nstat -a Icmp*").stdout


def test_foreground_listener_and_errors() -> None:
    w = topo_world()
    r = w.run("ip netns exec a nc -u -l -w 1 -p 5000")
    assert (r.status, r.stdout) == (0, "")
    assert w.run("ip netns exec a nc -u -l").stderr == "nc: missing port number\n"
    r = w.run("ip netns exec a nc -u")
    assert r.status == 1 and r.stderr.startswith("usage: nc [-46CDdFhklNnrStUuvZz]")
    assert w.run("echo x | cat | nc -u 1.2.3.4 5").status == 2
