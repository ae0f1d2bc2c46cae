"""`cat FILE...` for /proc files (coreutils cat's messages and status), and the write side of
`echo V > /proc/sys/...` (bash's messages)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from skbuff.kernel import procfs
from skbuff.tools.common import Output, Result

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World


def cat_main(world: World, net: Net, argv: list[str]) -> Result:
    """`cat` over the /proc registry; other paths do not exist in the simulated machine."""
    out = Output()
    status = 0
    for path in argv:
        try:
            text = procfs.read_proc(net, path)
        except OSError as e:
            out.ewrite(f"cat: {path}: {os.strerror(e.errno or 0)}\n")
            status = 1
            continue
        if text is None:
            if path.startswith("/proc/sys/") and net.kernel.sysctl.is_dir(
                    net, procfs.proc_sys_name(path) or ""):
                out.ewrite(f"cat: {path}: Is a directory\n")
            else:
                out.ewrite(f"cat: {path}: No such file or directory\n")
            status = 1
            continue
        out.write(text)
    return out.result(status)


def proc_write(net: Net, path: str, text: str, shell: str = "bash") -> Result:
    """`echo TEXT > PATH`: write `text` (with echo's newline) to a /proc/sys file.

    Errors are the shell's: "bash: PATH: No such file or directory" when it cannot open the
    file, "bash: echo: write error: Invalid argument" when the handler rejects the value.
    """
    out = Output()
    name = procfs.proc_sys_name(path)
    sysctl = net.kernel.sysctl
    if name is None or sysctl.lookup(net, name) is None:
        if name is not None and sysctl.is_dir(net, name):
            out.ewrite(f"{shell}: {path}: Is a directory\n")
        else:
            out.ewrite(f"{shell}: {path}: No such file or directory\n")
        return out.result(1)
    try:
        sysctl.write(net, name, text)
    except OSError as e:
        if e.errno == 13:
            out.ewrite(f"{shell}: {path}: Permission denied\n")
        else:
            out.ewrite(f"{shell}: echo: write error: {os.strerror(e.errno or 0)}\n")
        return out.result(1)
    return out.result(0)
