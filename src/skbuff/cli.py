"""The `skbuff` command: run a script, an interactive shell, the demo, or one `ip`/`sysctl`.

Exit status is the script's or the command's; a Python exception is a bug in skbuff and is
reported as one line ending "(this is a bug in skbuff)" with status 70 — no traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from skbuff.compat import gc_set_threshold
from skbuff.kernel import procfs
from skbuff.sim import demo, script
from skbuff.sim.world import Job, World
from skbuff.tools import trace as trace_tool
from skbuff.trace import journey, render_json, report
from skbuff.trace.filter import FilterError

EX_SOFTWARE = script.EX_SOFTWARE
HISTORY_FILE = "~/.skbuff_history"
PROMPT = "skbuff# "

def _bug(what: str, e: BaseException, err: TextIO) -> int:
    err.write(f"skbuff: {what}: internal error: {type(e).__name__}: {e} "
              "(this is a bug in skbuff)\n")
    return EX_SOFTWARE


def end_script(world: World, out: TextIO, err: TextIO) -> int:
    """The script ended: interrupt its background jobs (`tcpdump … &`), print their rest,
    detach its tracer."""
    res = world.end_script()
    out.write(res.stdout)
    err.write(res.stderr)
    return 0


# A script can build millions of long-lived kernel objects (routes, fib_info, trie nodes);
# CPython's default gen-0 threshold (700) then spends much of a bulk load in collections
# that free nothing. Measured with benchmarks/bench_batch.py at 300k routes: 26.8 s → 22.6 s.
GC_THRESHOLDS = (100_000, 50, 1000)


def cmd_run(path: str, keep_going: bool, seed: int, out: TextIO, err: TextIO,
            trace: TraceOptions | None = None) -> int:
    gc_set_threshold(*GC_THRESHOLDS)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        err.write(f"skbuff: {path}: {e.strerror}\n")
        return 1
    world = World(seed=seed)
    if trace is None:
        status = script.run_script(world, text, path, out, err, keep_going=keep_going)
        return end_script(world, out, err) or status
    try:
        tracer = journey.journey_tracer(world.kernel, trace.filter)
    except FilterError as e:
        err.write(f"skbuff: --trace: {e}\n")
        return 1
    tracer.attach()
    try:
        status = script.run_script(world, text, path, out, err, keep_going=keep_going)
        end_script(world, out, err)
    finally:
        tracer.detach()
    return trace_outputs(world, tracer, trace, path, out, err) or status


@dataclass
class TraceOptions:
    """`skbuff run --trace FILTER --trace-json FILE --report FILE`."""

    filter: str = ""
    show: bool = False
    json_path: str = ""
    report_path: str = ""


def trace_outputs(world: World, tracer: journey.journey_tracer, trace: TraceOptions,
                  title: str, out: TextIO, err: TextIO) -> int:
    """After the script: print the journeys, write the JSON lines and the report. The
    runner's tracer is its own: the script may still use `trace on/off/show` itself."""
    if trace.show:
        out.write(trace_tool.show(tracer, False, ()))
    try:
        if trace.json_path:
            Path(trace.json_path).write_text(render_json.render_jsonl(tracer.events),
                                             encoding="utf-8")
        if trace.report_path:
            Path(trace.report_path).write_text(report.build_report(world, tracer, title),
                                               encoding="utf-8")
    except OSError as e:
        err.write(f"skbuff: {e.filename}: {e.strerror}\n")
        return 1
    return 0


def cmd_demo(out: TextIO, err: TextIO) -> int:
    """`skbuff demo`: the built-in scenario (`skbuff.sim.demo`), its transcript on `out`."""
    return demo.main(out)


def _one_shot(tool: str, argv: list[str], out: TextIO, err: TextIO) -> int:
    world = World()
    res = script.run_argv(world, world.init_net, [tool, *argv])
    out.write(res.stdout)
    err.write(res.stderr)
    return res.status


def _completer(world: World) -> object:
    from prompt_toolkit.completion import NestedCompleter

    objects = ("address", "link", "route", "rule", "neighbour", "netns")
    verbs = {"add": None, "del": None, "show": None, "flush": None, "set": None,
             "get": None, "change": None, "replace": None}
    devs = {name: None for net in world.kernel.nets for name in net.dev_base_head}
    ip_tree: dict[str, object] = {o: {**verbs, "dev": devs} for o in objects}
    tree: dict[str, object] = {name: None for name in script.tool_names(world)}
    tree["ip"] = ip_tree
    tree["cat"] = {path: None for path in procfs.proc_listdir(world.init_net)}
    return NestedCompleter.from_nested_dict(tree)


# How far the simulated clock moves per step of a foreground job in the shell, and the wall
# time that step takes at most: the job's world runs at real-time pace until Ctrl-C.
SHELL_STEP_NS = 100_000_000


