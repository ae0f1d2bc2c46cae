"""bash's job control as a non-interactive bash (`bash script.sh`) runs it: `CMD &` jobs with
PIDs, `$!`, `$$`, and the builtins `kill`, `jobs` and `wait`.

Source: bash 5.2 jobs.c (the job table, notify_of_job_status, pretty_print_job),
builtins/kill.def, builtins/jobs.def, builtins/wait.def, trap.c decode_signal.

Model: a signal reaches a job at once (the simulated process dies, stops or runs its handler
when `kill` runs); bash reaps it before the next command line, which is when a non-interactive
bash prints its notice ("PID Killed   CMD", not for SIGINT, SIGTERM or SIGPIPE) and forgets the
job. A background job ignores SIGINT and SIGQUIT (bash sets them to SIG_IGN when job control is
off) unless the program catches them, as tcpdump does. A stopped job prints nothing until
SIGCONT; `jobs` still shows it Running (bash waits without WUNTRACED, so it never learns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from skbuff.kernel.clock import NSEC_PER_SEC
from skbuff.tools.common import Result
from skbuff.uapi.signal import (
    NSIG,
    SIG_KERNEL_IGNORE,
    SIG_KERNEL_STOP,
    SIGCONT,
    SIGINT,
    SIGPIPE,
    SIGQUIT,
    SIGTERM,
    signal_name,
    strsignal,
)

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import Job, World

KILL_USAGE = ("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or "
              "kill -l [sigspec]\n")
# jobs.h LONGEST_SIGNAL_DESC: the status column's width.
LONGEST_SIGNAL_DESC = 24
# Signals a non-interactive bash never reports a job's death by (config-top.h
# DONT_REPORT_SIGTERM, DONT_REPORT_SIGPIPE; SIGINT always).
_UNREPORTED = frozenset({SIGINT, SIGTERM, SIGPIPE})
EX_BADUSAGE = 2
NO_SIG = -1


@dataclass
class bgjob:
    """One entry of bash's job table (a one-process pipeline): its job number (`%N`), PID,
    command text as `jobs` shows it, and the running program (a World Job)."""

    number: int
    pid: int
    command: str
    proc: Job
    stopped: bool = False


class sleeper:
    """`sleep N &`: a job that ends by itself (status 0) once the simulated clock has
    advanced by N."""

    caught_signals: frozenset[int] = frozenset()

    def __init__(self, net: Net, seconds: float) -> None:
        self.net = net
        self.deadline = net.kernel.now_ns + int(seconds * NSEC_PER_SEC)

    def poll(self) -> tuple[str, str, bool]:
        return "", "", self.net.kernel.now_ns >= self.deadline

    def wait(self) -> None:
        k = self.net.kernel
        k.run_for(max(0, self.deadline - k.now_ns))

    def stop(self) -> tuple[str, str]:
        return "", ""


def decode_signal(spec: str) -> int:
    """A signal number or name (any case, "SIG" optional, `RTMIN+N`), NO_SIG if none.

    Source: bash trap.c decode_signal (DSIG_NOCASE | DSIG_SIGPREFIX)."""
    if spec.isdigit():
        sig = int(spec)
        return sig if sig < NSIG else NO_SIG
    name = spec.upper()
    name = name[3:] if name.startswith("SIG") else name
    if name == "EXIT":
        return 0
    return next((s for s in range(1, NSIG) if signal_name(s) == name), NO_SIG)


def _signal_list(args: list[str]) -> Result:
    """`kill -l [SIGSPEC…]`. Source: bash builtins/common.c display_signal_list."""
    if not args:
        entries = [f"{s:2d}) SIG{signal_name(s)}" for s in range(1, NSIG) if signal_name(s)]
        text = "".join(e + ("\n" if i % 5 == 4 else "\t") for i, e in enumerate(entries))
        return Result(0, text + ("\n" if len(entries) % 5 else ""), "")
    out, err, status = [], [], 0
    for arg in args:
        if arg.isdigit():
            sig = int(arg)
            sig = sig - 128 if sig > 128 else sig
            name = "EXIT" if sig == 0 else signal_name(sig)
            if name is None:
                err.append(f"bash: kill: {arg}: invalid signal specification\n")
                status = 1
            else:
                out.append(name + "\n")
            continue
        sig = decode_signal(arg)
        if sig == NO_SIG:
            err.append(f"bash: kill: {arg}: invalid signal specification\n")
            status = 1
        else:
            out.append(f"{sig}\n")
    return Result(status, "".join(out), "".join(err))


def current_jobs(world: World) -> tuple[bgjob | None, bgjob | None]:
    """bash's js.j_current and js.j_previous: the newest job and the one before it."""
    jobs = world.jobs
    return (jobs[-1] if jobs else None), (jobs[-2] if len(jobs) > 1 else None)


