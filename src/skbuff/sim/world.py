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
from skbuff.sim.jobs import bgjob
from skbuff.tools.common import Result, shell_split
from skbuff.uapi.signal import SIG_KERNEL_IGNORE, SIG_KERNEL_STOP, SIGINT

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net
    from skbuff.tools.ip.monitor import ipmonitor
    from skbuff.trace.journey import journey_tracer


T = TypeVar("T")

# The PID of the script's shell ($$); jobs get the next ones.
SHELL_PID = 1000


class Job(Protocol):
    """A background command (`tcpdump … &`): output appears as the world runs. `net` is the
    namespace its process runs in; `caught_signals` the signals it has handlers for (they end
    it through `stop`)."""

    net: Net
    caught_signals: frozenset[int]

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
        # bash's job table: background jobs (`CMD &`) still running, in start order; see
        # start_background and skbuff.sim.jobs. PIDs come from a per-World counter: the
        # script's shell ($$) has the first.
        self.jobs: list[bgjob] = []
        self.last_pid = SHELL_PID
        self.shell_pid = SHELL_PID
        kernel.tasks[SHELL_PID] = kernel.init_net
        # $! (None until a job starts), the statuses of ended jobs by PID (bash's bgpids),
        # the notices bash prints before the next line, and what killed jobs printed last.
        self.last_async_pid: int | None = None
        self.bgp: dict[int, int] = {}
        self.notices: list[str] = []
        self._exited: list[tuple[str, str]] = []
        # The signal a `kill $$` ended the script with (0: none).
        self.shell_signal = 0
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
        ip's message for bad arguments, and for `file F` (no listener: `run` prints it)."""
        from skbuff.tools.ip import ip

        argv = shell_split(args)
        opts = [a for a in argv if a.startswith("-")]
        rest = [a for a in argv if not a.startswith("-")]
        mon, res = self.kernel.run_task(ip.ip_background, self, self.netns(netns),
                                        [*opts, "monitor", *rest])
        if mon is None:
            raise ValueError(res.stderr.strip() if res.status else
                             "ip monitor file reads a recording and ends: use World.run")
        return mon

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in process context on CPU 0 (socket calls, kernel API use)."""
        result: T = self.kernel.run_task(fn, *args)
        return result

    def run(self, line: str) -> Result:
        """Run one script line in init_net, exactly as it would print; what background jobs
        printed meanwhile follows the line's own output."""
        res = script.run_line(self, self.init_net, line)
        if not self.busy:
            return res
        jobs = self.poll_jobs()
        return Result(res.status, res.stdout + jobs.stdout, res.stderr + jobs.stderr)

    def start_background(self, net: Net, argv: list[str], command: str = "") -> Result:
        """`CMD &`: a tool with a `background(world, net, argv) -> (Job | None, Result)`
        (tcpdump) becomes a job with the next PID ($!); any other command runs to completion
        at once (its PID's status is kept for `wait`). `ip netns exec NS CMD &` backgrounds
        CMD in NS. `command` is the text `jobs` shows (default: argv joined)."""
        command = command or " ".join(argv)
        if argv[:3] == ["ip", "netns", "exec"] and len(argv) > 4 and argv[3] in self._netns:
            net, argv = self._netns[argv[3]], argv[4:]
        starter = script.BACKGROUND.get(argv[0]) if argv else None
        if starter is None and argv and argv[0].isidentifier() \
                and script.find_tool(self, argv[0]) is not None:
            try:
                mod = importlib.import_module(f"skbuff.tools.{argv[0]}")
            except ModuleNotFoundError:
                mod = None
            starter = getattr(mod, "background", None)
        self.last_pid += 1
        self.last_async_pid = pid = self.last_pid
        if starter is None:
            res = script.run_argv(self, net, argv)
            self.bgp[pid] = res.status
            return res
        job, res = self.kernel.run_task(starter, self, net, argv[1:])
        if job is None:
            self.bgp[pid] = res.status
            return res
        number = max((j.number for j in self.jobs), default=0) + 1
        self.jobs.append(bgjob(number, pid, command, job))
        self.kernel.tasks[pid] = job.net
        return res

    @property
    def busy(self) -> bool:
        """Background jobs run, or ended ones left output to collect (poll_jobs)."""
        return bool(self.jobs or self._exited)

    def job_by_pid(self, pid: int) -> bgjob | None:
        return next((j for j in self.jobs if j.pid == pid), None)

    def job_exited(self, job: bgjob, status: int, printed: tuple[str, str]) -> None:
        """`job`'s process ended with wait status `status` (128+N: signal N) after printing
        `printed` (stdout, stderr), which the next poll_jobs returns."""
        self.jobs.remove(job)
        self.kernel.tasks.pop(job.pid, None)
        self.bgp[job.pid] = status
        self._exited.append(printed)

    def take_notices(self) -> str:
        """The job notices bash prints before the next command (see skbuff.sim.jobs)."""
        text = "".join(self.notices)
        self.notices.clear()
        return text

    def signal_shell(self, sig: int) -> None:
        """`kill -SIG $$`: a signal whose default action kills ends the script (status 128+N)
        after the current line; the others do nothing to a script."""
        if sig and sig not in SIG_KERNEL_IGNORE and sig not in SIG_KERNEL_STOP:
            self.shell_signal = sig

    def poll_jobs(self) -> Result:
        """Collect what the background jobs printed (a stopped one prints nothing); ended
        jobs leave the table."""
        out = [o for o, _ in self._exited]
        err = [e for _, e in self._exited]
        self._exited.clear()
        for job in list(self.jobs):
            if job.stopped:
                continue
            o, e, ended = self.kernel.run_task(job.proc.poll)
            out.append(o)
            err.append(e)
            if ended:
                self.job_exited(job, 0, ("", ""))
        self._exited.clear()
        return Result(0, "".join(out), "".join(err))

    def wait_job(self, job: bgjob) -> Result:
        """`wait %N`: run the job until it ends by itself (bounded, as Job.wait is); one that
        would run for ever is then interrupted and its status is 128+SIGINT."""
        if not job.stopped:
            self.kernel.run_task(job.proc.wait)
        res = self.poll_jobs()
        if job not in self.jobs:
            return Result(self.bgp[job.pid], res.stdout, res.stderr)
        o, e = self.kernel.run_task(job.proc.stop)
        self.job_exited(job, 128 + SIGINT, ("", ""))
        return Result(128 + SIGINT, res.stdout + o, res.stderr + e)

    def wait_jobs(self) -> Result:
        """bash's `wait`: run each job until it ends by itself, then collect the output."""
        for job in list(self.jobs):
            if not job.stopped:
                self.kernel.run_task(job.proc.wait)
        res = self.poll_jobs()
        if not self.jobs:
            return res
        rest = self.stop_jobs()
        return Result(0, res.stdout + rest.stdout, res.stderr + rest.stderr)

    def end_script(self) -> Result:
        """The script ended, however it ended: interrupt its background jobs (their last
        output is returned; notices bash had not printed yet are dropped, as bash exits
        without them) and detach the tracer `trace on` left attached — function tracing
        patches code process-wide, so it must not outlive the run."""
        res = self.stop_jobs()
        self.notices.clear()
        if self.journey is not None:
            self.journey.detach()
        return res

    def stop_jobs(self) -> Result:
        """Interrupt every background job (the script ended): their last output."""
        res = self.poll_jobs()
        out, err = [res.stdout], [res.stderr]
        for job in list(self.jobs):
            o, e = self.kernel.run_task(job.proc.stop)
            out.append(o)
            err.append(e)
            self.job_exited(job, 128 + SIGINT, ("", ""))
        self._exited.clear()
        return Result(0, "".join(out), "".join(err))

    def run_argv(self, net: Net, argv: list[str]) -> Result:
        """Run one already-split command in `net` (what `ip netns exec` does)."""
        return script.run_argv(self, net, argv)
