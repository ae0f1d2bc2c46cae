"""World: one booted machine with named network namespaces, driven by command lines.

`World(seed=0, hz=1000, ncpus=2)` boots a kernel (`skbuff.sim.machine.boot`): only `init_net`,
its `lo` down. `ip netns add NAME` creates a namespace the way /var/run/netns names one
(`copy_net_ns`). `w.run(line)` runs one script line and returns what a shell would see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.net.core import net_namespace
from skbuff.sim import script
from skbuff.tools.common import Result

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net
    from skbuff.trace.journey import journey_tracer


class World:
    """A simulated machine plus the user-space view of it: named namespaces and tools."""

    def __init__(self, seed: int = 0, hz: int = 1000, ncpus: int = 2,
                 kernel: Kernel | None = None) -> None:
        """Boot a machine, or adopt `kernel` (already booted, e.g. a minimal one in tests)."""
        if kernel is None:
            # Imported here: booting pulls in every subsystem, adopting a kernel needs none.
            from skbuff.sim import machine

            kernel = machine.boot(seed=seed, hz=hz, ncpus=ncpus)
        self.kernel: Kernel = kernel
        self._netns: dict[str, Net] = {}
        self.tools: dict[str, script.Tool] = {}
        # The journey tracer of `trace on`/`--trace` (skbuff.trace.journey), once started.
        self.journey: journey_tracer | None = None

    @property
    def init_net(self) -> Net:
        net: Net = self.kernel.init_net
        return net

    def netns(self, name: str) -> Net:
        """The namespace called `name` ("" is init_net); KeyError if there is none."""
        if name == "":
            return self.init_net
        return self._netns[name]

    def netns_get(self, name: str) -> Net | None:
        return self._netns.get(name)

    def netns_names(self) -> list[str]:
        """Named namespaces in creation order."""
        return list(self._netns)

    def netns_add(self, name: str) -> Net:
        """`ip netns add NAME`. Kernel: net/core/net_namespace.c copy_net_ns."""
        net: Net = self.kernel.run_task(net_namespace.copy_net_ns, self.kernel, name)
        self._netns[name] = net
        return net

    def netns_del(self, name: str) -> None:
        """`ip netns del NAME`: the last reference goes, the namespace is cleaned up."""
        net = self._netns.pop(name)
        self.kernel.run_task(net_namespace.cleanup_net, net)

    def run(self, line: str) -> Result:
        """Run one script line in init_net, exactly as it would print."""
        return script.run_line(self, self.init_net, line)

    def run_argv(self, net: Net, argv: list[str]) -> Result:
        """Run one already-split command in `net` (what `ip netns exec` does)."""
        return script.run_argv(self, net, argv)
