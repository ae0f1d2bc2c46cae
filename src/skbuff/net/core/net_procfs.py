"""/proc/net/dev and /proc/net/softnet_stat.

Kernel: net/core/net-procfs.c (dev_seq_show, dev_seq_printf_stats, softnet_seq_show).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.kernel import procfs
from skbuff.net.core import dev as core_dev
from skbuff.net.core import net_namespace

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device, softnet_data
    from skbuff.net.core.net_namespace import Net

DEV_SEQ_HEADER = (
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
)


def dev_seq_printf_stats(dev: net_device) -> str:
    """One /proc/net/dev row. Kernel: net/core/net-procfs.c dev_seq_printf_stats."""
    s = core_dev.dev_get_stats(dev)
    tx_carrier = (
        s.tx_carrier_errors + s.tx_aborted_errors + s.tx_window_errors + s.tx_heartbeat_errors
    )
    return (
        f"{dev.name:>6}: {s.rx_bytes:7} {s.rx_packets:7} {s.rx_errors:4} "
        f"{s.rx_dropped + s.rx_missed_errors:4} {s.rx_fifo_errors:4} "
        f"{s.rx_length_errors + s.rx_over_errors + s.rx_crc_errors + s.rx_frame_errors:5} "
        f"{s.rx_compressed:10} {s.multicast:9} {s.tx_bytes:8} {s.tx_packets:7} "
        f"{s.tx_errors:4} {s.tx_dropped:4} {s.tx_fifo_errors:4} {s.collisions:5} "
        f"{tx_carrier:7} {s.tx_compressed:10}\n"
    )


def dev_seq_show(net: Net) -> str:
    """Kernel: net/core/net-procfs.c dev_seq_show (devices in list order)."""
    return DEV_SEQ_HEADER + "".join(dev_seq_printf_stats(d) for d in net.dev_base_head.values())


def softnet_seq_show(net: Net) -> str:
    """15 hex columns per online CPU. Kernel: net/core/net-procfs.c softnet_seq_show."""
    lines = []
    for index, cpu in enumerate(net.kernel.cpus):
        sd: softnet_data = cpu.softnet_data
        input_qlen = len(sd.input_pkt_queue)
        process_qlen = len(sd.process_queue)
        cols = (
            sd.processed, sd.dropped, sd.time_squeeze, 0, 0, 0, 0, 0, 0,
            sd.received_rps, sd.flow_limit_count, input_qlen + process_qlen, index,
            input_qlen, process_qlen,
        )
        lines.append(" ".join(f"{c & 0xFFFFFFFF:08x}" for c in cols) + "\n")
    return "".join(lines)


def dev_proc_net_init(net: Net) -> None:
    """Kernel: net/core/net-procfs.c dev_proc_net_init."""
    procfs.proc_create_net_single(net, "net/dev", dev_seq_show)


def dev_proc_init(k: Kernel) -> None:
    """Kernel: net/core/net-procfs.c dev_proc_init."""
    procfs.proc_create_single(k, "net/softnet_stat", softnet_seq_show)
    net_namespace.register_pernet_subsys(
        k, net_namespace.pernet_operations("dev_proc", init=dev_proc_net_init)
    )
