"""The /proc registry: per-namespace and machine-wide files, /proc/sys through sysctl."""

from __future__ import annotations

from tests.tools.test_sysctl_proc import sysctl_world

from skbuff.kernel import procfs


def test_proc_registry_per_net_and_global() -> None:
    w, _ = sysctl_world()
    other = w.netns_add("other")
    procfs.proc_create_net_single(w.init_net, "net/arp", lambda net: f"arp of {net!r}\n")
    procfs.proc_create_single(w.kernel, "net/softnet_stat", lambda net: "00000000\n")
    assert w.run("cat /proc/net/arp").stdout == "arp of <Net init_net>\n"
    r = w.run("ip netns exec other cat /proc/net/arp")
    assert (r.status, r.stderr) == (1, "cat: /proc/net/arp: No such file or directory\n")
    assert procfs.read_proc(other, "/proc/net/softnet_stat") == "00000000\n"
    assert procfs.proc_listdir(w.init_net) == ["/proc/net/arp", "/proc/net/softnet_stat"]
    procfs.remove_proc_entry(w.init_net, "net/arp")
    assert procfs.read_proc(w.init_net, "/proc/net/arp") is None
    assert procfs.read_proc(w.init_net, "/etc/passwd") is None
