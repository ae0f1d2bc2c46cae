"""The IPv4 family's start-up: protocol handlers, the ETH_P_IP receive hook, per-namespace
SNMP counters, /proc files, ICMP state, fragment queues and the net.ipv4 sysctls owned here.

Kernel: net/ipv4/af_inet.c inet_init, ipv4_mib_init_net, inet_init_net;
net/ipv4/sysctl_net_ipv4.c ipv4_net_table (the entries this subsystem owns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.kernel import sysctl
from skbuff.net.core import dev as core_dev
from skbuff.net.core import net_namespace
from skbuff.net.ipv4 import icmp, ip_fragment, ip_input, proc, protocol, udp
from skbuff.uapi import if_ether, snmp
from skbuff.uapi.in_ import IPPROTO_ICMP, IPPROTO_UDP

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net



def ipv4_mib_init_net(net: Net) -> None:
    """Kernel: net/ipv4/af_inet.c ipv4_mib_init_net, tcp_mib_init (+ ip_proc_init_net)."""
    net.mib = snmp.netns_mib()
    tcp = net.mib.tcp_statistics  # tcp_mib_init: the RFC 2012 constants Tcp: prints
    tcp[0], tcp[1], tcp[2], tcp[3] = 1, 200, 120000, -1
    proc.ip_proc_init_net(net)


def inet_init_net(net: Net) -> None:
    """Protocol handlers, ICMP state and the net.ipv4 sysctls owned by this subsystem.

    Kernel: net/ipv4/af_inet.c inet_init_net (+ the protocol table, per namespace here),
    net/ipv4/icmp.c icmp_sk_init, net/ipv4/sysctl_net_ipv4.c ipv4_sysctl_init_net.
    """
    protocol.inet_add_protocol(net, protocol.net_protocol(icmp.icmp_rcv, icmp.icmp_err),
                               IPPROTO_ICMP)
    protocol.inet_add_protocol(net, protocol.net_protocol(udp.udp_rcv, udp.udp_err),
                               IPPROTO_UDP)
    icmp.icmp_sk_init(net)
    ipv4 = net.ipv4
    sysctl.register_net_sysctl(net, "net/ipv4", [
        sysctl.ctl_table("ip_default_ttl", data=(ipv4, "sysctl_ip_default_ttl"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=1, extra2=255),
        sysctl.ctl_table("ip_no_pmtu_disc", data=(ipv4, "sysctl_ip_no_pmtu_disc")),
        sysctl.ctl_table("ip_forward_use_pmtu", data=(ipv4, "sysctl_ip_fwd_use_pmtu")),
        sysctl.ctl_table("ip_forward_update_priority",
                         data=(ipv4, "sysctl_ip_fwd_update_priority"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=0, extra2=1),
        sysctl.ctl_table("ip_nonlocal_bind", data=(ipv4, "sysctl_ip_nonlocal_bind")),
        sysctl.ctl_table("ip_dynaddr", data=(ipv4, "sysctl_ip_dynaddr")),
        sysctl.ctl_table("ip_early_demux", data=(ipv4, "sysctl_ip_early_demux")),
        sysctl.ctl_table("udp_early_demux", data=(ipv4, "sysctl_udp_early_demux")),
        sysctl.ctl_table("ip_local_port_range", data=(ipv4, "ip_local_ports_range"), maxlen=8,
                         proc_handler=sysctl.proc_dointvec_ranges),
        sysctl.ctl_table("icmp_echo_ignore_all", data=(ipv4, "sysctl_icmp_echo_ignore_all"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=0, extra2=1),
        sysctl.ctl_table("icmp_echo_ignore_broadcasts",
                         data=(ipv4, "sysctl_icmp_echo_ignore_broadcasts"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=0, extra2=1),
        sysctl.ctl_table("icmp_ignore_bogus_error_responses",
                         data=(ipv4, "sysctl_icmp_ignore_bogus_error_responses"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=0, extra2=1),
        sysctl.ctl_table("icmp_errors_use_inbound_ifaddr",
                         data=(ipv4, "sysctl_icmp_errors_use_inbound_ifaddr"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=0, extra2=1),
        sysctl.ctl_table("icmp_ratelimit", data=(ipv4, "sysctl_icmp_ratelimit"),
                         proc_handler=sysctl.proc_dointvec_ms_jiffies),
        sysctl.ctl_table("icmp_ratemask", data=(ipv4, "sysctl_icmp_ratemask")),
        sysctl.ctl_table("icmp_msgs_per_sec", data=(ipv4, "sysctl_icmp_msgs_per_sec"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=0),
        sysctl.ctl_table("icmp_msgs_burst", data=(ipv4, "sysctl_icmp_msgs_burst"),
                         proc_handler=sysctl.proc_dointvec_minmax, extra1=0),
    ])


def inet_init(k: Kernel) -> None:
    """fs_initcall(inet_init), the IPv4 part after arp_init: per-namespace MIBs and state
    (ipv4_mib_init_net, inet_init_net, ipfrag_init), then the ETH_P_IP packet handler.

    Kernel: net/ipv4/af_inet.c inet_init, net/ipv4/ip_fragment.c ipfrag_init.
    """
    net_namespace.register_pernet_subsys(k, net_namespace.pernet_operations(
        "ipv4_mib", init=ipv4_mib_init_net))
    net_namespace.register_pernet_subsys(k, net_namespace.pernet_operations(
        "af_inet", init=inet_init_net))
    net_namespace.register_pernet_subsys(k, net_namespace.pernet_operations(
        "ip4_frags", init=ip_fragment.ipv4_frags_init_net,
        exit=ip_fragment.ipv4_frags_exit_net))
    core_dev.dev_add_pack(core_dev.packet_type(if_ether.ETH_P_IP, None, ip_input.ip_rcv))
