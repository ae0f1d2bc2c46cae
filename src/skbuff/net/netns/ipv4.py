"""Per-namespace state holders: struct netns_core and struct netns_ipv4.

Kernel: include/net/netns/core.h, include/net/netns/ipv4.h.

Fields are added by the subsystem that owns them (sysctl values, FIB state, fragment queues,
ICMP rate state); each is initialised by that subsystem's pernet init. Declared here so readers
find them in one place, like the kernel's header.
"""

from __future__ import annotations

from typing import Any


class netns_core:
    """struct netns_core: per-namespace net.core sysctls.

    Kernel: include/net/netns/core.h struct netns_core.
    """

    def __init__(self) -> None:
        self.sysctl_somaxconn = 4096
        self.sysctl_txrehash = 1
        self.sysctl_optmem_max = 128 * 1024


class netns_ipv4:
    """struct netns_ipv4. Subsystems set their fields in their pernet init.

    Kernel: include/net/netns/ipv4.h struct netns_ipv4.
    """

    def __init__(self) -> None:
        # devinet (net/ipv4/devinet.c): ipv4_devconf for all/default
        self.devconf_all: Any = None
        self.devconf_dflt: Any = None
        # FIB (net/ipv4/fib_frontend.c, fib_rules.c)
        self.fib_has_custom_rules = False
        self.fib_main: Any = None
        self.fib_default: Any = None
        self.fib_table_hash: dict[int, Any] = {}
        self.fib_info_hash: dict[Any, Any] = {}  # fib_semantics fib_find_info key -> fib_info
        self.fib_info_memo: Any = None  # fib_semantics.fib_info_memo (skbuff's, no kernel twin)
        self.fib_has_custom_local_routes = False
        self.forw_hdr: Any = None  # devinet: the net.ipv4.ip_forward sysctl header
        self.rules_ops: Any = None
        self.rt_genid = 0
        # route.c / inetpeer.c (owner "route"): fnhe generation, the kernel-wide route
        # tunables + rt_cache_stat (route.ip_rt_globals, shared by all namespaces), inet_peer base
        self.fnhe_genid = 0
        self.ip_rt: Any = None
        self.peers: Any = None
        self.fib_rules_require_fldissect = 0
        self.dev_addr_genid = 0
        # fragments (net/ipv4/ip_fragment.c)
        self.fqdir: Any = None
        # IP ID generator (net/ipv4/route.c ip_idents_reserve; per namespace here)
        self.ip_id_key: Any = None
        self.ip_idents: list[int] = [0] * 2048
        self.ip_tstamps: list[int] = [0] * 2048
        # IP protocol handlers (net/ipv4/protocol.c inet_protos; per namespace here)
        self.inet_protos: list[Any] = [None] * 256
        # netfilter hook heads, per NF_INET_* hook (net/netfilter/core.c; struct netns_nf)
        self.nf_hooks_ipv4: list[tuple[Any, ...]] = [(), (), (), (), ()]
        # ICMP rate state (net/ipv4/icmp.c): [credit, stamp] and the control socket
        self.icmp_global: Any = None
        self.icmp_sk: Any = None
        # socket tables (net/ipv4/udp.c udp_table, raw.c raw_v4_hashinfo, ping.c ping_table)
        self.udp_table: dict[int, list[Any]] = {}
        self.raw_table: dict[int, list[Any]] = {}
        self.ping_table: dict[int, Any] = {}
        # net.ipv4.* sysctl values, kernel defaults (net/ipv4/sysctl_net_ipv4.c,
        # af_inet.c inet_init_net, icmp.c icmp_sk_init)
        self.sysctl_ip_default_ttl = 64
        self.sysctl_ip_no_pmtu_disc = 0
        self.sysctl_ip_fwd_use_pmtu = 0
        self.sysctl_ip_fwd_update_priority = 1
        self.sysctl_ip_nonlocal_bind = 0
        self.sysctl_ip_dynaddr = 0
        self.sysctl_ip_early_demux = 1
        self.sysctl_udp_early_demux = 1
        self.sysctl_tcp_early_demux = 1
        self.ip_local_ports_range = (32768, 60999)
        self.sysctl_icmp_echo_ignore_all = 0
        self.sysctl_icmp_echo_enable_probe = 0
        self.sysctl_icmp_echo_ignore_broadcasts = 1
        self.sysctl_icmp_ignore_bogus_error_responses = 1
        self.sysctl_icmp_errors_use_inbound_ifaddr = 0
        self.sysctl_icmp_ratelimit = 1000  # ms_jiffies in the table, stored as jiffies by owner
        self.sysctl_icmp_ratemask = 0x1818
        self.sysctl_icmp_msgs_per_sec = 1000
        self.sysctl_icmp_msgs_burst = 50
        self.sysctl_fib_multipath_hash_policy = 0
        self.sysctl_fib_multipath_use_neigh = 0
        self.sysctl_fib_multipath_hash_fields = 0x7
        self.sysctl_nexthop_compat_mode = 1
        self.sysctl_ip_prot_sock = 1024
        self.ip_rt_min_pmtu = 552
        self.ip_rt_mtu_expires = 600  # seconds; owner converts
        self.ip_rt_min_advmss = 256
