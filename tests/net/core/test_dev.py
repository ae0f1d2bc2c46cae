"""net_device life cycle: names, ifindexes, notifier order, flags, mtu/address/name changes,
namespace moves and the unregister wait for references (net/core/dev.c)."""

from __future__ import annotations

import errno
from collections.abc import Iterator

import pytest

from skbuff.drivers.net import dummy
from skbuff.kernel import notifier
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D
from skbuff.net.core import net_namespace, rtnetlink, rtnl_link, skbuff
from skbuff.net.core.rtnetlink import netlink_ext_ack
from skbuff.uapi.if_link import IF_OPER_UNKNOWN, IFF_LOWER_UP, IFF_RUNNING, IFF_UP

NAMES = {v: k for k, v in vars(D).items() if k.startswith("NETDEV_") and isinstance(v, int)
         and k not in ("NETDEV_TX_OK", "NETDEV_TX_BUSY")}


def dev_boot(ncpus: int = 2) -> Kernel:
    """A machine with only rtnetlink, sk_buff and the device layer booted, in the kernel's
    initcall order (sim/machine.py boot minus the IPv4 subsystems), skb debugging on."""
    k = Kernel(seed=0, hz=1000, ncpus=ncpus, skb_debug=True)
    with k:
        k.init_net = net_namespace.copy_net_ns(k, "")
        rtnetlink.rtnetlink_init(k)
        skbuff.skb_init(k)
        D.net_dev_init(k)
        rtnl_link.rtnl_link_init(k)
    return k


@pytest.fixture
def k() -> Iterator[Kernel]:
    k = dev_boot()
    with k:
        yield k


def new_dummy(
    k: Kernel, name: str = "dummy%d", net: net_namespace.Net | None = None
) -> D.net_device:
    dev = D.alloc_netdev(None, name, D.NET_NAME_USER, dummy.dummy_setup)
    assert dev is not None
    dev.nd_net = net or k.init_net
    assert k.run_task(D.register_netdevice, dev) == 0
    return dev


def record(k: Kernel) -> list[tuple[str, str]]:
    log: list[tuple[str, str]] = []

    def call(nb: notifier.notifier_block, val: int, info: D.netdev_notifier_info) -> int:
        log.append((NAMES[val], info.dev.name))
        return notifier.NOTIFY_DONE

    D.register_netdevice_notifier(k, notifier.notifier_block(call))
    log.clear()
    return log


def test_lo_is_ifindex_1_down_and_unknown(k: Kernel) -> None:
    lo = k.init_net.loopback_dev
    assert lo is not None and lo.ifindex == 1 and lo.name == "lo"
    assert not lo.flags & IFF_UP and lo.operstate == IF_OPER_UNKNOWN
    net2 = net_namespace.copy_net_ns(k, "ns2")
    assert net2.loopback_dev is not None and net2.loopback_dev.ifindex == 1
    assert net2.loopback_dev is not lo


def test_register_open_close_unregister_notifier_order(k: Kernel) -> None:
    log = record(k)
    dev = new_dummy(k, "d0")
    assert log == [("NETDEV_POST_INIT", "d0"), ("NETDEV_REGISTER", "d0")]
    assert dev.reg_state == D.NETREG_REGISTERED and dev.ifindex == 2
    log.clear()
    assert k.run_task(D.dev_open, dev, None) == 0
    assert log == [("NETDEV_PRE_UP", "d0"), ("NETDEV_UP", "d0")]
    want = IFF_UP | IFF_RUNNING | IFF_LOWER_UP
    assert D.dev_get_flags(dev) & want == want
    assert dev.qdisc.ops.id == "noqueue"
    log.clear()
    k.run_task(D.unregister_netdev, dev)
    assert log == [("NETDEV_GOING_DOWN", "d0"), ("NETDEV_DOWN", "d0"),
                   ("NETDEV_UNREGISTER", "d0"), ("NETDEV_PRE_UNINIT", "d0")]
    assert dev.reg_state == D.NETREG_RELEASED  # needs_free_netdev
    assert "d0" not in k.init_net.dev_base_head


def test_notifier_replay_for_existing_devices(k: Kernel) -> None:
    dev = new_dummy(k, "d0")
    k.run_task(D.dev_open, dev, None)
    log = []

    def call(nb: notifier.notifier_block, val: int, info: D.netdev_notifier_info) -> int:
        log.append((NAMES[val], info.dev.name))
        return notifier.NOTIFY_DONE

    D.register_netdevice_notifier(k, notifier.notifier_block(call))
    assert log == [("NETDEV_REGISTER", "lo"), ("NETDEV_REGISTER", "d0"), ("NETDEV_UP", "d0")]


