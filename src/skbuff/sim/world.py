"""World: one booted machine with named network namespaces, driven by command lines.

`World(seed=0, hz=1000, ncpus=2)` boots a kernel (`skbuff.sim.machine.boot`): only `init_net`,
its `lo` down. `ip netns add NAME` creates a namespace the way /var/run/netns names one
(`copy_net_ns`). `w.run(line)` runs one script line and returns what a shell would see.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from skbuff.net.core import net_namespace
from skbuff.sim import script
from skbuff.tools.common import Result, shell_split

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net
    from skbuff.tools.ip.monitor import ipmonitor
    from skbuff.trace.journey import journey_tracer


T = TypeVar("T")


class Job(Protocol):
    """A background command (`tcpdump … &`): output appears as the world runs."""

    def poll(self) -> tuple[str, str, bool]:
        """(new stdout, new stderr, ended) since the last poll."""

    def wait(self) -> None:
        """Advance the world until the job can end by itself (bounded)."""

    def stop(self) -> tuple[str, str]:
        """Interrupt it (^C): its final stdout and stderr."""


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
        # The journey tracer the `trace on` command started last (skbuff.trace.journey).
        self.journey: journey_tracer | None = None
        # Background jobs (`CMD &`), in start order; see start_background.
        self.jobs: list[Job] = []
        # User-space state tools keep between runs (nstat's history file, dropwatch's
        # monitor), by tool name.
        self.tool_state: dict[str, Any] = {}
        # How a foreground command that runs until interrupted (`ip monitor`) runs: None in
        # scripts (it gets a bounded stretch of simulated time); `skbuff shell` sets a runner
        # that streams the job's output until Ctrl-C.
        self.foreground: Callable[[Job], None] | None = None

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

    def load_host(self, path: str, netns: str) -> Result:
        """Rebuild a real host's links, addresses, routes, rules and permanent neighbours
        from its `ip -j` dumps in namespace `netns` (see skbuff.tools.hostdump)."""
        from skbuff.tools import hostdump

        res: Result = self.kernel.run_task(hostdump.load_host, self, path, netns)
        return res

    def script(self, text: str, keep_going: bool = False) -> Result:
        """Run a multi-line script as `skbuff run` does (stops at the first failing line
        unless `keep_going`); the stderr lines carry "script:LINE: " prefixes."""
        out, err = io.StringIO(), io.StringIO()
        status = script.run_script(self, text, "script", out, err, keep_going=keep_going)
        return Result(status, out.getvalue(), err.getvalue())

    def monitor(self, args: str = "", netns: str = "") -> ipmonitor:
        """Start `ip [OPTIONS] monitor ARGS` in namespace `netns` ("" is init_net) for Python:
        `.events` fills with each notification's text as `ip monitor` prints it; `.stop()`
        unsubscribes. Options go first: `w.monitor("-ts route label")`. ValueError with
        ip's message for bad arguments."""
        from skbuff.tools.ip import ip

        argv = shell_split(args)
        opts = [a for a in argv if a.startswith("-")]
        rest = [a for a in argv if not a.startswith("-")]
        mon, res = self.kernel.run_task(ip.ip_background, self, self.netns(netns),
                                        [*opts, "monitor", *rest])
        if mon is None:
            raise ValueError(res.stderr.strip())
        return mon

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in process context on CPU 0 (socket calls, kernel API use)."""
        result: T = self.kernel.run_task(fn, *args)
        return result

    def run(self, line: str) -> Result:
        """Run one script line in init_net, exactly as it would print; what background jobs
        printed meanwhile follows the line's own output."""
        res = script.run_line(self, self.init_net, line)
        if not self.jobs:
            return res
        jobs = self.poll_jobs()
        return Result(res.status, res.stdout + jobs.stdout, res.stderr + jobs.stderr)

    def start_background(self, net: Net, argv: list[str]) -> Result:
        """`CMD &`: a tool with a `background(world, net, argv) -> (Job | None, Result)`
        (tcpdump) becomes a job; any other command runs to completion at once.
        `ip netns exec NS CMD &` backgrounds CMD in NS."""
        if argv[:3] == ["ip", "netns", "exec"] and len(argv) > 4 and argv[3] in self._netns:
            net, argv = self._netns[argv[3]], argv[4:]
        starter = None
        if argv and argv[0].isidentifier() and script.find_tool(self, argv[0]) is not None:
            try:
                mod = importlib.import_module(f"skbuff.tools.{argv[0]}")
            except ModuleNotFoundError:
                mod = None
            starter = getattr(mod, "background", None)
        if starter is None:
            return script.run_argv(self, net, argv)
        job, res = self.kernel.run_task(starter, self, net, argv[1:])
        if job is not None:
            self.jobs.append(job)
        return res

    def poll_jobs(self) -> Result:
        """Collect what the background jobs printed; ended jobs are forgotten."""
        out: list[str] = []
        err: list[str] = []
        for job in list(self.jobs):
            o, e, ended = self.kernel.run_task(job.poll)
            out.append(o)
            err.append(e)
            if ended:
                self.jobs.remove(job)
        return Result(0, "".join(out), "".join(err))

    def wait_jobs(self) -> Result:
        """bash's `wait`: run each job until it ends by itself, then collect the output."""
        for job in list(self.jobs):
            self.kernel.run_task(job.wait)
        res = self.poll_jobs()
        if not self.jobs:
            return res
        rest = self.stop_jobs()
        return Result(0, res.stdout + rest.stdout, res.stderr + rest.stderr)

    def end_script(self) -> Result:
        """The script ended, however it ended: interrupt its background jobs (their last
        output is returned) and detach the tracer `trace on` left attached — function tracing
        patches code process-wide, so it must not outlive the run."""
        res = self.stop_jobs()
        if self.journey is not None:
            self.journey.detach()
        return res

    def stop_jobs(self) -> Result:
        """Interrupt every background job (the script ended): their last output."""
        res = self.poll_jobs()
        out, err = [res.stdout], [res.stderr]
        for job in self.jobs:
            o, e = self.kernel.run_task(job.stop)
            out.append(o)
            err.append(e)
        self.jobs.clear()
        return Result(0, "".join(out), "".join(err))

    def run_argv(self, net: Net, argv: list[str]) -> Result:
        """Run one already-split command in `net` (what `ip netns exec` does)."""
        return script.run_argv(self, net, argv)