def get_job_spec(world: World, spec: str) -> bgjob | str:
    """The job `%N`, `%%`/`%+`/`%`, `%-`, `%PREFIX` or `%?TEXT` names, else bash's message.

    Source: bash jobs.c get_job_spec, get_job_by_name."""
    word = spec[1:] if spec.startswith("%") else spec
    current, previous = current_jobs(world)
    found: bgjob | None
    if word.isdigit():
        found = next((j for j in world.jobs if j.number == int(word)), None)
    elif word in ("", "%", "+"):
        found = current
    elif word == "-":
        found = previous
    else:
        text = word[1:] if word.startswith("?") else word
        hits = [j for j in world.jobs
                if (text in j.command if word.startswith("?") else j.command.startswith(text))]
        if len(hits) > 1:
            return f"bash: {text}: ambiguous job spec\n"
        found = hits[0] if hits else None
    return found if found is not None else f"bash: {spec}: no such job\n"


def _legal_number(word: str) -> int | None:
    """bash general.c legal_number: optional blanks and sign, decimal digits."""
    text = word.strip()
    digits = text[1:] if text[:1] in "+-" else text
    return int(text) if digits.isascii() and digits.isdigit() else None


def send_signal(world: World, job: bgjob, sig: int) -> None:
    """The signal reaches the job's program: a caught one runs its handler (which ends it:
    tcpdump's cleanup prints its statistics and exits 0); SIGINT/SIGQUIT are ignored in a
    background job; otherwise the default action: ignore, stop, or die (what it printed
    stays; what its handler would have printed does not)."""
    proc = job.proc
    if sig == 0:
        return
    if sig == SIGCONT:
        job.stopped = False
        return
    if sig in proc.caught_signals:
        world.job_exited(job, 0, world.kernel.run_task(proc.stop))
    elif sig in (SIGINT, SIGQUIT) or sig in SIG_KERNEL_IGNORE:
        return
    elif sig in SIG_KERNEL_STOP:
        job.stopped = True
    else:
        printed = world.kernel.run_task(proc.poll)
        world.kernel.run_task(proc.stop)
        world.job_exited(job, 128 + sig, printed[:2])
        if sig not in _UNREPORTED:
            status = strsignal(sig)
            world.notices.append(f"bash: {job.pid:5d} {status:<{LONGEST_SIGNAL_DESC}}"
                                 f"{job.command}\n")