def test_pre_up_veto(k: Kernel) -> None:
    dev = new_dummy(k, "d0")

    def veto(nb: notifier.notifier_block, val: int, info: D.netdev_notifier_info) -> int:
        return notifier.notifier_from_errno(-errno.EPERM) if val == D.NETDEV_PRE_UP else 0

    D.register_netdevice_notifier(k, notifier.notifier_block(veto))
    assert k.run_task(D.dev_open, dev, None) == -errno.EPERM
    assert not dev.flags & IFF_UP and not D.netif_running(dev)


@pytest.mark.parametrize(
    ("name", "err"),
    [("", -errno.EINVAL), ("a" * 16, -errno.EINVAL), ("a/b", -errno.EINVAL),
     ("a b", -errno.EINVAL), ("..", -errno.EINVAL), ("x%d%d", -errno.EINVAL),
     ("x%s", -errno.EINVAL), ("lo", -errno.EEXIST)],
)
def test_bad_names(k: Kernel, name: str, err: int) -> None:
    dev = D.alloc_netdev(None, name, D.NET_NAME_USER, dummy.dummy_setup)
    assert dev is not None
    assert k.run_task(D.register_netdevice, dev) == err
    assert dev.reg_state == D.NETREG_UNINITIALIZED


def test_name_template_takes_lowest_free_index(k: Kernel) -> None:
    a, b, c = (new_dummy(k) for _ in range(3))
    assert [a.name, b.name, c.name] == ["dummy0", "dummy1", "dummy2"]
    k.run_task(D.unregister_netdev, b)
    assert new_dummy(k).name == "dummy1"
    assert D.__dev_alloc_name(k.init_net, "dummy%d") == (3, "dummy3")


def test_ifindex_is_cyclic_not_reused(k: Kernel) -> None:
    a = new_dummy(k)
    k.run_task(D.unregister_netdev, a)
    assert new_dummy(k).ifindex == a.ifindex + 1


def test_mtu_limits_and_notifiers(k: Kernel) -> None:
    veth_like = D.alloc_etherdev()
    assert veth_like is not None
    assert k.run_task(D.register_netdevice, veth_like) == 0
    assert veth_like.name == "eth0"
    log = record(k)
    extack = netlink_ext_ack()
    assert D.dev_set_mtu_ext(veth_like, 67, extack) == -errno.EINVAL
    assert extack.msg == "mtu less than device minimum"
    assert D.dev_set_mtu_ext(veth_like, 1501, extack) == -errno.EINVAL
    assert extack.msg == "mtu greater than device maximum"
    assert log == []
    assert D.dev_set_mtu(veth_like, 1400) == 0 and veth_like.mtu == 1400
    assert log == [("NETDEV_PRECHANGEMTU", "eth0"), ("NETDEV_CHANGEMTU", "eth0")]


def test_mac_address_and_rename(k: Kernel) -> None:
    dev = new_dummy(k, "d0")
    log = record(k)
    assert D.dev_set_mac_address(dev, b"\x02\x00\x00\x00\x00\x01") == 0
    assert dev.dev_addr == b"\x02\x00\x00\x00\x00\x01"
    assert D.dev_set_mac_address(dev, b"\x01\x00\x00\x00\x00\x01") == -errno.EADDRNOTAVAIL
    assert log == [("NETDEV_PRE_CHANGEADDR", "d0"), ("NETDEV_CHANGEADDR", "d0"),
                   ("NETDEV_PRE_CHANGEADDR", "d0")]
    log.clear()
    assert D.dev_change_name(dev, "lo") == -errno.EEXIST
    assert D.dev_change_name(dev, "d1") == 0
    assert log == [("NETDEV_CHANGENAME", "d1")]
    assert list(k.init_net.dev_base_head) == ["lo", "d1"]
    k.run_task(D.dev_open, dev, None)
    assert D.dev_change_name(dev, "d2") == 0
    assert k.dmesg[-1].text == "d2: renamed from d1 (while UP)"


def test_change_flags_notifies_change(k: Kernel) -> None:
    from skbuff.uapi.if_link import IFF_NOARP

    dev = new_dummy(k, "d0")
    k.run_task(D.dev_open, dev, None)
    log = record(k)
    assert k.run_task(D.dev_change_flags, dev, dev.flags & ~IFF_NOARP, None) == 0
    assert log == [("NETDEV_CHANGE", "d0")]
    log.clear()
    assert k.run_task(D.dev_change_flags, dev, dev.flags & ~IFF_UP, None) == 0
    assert log == [("NETDEV_GOING_DOWN", "d0"), ("NETDEV_DOWN", "d0")]


