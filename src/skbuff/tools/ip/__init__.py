"""The `ip` tool (iproute2); `ip.ip_main` runs one command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World
    from skbuff.tools.common import Result
    from skbuff.tools.ip.monitor import ipmonitor


def background(world: World, net: Net, argv: list[str]) -> tuple[ipmonitor | None, Result]:
    """`ip … &` (World.start_background finds tools by module): see ip.ip_background."""
    from skbuff.tools.ip import ip  # the package must not import its modules at load

    return ip.ip_background(world, net, argv)
