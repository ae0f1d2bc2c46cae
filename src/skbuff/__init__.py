"""skbuff: the Linux IPv4 network stack rebuilt in Python, in simulated time.

`from skbuff import World` gives a booted machine driven by `ip`/`sysctl` lines (see
`skbuff.sim.world`). The export is lazy so that importing any submodule stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skbuff.sim.world import World

__all__ = ["World"]


def __getattr__(name: str) -> Any:
    if name == "World":
        from skbuff.sim.world import World

        return World
    raise AttributeError(f"module 'skbuff' has no attribute {name!r}")
