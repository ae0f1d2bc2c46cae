"""`trace`: pwru-style journeys of the packets a script sends (an skbuff command; the real
kernel's equivalents are pwru and retis, which need eBPF and root).

    trace on [FILTER...] [--columns skb,diff]   start recording (FILTER: see trace/filter.py)
    trace off                                    stop; the record stays for show/drops/svg
    trace show [--json] [--columns skb,diff]     print the recorded steps
    trace drops                                  drops by (reason, function), then each cause
    trace svg skb SEQ FILE | journey PACKET FILE | nud FILE | napi FILE

`skbuff run --trace FILTER` is `trace on FILTER` before the script and `trace show` after.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from skbuff.tools.common import Result
from skbuff.trace import journey, render_json, render_text, svg
from skbuff.trace.filter import FilterError

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = ("Usage: trace on [FILTER...] [--columns skb,diff]\n"
         "       trace off\n"
         "       trace show [--json] [--columns skb,diff]\n"
         "       trace drops\n"
         "       trace svg { skb SEQ | journey PACKET | nud | napi } FILE\n")


def _columns(arg: str) -> tuple[str, ...] | None:
    cols = tuple(c for c in arg.split(",") if c)
    return cols if all(c in journey.COLUMNS for c in cols) else None


def trace_on(world: World, argv: list[str]) -> Result:
    """Start a journey tracer on the world's kernel."""
    if world.journey is not None and world.journey.attached:
        return Result(1, "", "trace: already on\n")
    columns: tuple[str, ...] = ()
    if "--columns" in argv:
        at = argv.index("--columns")
        cols = _columns(argv[at + 1]) if at + 1 < len(argv) else None
        if cols is None:
            return Result(1, "", f"trace: --columns takes a list of {','.join(journey.COLUMNS)}\n")
        columns, argv = cols, argv[:at] + argv[at + 2:]
    try:
        tracer = journey.journey_tracer(world.kernel, " ".join(argv), columns)
    except FilterError as e:
        return Result(1, "", f"trace: {e}\n")
    tracer.attach()
    world.journey = tracer
    return Result(0, "", "")


def show(tracer: journey.journey_tracer, as_json: bool, columns: tuple[str, ...]) -> str:
    """The recorded steps as text (or JSON lines), with a line for tracer errors."""
    if as_json:
        return render_json.render_jsonl(tracer.events)
    text = render_text.render_events(tracer.events, columns or tracer.columns)
    for err in tracer.errors:
        text += f"trace: stopped after a probe failed: {err}\n"
    return text


def drops_text(tracer: journey.journey_tracer) -> str:
    """dropwatch-style counts, then each drop with its cause."""
    out = [f"{n:>6} drops at {func} ({reason})"
           for (reason, func), n in sorted(tracer.drop_summary().items(),
                                           key=lambda t: (-t[1], t[0]))]
    for ev in tracer.drops():
        out.append(f"{render_text.fmt_time(ev.ns)} {render_text.fmt_skb_id(ev)} "
                   f"{ev.netns or 'init_net'} {render_text.fmt_tuple(ev)}: {ev.reason} at "
                   f"{ev.location}: {ev.explanation}")
    return "\n".join(out) + "\n" if out else "no drops\n"


def _svg(world: World, tracer: journey.journey_tracer, argv: list[str]) -> Result:
    kind = argv[0] if argv else ""
    need = 3 if kind in ("skb", "journey") else 2
    if kind not in ("skb", "journey", "nud", "napi") or len(argv) != need:
        return Result(1, "", USAGE)
    if kind in ("skb", "journey") and not argv[1].isdigit():
        return Result(1, "", f"trace: \"{argv[1]}\" is not a number\n")
    if kind == "skb":
        found = [ev for ev in tracer.events if ev.seq == int(argv[1])]
        if not found:
            return Result(1, "", f"trace: no step {argv[1]}\n")
        text = svg.skb_layout_svg(found[0])
    elif kind == "journey":
        steps = tracer.lineages().get(int(argv[1]))
        if not steps:
            return Result(1, "", f"trace: no packet {argv[1]}\n")
        text = svg.swimlane_svg(steps)
    elif kind == "nud":
        text = svg.nud_timeline_svg(tracer.nud, world.kernel.now_ns)
    else:
        text = svg.napi_timeline_svg(tracer.cpu_events)
    try:
        Path(argv[-1]).write_text(text, encoding="utf-8")
    except OSError as e:
        return Result(1, "", f"trace: {argv[-1]}: {e.strerror}\n")
    return Result(0, "", "")


def main(world: World, net: Net, argv: list[str]) -> Result:
    """The `trace` command. Process context."""
    cmd, rest = (argv[0], argv[1:]) if argv else ("", [])
    if cmd == "on":
        return trace_on(world, rest)
    if cmd not in ("off", "show", "drops", "svg"):
        return Result(1, "", USAGE)
    tracer = world.journey
    if tracer is None:
        return Result(1, "", "trace: not on\n")
    if cmd == "off":
        tracer.detach()
        return Result(0, "", "")
    if cmd == "drops":
        return Result(0, drops_text(tracer), "")
    if cmd == "svg":
        return _svg(world, tracer, rest)
    as_json = "--json" in rest
    rest = [a for a in rest if a != "--json"]
    columns: tuple[str, ...] | None = ()
    if rest[:1] == ["--columns"] and len(rest) == 2:
        columns = _columns(rest[1])
    elif rest:
        columns = None
    if columns is None:
        return Result(1, "", USAGE)
    return Result(0, show(tracer, as_json, columns), "")