def test_change_net_namespace_keeps_free_ifindex(k: Kernel) -> None:
    net2 = net_namespace.copy_net_ns(k, "ns2")
    dev = new_dummy(k, "d0")
    k.run_task(D.dev_open, dev, None)
    log = record(k)
    assert k.run_task(D.dev_change_net_namespace, dev, net2, None) == 0
    assert log == [("NETDEV_GOING_DOWN", "d0"), ("NETDEV_DOWN", "d0"),
                   ("NETDEV_UNREGISTER", "d0"), ("NETDEV_REGISTER", "d0")]
    assert dev.nd_net is net2 and dev.ifindex == 2 and net2.dev_index_head[2] is dev
    assert "d0" not in k.init_net.dev_base_head
    lo = k.init_net.loopback_dev
    assert lo is not None
    assert D.dev_change_net_namespace(lo, net2) == -errno.EINVAL  # netns_local


def test_change_net_namespace_conflicts(k: Kernel) -> None:
    net2 = net_namespace.copy_net_ns(k, "ns2")
    new_dummy(k, "d0", net2)  # ifindex 2 in ns2
    dev = new_dummy(k, "d0")
    assert k.run_task(D.dev_change_net_namespace, dev, net2, None) == -errno.EEXIST
    assert k.run_task(D.dev_change_net_namespace, dev, net2, "dummy%d") == 0
    assert dev.name == "dummy0" and dev.ifindex == 3


def test_unregister_waits_for_references(k: Kernel) -> None:
    dev = new_dummy(k, "d0")
    unregisters = record(k)
    D.dev_hold(dev)
    k.hw.schedule(k.now_ns + 12_500_000_000, D.dev_put, dev)
    k.run_task(D.unregister_netdev, dev)
    assert dev.reg_state == D.NETREG_RELEASED
    assert k.now_ns >= 12_500_000_000
    waits = [r.text for r in k.dmesg if "unregister_netdevice" in r.text]
    assert waits == ["unregister_netdevice: waiting for d0 to become free. Usage count = 2"]
    rebroadcasts = [e for e in unregisters if e == ("NETDEV_UNREGISTER", "d0")]
    assert 11 <= len(rebroadcasts) <= 14  # the first + one per second while waiting


def test_net_core_sysctls_visibility_and_limits(k: Kernel) -> None:
    from skbuff.kernel.sysctl import SysctlError

    net2 = net_namespace.copy_net_ns(k, "ns2")
    names = set(k.sysctl.names(k.init_net))
    assert {"net.core.netdev_max_backlog", "net.core.netdev_budget", "net.core.dev_weight",
            "net.core.somaxconn", "net.core.default_qdisc", "net.core.rmem_max"} <= names
    names2 = set(k.sysctl.names(net2))
    assert "net.core.netdev_max_backlog" not in names2 and "net.core.somaxconn" in names2
    assert k.sysctl.read(k.init_net, "net.core.netdev_budget_usecs") == "2000"
    assert k.sysctl.read(k.init_net, "net.core.wmem_max") == "212992"
    with pytest.raises(SysctlError):
        k.sysctl.write(net2, "net.core.wmem_max", "300000")  # read-only outside init_net
    with pytest.raises(SysctlError):
        k.sysctl.write(k.init_net, "net.core.dev_weight", "0")
    k.sysctl.write(k.init_net, "net.core.dev_weight", "16")
    k.sysctl.write(k.init_net, "net.core.dev_weight_tx_bias", "2")
    assert (k.net_hotdata.dev_rx_weight, k.net_hotdata.dev_tx_weight) == (16, 32)


def test_proc_net_dev_rows(k: Kernel) -> None:
    from skbuff.kernel import procfs

    dev = new_dummy(k, "d0")
    dev.stats.tx_packets, dev.stats.tx_bytes = 3, 1234
    dev.core_stats.rx_dropped = 2
    text = k.run_task(procfs.read_proc, k.init_net, "/proc/net/dev")
    lines = text.splitlines()
    assert lines[0].startswith("Inter-|   Receive") and len(lines) == 4
    assert lines[3] == (
        "    d0:       0       0    0    2    0     0          0         0     1234       3"
        "    0    0    0     0       0          0"
    )
