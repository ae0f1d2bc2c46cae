"""The /proc file registry: per-namespace `/proc/net/*` files and global ones, plus /proc/sys.

Kernel: fs/proc/proc_net.c proc_create_net_single, fs/proc/generic.c proc_create_single,
fs/proc/proc_sysctl.c. A file is a `show` callable that renders its whole text (the seq_file
output); reading runs it in process context. The registry lives on the kernel
(`k.proc_entries`, `net.proc_net`), created on first registration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net

NetShow = Callable[["Net"], str]


def _global_entries(k: Kernel) -> dict[str, NetShow]:
    entries: dict[str, NetShow] | None = getattr(k, "proc_entries", None)
    if entries is None:
        entries = {}
        setattr(k, "proc_entries", entries)  # noqa: B010 - set lazily, owned here
    return entries


def _net_entries(net: Net) -> dict[str, NetShow]:
    entries: dict[str, NetShow] | None = getattr(net, "proc_net", None)
    if entries is None:
        entries = {}
        setattr(net, "proc_net", entries)  # noqa: B010 - set lazily, owned here
    return entries


def proc_create_net_single(net: Net, name: str, show: NetShow) -> None:
    """Register `/proc/<name>` (e.g. "net/arp") for namespace `net` only; `show(net)` renders it.

    Kernel: fs/proc/proc_net.c proc_create_net_single.
    """
    _net_entries(net)[name.strip("/")] = show


def proc_create_single(k: Kernel, name: str, show: NetShow) -> None:
    """Register a machine-wide `/proc/<name>`; `show(net)` gets the reader's namespace (files
    such as net/softnet_stat print per-CPU data whatever the namespace).

    Kernel: fs/proc/generic.c proc_create_single.
    """
    _global_entries(k)[name.strip("/")] = show


def remove_proc_entry(net: Net, name: str) -> None:
    """Kernel: fs/proc/generic.c remove_proc_entry (per-namespace entry)."""
    _net_entries(net).pop(name.strip("/"), None)


def proc_sys_name(path: str) -> str | None:
    """"/proc/sys/net/ipv4/ip_forward" -> "net.ipv4.ip_forward"; None if not under /proc/sys."""
    prefix = "/proc/sys/"
    if not path.startswith(prefix):
        return None
    return path[len(prefix):].strip("/").replace("/", ".")


def read_proc(net: Net, path: str) -> str | None:
    """The text of /proc file `path` as seen from `net`, or None when there is no such file.

    /proc/sys/* is the sysctl registry (`k.sysctl`), printed with its trailing newline; its
    read errors (EISDIR for a directory, EACCES) raise `SysctlError` (an OSError).
    """
    name = proc_sys_name(path)
    if name is not None:
        sysctl = net.kernel.sysctl
        if not sysctl.exists(net, name):
            return None
        return str(sysctl.read(net, name)) + "\n"
    if not path.startswith("/proc/"):
        return None
    rel = path[len("/proc/"):].strip("/")
    show = _net_entries(net).get(rel) or _global_entries(net.kernel).get(rel)
    if show is None:
        return None
    return show(net)


def proc_listdir(net: Net) -> list[str]:
    """Every registered /proc path visible from `net` (for completion), sorted."""
    names = set(_net_entries(net)) | set(_global_entries(net.kernel))
    return sorted("/proc/" + n for n in names)