def foreground_until_interrupt(world: World, out: TextIO, err: TextIO) -> Callable[[Job], None]:
    """The shell's World.foreground: run a job that never ends by itself (`ip monitor`),
    printing its output as it comes, until Ctrl-C or until it ends. SIGINT only sets a flag,
    so the kernel is never interrupted mid-event; the job is then stopped as ^C would."""

    def run(job: Job) -> None:
        interrupted = False

        def on_sigint(signum: int, frame: object) -> None:
            nonlocal interrupted
            interrupted = True

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            ended = False
            while not interrupted and not ended:
                deadline = time.monotonic() + SHELL_STEP_NS / 1e9
                world.kernel.run_for(SHELL_STEP_NS)
                text, more, ended = job.poll()
                out.write(text)
                err.write(more)
                out.flush()
                time.sleep(max(0.0, deadline - time.monotonic()))
        finally:
            signal.signal(signal.SIGINT, previous)
        text, more = job.stop()
        out.write(text)
        err.write(more)

    return run


def cmd_shell(out: TextIO, err: TextIO) -> int:
    """Interactive: prompt_toolkit with history and completion on a tty, input() otherwise.
    A foreground `ip monitor` runs until Ctrl-C (foreground_until_interrupt)."""
    world = World()
    world.foreground = foreground_until_interrupt(world, out, err)
    read: Callable[[], str]
    if sys.stdin.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        session: PromptSession[str] = PromptSession(
            history=FileHistory(os.path.expanduser(HISTORY_FILE)))

        def read() -> str:
            return session.prompt(PROMPT, completer=_completer(world))  # type: ignore[arg-type]
    else:
        def read() -> str:
            return input()
    status = 0
    lineno = 0
    while True:
        try:
            line = read()
        except EOFError:
            return status
        except KeyboardInterrupt:
            continue
        lineno += 1
        if line.strip() in ("exit", "quit"):
            return status
        status = script.run_script(world, line, "shell", out, err, keep_going=True,
                                   first_line=lineno)
        if status == EX_SOFTWARE:
            status = 1


def cmd_load_host(dumps: str, netns: str, script_path: str, out: TextIO, err: TextIO) -> int:
    """`skbuff load-host DIR --netns NAME [--run SCRIPT]` (skbuff.tools.hostdump)."""
    world = World()
    res = world.load_host(dumps, netns=netns)
    out.write(res.stdout)
    err.write(res.stderr)
    if res.status or not script_path:
        return res.status
    try:
        text = Path(script_path).read_text(encoding="utf-8")
    except OSError as e:
        err.write(f"skbuff: {script_path}: {e.strerror}\n")
        return 1
    status = script.run_script(world, text, script_path, out, err)
    return end_script(world, out, err) or status


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="skbuff", description="The Linux IPv4 stack in Python.")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a script of ip/sysctl/... lines")
    r.add_argument("script")
    r.add_argument("--keep-going", action="store_true",
                   help="run every line; exit with the last failure's status")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--trace", metavar="FILTER", nargs="?", const="", default=None,
                   help="record packet journeys (pcap-filter subset, netns/dev/func terms) "
                        "and print them after the script")
    r.add_argument("--trace-json", metavar="FILE", default="",
                   help="write the journeys as JSON lines (one event per line)")
    r.add_argument("--report", metavar="FILE", default="",
                   help="write a self-contained HTML report of the run")
    lh = sub.add_parser("load-host", help="load a real host's `ip -j` dumps into a netns")
    lh.add_argument("dumps", help="a directory of link/addr/route/rule/neigh.json or one file")
    lh.add_argument("--netns", required=True, help="the namespace to build")
    lh.add_argument("--run", metavar="SCRIPT", default="",
                    help="then run SCRIPT against the loaded machine")
    sub.add_parser("shell", help="interactive shell")
    sub.add_parser("demo", help="the built-in demonstration")
    for tool in ("ip", "sysctl"):
        t = sub.add_parser(tool, help=f"run one {tool} command", add_help=False)
        t.add_argument("args", nargs=argparse.REMAINDER)
    return p


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    out, err = sys.stdout, sys.stderr
    if args_list and args_list[0] in ("ip", "sysctl"):
        try:
            return _one_shot(args_list[0], args_list[1:], out, err)
        except Exception as e:
            return _bug(args_list[0], e, err)
    args = build_parser().parse_args(args_list)
    try:
        if args.cmd == "run":
            trace = None
            if args.trace is not None or args.trace_json or args.report:
                trace = TraceOptions(args.trace or "", args.trace is not None,
                                     args.trace_json, args.report)
            return cmd_run(args.script, args.keep_going, args.seed, out, err, trace)
        if args.cmd == "demo":
            return cmd_demo(out, err)
        if args.cmd == "load-host":
            return cmd_load_host(args.dumps, args.netns, args.run, out, err)
        return cmd_shell(out, err)
    except Exception as e:
        return _bug(args.cmd, e, err)


if __name__ == "__main__":
    sys.exit(main())
