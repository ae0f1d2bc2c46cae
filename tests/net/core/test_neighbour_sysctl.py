"""net.ipv4.neigh.{default,DEV}.*: names, units, defaults, default inheritance.

Kernel: net/core/neighbour.c neigh_sysctl_template / neigh_sysctl_register / neigh_proc_update.
"""

from __future__ import annotations

import pytest
from tests.net.core.test_neighbour_testbed import NeighBed, nb

DEFAULTS = {
    "anycast_delay": "100",
    "app_solicit": "0",
    "base_reachable_time": "30",
    "base_reachable_time_ms": "30000",
    "delay_first_probe_time": "5",
    "gc_stale_time": "60",
    "interval_probe_time_ms": "5000",
    "locktime": "100",
    "mcast_resolicit": "0",
    "mcast_solicit": "3",
    "proxy_delay": "80",
    "proxy_qlen": "64",
    "retrans_time": "100",
    "retrans_time_ms": "1000",
    "ucast_solicit": "3",
    "unres_qlen": "101",
    "unres_qlen_bytes": "212992",
}
TABLE_LEVEL = {"gc_interval": "30", "gc_thresh1": "128", "gc_thresh2": "512",
               "gc_thresh3": "1024"}


@pytest.fixture
def bed(monkeypatch: pytest.MonkeyPatch) -> NeighBed:
    b = NeighBed(monkeypatch)
    with b.k:
        nb.neigh_sysctl_register(None, b.tbl.parms)
    return b


def names(bed: NeighBed, prefix: str) -> dict[str, str]:
    net = bed.k.init_net
    return {n[len(prefix):]: bed.k.sysctl.read(net, n)
            for n in bed.k.sysctl.names(net) if n.startswith(prefix)}


def test_default_names_and_values(bed: NeighBed) -> None:
    assert names(bed, "net.ipv4.neigh.default.") == DEFAULTS | TABLE_LEVEL


def test_device_inherits_default_until_set(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    with bed.k:
        nb.neigh_sysctl_register(dev, dev.ip_ptr.arp_parms)
    assert names(bed, "net.ipv4.neigh.eth0.") == DEFAULTS
    sysctl, net = bed.k.sysctl, bed.k.init_net
    sysctl.write(net, "net.ipv4.neigh.eth0.ucast_solicit", "5")
    sysctl.write(net, "net.ipv4.neigh.default.ucast_solicit", "7")
    sysctl.write(net, "net.ipv4.neigh.default.mcast_solicit", "9")
    p = dev.ip_ptr.arp_parms
    assert (p.ucast_probes, p.mcast_probes) == (5, 9)
    sysctl.write(net, "net.ipv4.neigh.eth0.retrans_time_ms", "250")
    assert p.retrans_time == 250
    assert sysctl.read(net, "net.ipv4.neigh.eth0.retrans_time") == "25"
    sysctl.write(net, "net.ipv4.neigh.default.retrans_time", "300")
    assert p.retrans_time == 250  # set explicitly through its _ms twin
    sysctl.write(net, "net.ipv4.neigh.eth0.unres_qlen", "3")
    assert sysctl.read(net, "net.ipv4.neigh.eth0.unres_qlen_bytes") == str(3 * 2090)
    sysctl.write(net, "net.ipv4.neigh.eth0.base_reachable_time_ms", "2000")
    assert 1000 <= p.reachable_time < 3000


def test_negative_probe_counts_rejected(bed: NeighBed) -> None:
    with pytest.raises(OSError):
        bed.k.sysctl.write(bed.k.init_net, "net.ipv4.neigh.default.mcast_solicit", "-1")


def test_unregister_device_sysctls(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    with bed.k:
        assert nb.neigh_sysctl_register(dev, dev.ip_ptr.arp_parms) == 0
        nb.neigh_sysctl_unregister(dev.ip_ptr.arp_parms)
    assert names(bed, "net.ipv4.neigh.eth0.") == {}