def kill_main(world: World, net: Net, argv: list[str]) -> Result:
    """bash's builtin `kill [-s SIG | -n NUM | -SIG] PID|JOBSPEC…`, `kill -l [SIG…]`: SIGTERM
    by default; status 0 if any target got the signal. Source: bash builtins/kill.def."""
    sig, sigspec, listing, saw_signal = SIGTERM, "", False, False
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in ("-l", "-L"):
            listing = True
        elif word in ("-s", "-n"):
            if i + 1 >= len(argv):
                return Result(1, "", f"bash: kill: {word}: option requires an argument\n")
            i += 1
            sigspec = argv[i]
            sig = decode_signal(sigspec)
            saw_signal = True
        elif (word.startswith("-s") and word[2:3].isalpha()) or \
                (word.startswith("-n") and word[2:3].isdigit()):
            sigspec = word[2:]
            sig = decode_signal(sigspec)
            saw_signal = True
        elif word == "--":
            i += 1
            break
        elif word == "-?":
            return Result(EX_BADUSAGE, "", KILL_USAGE)
        elif word.startswith("-") and not saw_signal:
            sigspec = word[1:]
            sig = decode_signal(sigspec)
            saw_signal = True
        else:
            break
        i += 1
    if listing:
        return _signal_list(argv[i:])
    if i >= len(argv):
        return Result(EX_BADUSAGE, "", KILL_USAGE)
    if sig == NO_SIG:
        return Result(1, "", f"bash: kill: {sigspec}: invalid signal specification\n")
    err: list[str] = []
    succeeded = False
    for word in argv[i:]:
        pid = _legal_number(word)
        if pid is not None:
            target = world.job_by_pid(pid)
            if target is None and pid != world.shell_pid:
                err.append(f"bash: kill: ({pid}) - No such process\n")
                continue
            succeeded = True
            if target is not None:
                send_signal(world, target, sig)
            else:
                world.signal_shell(sig)
        elif word and word[0] != "%":
            err.append(f"bash: kill: {word}: arguments must be process or job IDs\n")
        else:
            job = get_job_spec(world, word)
            if isinstance(job, str):
                err.append(job.replace("bash: ", "bash: kill: ", 1))
                continue
            succeeded = True
            send_signal(world, job, sig)
    return Result(0 if succeeded else 1, "", "".join(err))


def jobs_main(world: World, net: Net, argv: list[str]) -> Result:
    """bash's builtin `jobs [-l|-p] [JOBSPEC…]`: `[N]+  Running   CMD &` (a stopped job shows
    Running too: see the module doc). Source: bash builtins/jobs.def, jobs.c print_pipeline."""
    opts = [a for a in argv if a.startswith("-") and a != "-"]
    specs = [a for a in argv if a not in opts]
    flags = set("".join(o[1:] for o in opts if o != "--"))
    bad = flags - set("lp")
    if bad:
        return Result(EX_BADUSAGE, "", f"bash: jobs: -{sorted(bad)[0]}: invalid option\n"
                      "jobs: usage: jobs [-lnprs] [jobspec ...] or jobs -x command [args]\n")
    chosen: list[bgjob] = []
    err = []
    for spec in specs:
        job = get_job_spec(world, spec)
        if isinstance(job, str):
            err.append(job.replace("bash: ", "bash: jobs: ", 1))
        else:
            chosen.append(job)
    if specs and not chosen:
        return Result(1, "", "".join(err))
    current, previous = current_jobs(world)
    out = []
    for job in chosen if specs else world.jobs:
        if "p" in flags:
            out.append(f"{job.pid}\n")
            continue
        mark = "+" if job is current else "-" if job is previous else " "
        pid = f"{job.pid:5d}" if "l" in flags else ""
        out.append(f"[{job.number}]{mark} {pid} {'Running':<{LONGEST_SIGNAL_DESC}}"
                   f"{job.command} &\n")
    return Result(1 if err else 0, "".join(out), "".join(err))


def wait_main(world: World, net: Net, argv: list[str]) -> Result:
    """bash's builtin `wait [PID|JOBSPEC…]`: with no argument, until every background job
    has ended by itself (status 0); else the last named one's status (128+N if a signal
    killed it; 127 for an unknown one). Source: bash builtins/wait.def."""
    if not argv:
        return world.wait_jobs()
    out: list[str] = []
    err: list[str] = []
    status = 0
    for word in argv:
        pid = _legal_number(word)
        job: bgjob | str | None
        if pid is not None:
            job = world.job_by_pid(pid)
            if job is None:
                if pid in world.bgp:
                    status = world.bgp[pid]
                    continue
                err.append(f"bash: wait: pid {pid} is not a child of this shell\n")
                status = 127
                continue
        elif word.startswith("%"):
            job = get_job_spec(world, word)
            if isinstance(job, str):
                err.append(job.replace("bash: ", "bash: wait: ", 1))
                status = 127
                continue
        else:
            return Result(1, "".join(out), "".join(err) +
                          f"bash: wait: `{word}': not a pid or valid job spec\n")
        res = world.wait_job(job)
        out.append(res.stdout)
        err.append(res.stderr)
        status = res.status
    return Result(status, "".join(out), "".join(err))
