"""Pictures as self-contained SVG text (no dependencies): the sk_buff layout at a step, a
journey as swimlanes across namespaces (colour = layer, label = CPU), the NUD state timeline
of each neighbour, and the NAPI/softirq/IRQ timeline of each CPU."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from skbuff.trace.journey import HEADER_UNSET, KIND_DROP, cpu_event, nud_event, skb_event
from skbuff.trace.render_text import fmt_skb_id, fmt_time, fmt_tuple
from skbuff.uapi import neighbour as uapi_neigh
from skbuff.uapi.inet import ntoa

FONT = "font-family='monospace'"

# Layer of a traced function (swimlane colours).
LAYER_COLOURS = {"dev": "#8ecae6", "ip": "#90be6d", "neigh": "#f9c74f", "proto": "#b5a2d8",
                 "drop": "#e63946", "consume": "#adb5bd"}

NUD_COLOURS = {"NONE": "#dee2e6", "INCOMPLETE": "#f9c74f", "REACHABLE": "#90be6d",
               "STALE": "#adb5bd", "DELAY": "#f8961e", "PROBE": "#f3722c", "FAILED": "#e63946",
               "NOARP": "#8ecae6", "PERMANENT": "#577590"}


def layer_of(ev: skb_event) -> str:
    """dev / ip / neigh / proto / drop / consume, from the function name."""
    if ev.kind == KIND_DROP:
        return "drop"
    if ev.kind != "call":
        return "consume"
    f = ev.func
    if f.startswith("neigh") or f.startswith("arp"):
        return "neigh"
    if f.startswith(("udp", "icmp", "tcp", "raw")):
        return "proto"
    if f.startswith("ip") or f.startswith("__ip"):
        return "ip"
    return "dev"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}'><title>{escape(title)}</title>"
            f"<rect width='{width}' height='{height}' fill='white'/>" + "".join(body)
            + "</svg>\n")


def _text(x: float, y: float, s: str, anchor: str = "start", fill: str = "#222") -> str:
    return (f"<text x='{x:.1f}' y='{y:.1f}' {FONT} font-size='11' text-anchor='{anchor}' "
            f"fill='{fill}'>{escape(s)}</text>")


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> str:
    t = f"<title>{escape(tip)}</title>" if tip else ""
    return (f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(w, 0.5):.1f}' height='{h:.1f}' "
            f"fill='{fill}' stroke='#333' stroke-width='0.5'>{t}</rect>")


def skb_layout_svg(ev: skb_event, width: int = 720) -> str:
    """The linear buffer from head to end, to scale: headroom, the headers present (mac,
    network, transport), payload, tailroom, with the four pointers marked."""
    left, right = 34, width - 34
    span = max(ev.end - ev.head, 1)

    def x(off: int) -> float:
        return left + (off - ev.head) * (right - left) / span

    bar_y, bar_h = 40, 34
    body = [_text(left, 16, f"skb {fmt_skb_id(ev)} at {ev.func} ({ev.netns or 'init_net'} "
                            f"{ev.dev or '-'}) len={ev.len} users={ev.users} "
                            f"dataref={ev.dataref}"),
            _rect(x(ev.head), bar_y, x(ev.data) - x(ev.head), bar_h, "#f1f3f5",
                  f"headroom {ev.data - ev.head}"),
            _rect(x(ev.tail), bar_y, x(ev.end) - x(ev.tail), bar_h, "#f1f3f5",
                  f"tailroom {ev.end - ev.tail}")]
    marks = sorted(o for o in (ev.mac_header, ev.network_header, ev.transport_header)
                   if o != HEADER_UNSET and ev.head <= o <= ev.tail)
    names = {ev.mac_header: "mac", ev.network_header: "network",
             ev.transport_header: "transport"}
    colours = {"mac": "#8ecae6", "network": "#90be6d", "transport": "#b5a2d8"}
    bounds = [*marks, ev.tail]
    for i, start in enumerate(marks):
        stop = bounds[i + 1]
        name = names[start]
        body.append(_rect(x(start), bar_y, x(stop) - x(start), bar_h, colours[name],
                          f"{name} header at {start} ({stop - start} bytes to the next)"))
        body.append(_text((x(start) + x(stop)) / 2, bar_y + 21, name[:3], "middle"))
    first = marks[0] if marks else ev.tail
    if ev.data < first:
        body.append(_rect(x(ev.data), bar_y, x(first) - x(ev.data), bar_h, "#ffe8a3",
                          f"data {first - ev.data} bytes before the first header"))
    for i, (name, off) in enumerate((("head", ev.head), ("data", ev.data), ("tail", ev.tail),
                                     ("end", ev.end))):
        px = x(off)
        y = bar_y + bar_h + 14 + (i % 2) * 12
        body.append(f"<line x1='{px:.1f}' y1='{bar_y - 4}' x2='{px:.1f}' y2='{y - 9}' "
                    f"stroke='#d00' stroke-width='1'/>")
        body.append(_text(px, y, f"{name}={off}", "middle", "#d00"))
    body.append(_text(left, bar_y + bar_h + 48,
                      f"headroom {ev.data - ev.head}  linear {ev.tail - ev.data}  "
                      f"tailroom {ev.end - ev.tail}"))
    return _svg(width, bar_y + bar_h + 58, body, f"sk_buff layout at {ev.func}")


def swimlane_svg(events: Sequence[skb_event], width: int = 960) -> str:
    """One lane per namespace, steps left to right in order; each box is a function,
    coloured by layer and labelled with its CPU; drops are red."""
    lanes: list[str] = []
    for ev in events:
        lane = ev.netns or "init_net"
        if lane not in lanes:
            lanes.append(lane)
    lane_h, top, label_w = 70, 30, 90
    n = max(len(events), 1)
    step = max((width - label_w - 20) / n, 14.0)
    total_w = int(label_w + step * n + 20)
    body = [_text(8, 18, "journey: lanes = namespaces, colour = layer (dev/ip/neigh/proto/"
                         "drop), label = CPU")]
    for i, lane in enumerate(lanes):
        y = top + i * lane_h
        body.append(f"<rect x='0' y='{y}' width='{total_w}' height='{lane_h}' "
                    f"fill='{'#f8f9fa' if i % 2 else '#ffffff'}'/>")
        body.append(_text(6, y + lane_h / 2 + 4, lane))
    prev: tuple[float, float] | None = None
    for j, ev in enumerate(events):
        lane_i = lanes.index(ev.netns or "init_net")
        cx = label_w + step * j + step / 2
        cy = top + lane_i * lane_h + lane_h / 2
        if prev is not None:
            body.append(f"<line x1='{prev[0]:.1f}' y1='{prev[1]:.1f}' x2='{cx:.1f}' "
                        f"y2='{cy:.1f}' stroke='#666' stroke-width='0.7'/>")
        prev = (cx, cy)
    for j, ev in enumerate(events):
        lane_i = lanes.index(ev.netns or "init_net")
        cx = label_w + step * j + step / 2
        cy = top + lane_i * lane_h + lane_h / 2
        tip = (f"{ev.seq}: {ev.func} ← {ev.caller} | {fmt_time(ev.ns)} CPU{ev.cpu} "
               f"{ev.dev} len={ev.len} {fmt_tuple(ev)}"
               + (f" | dropped: {ev.reason}: {ev.explanation}" if ev.kind == KIND_DROP else ""))
        body.append(_rect(cx - step * 0.4, cy - 12, step * 0.8, 24,
                          LAYER_COLOURS[layer_of(ev)], tip))
        body.append(_text(cx, cy + 4, str(ev.cpu), "middle"))
        body.append(f"<text x='{cx:.1f}' y='{cy + 22:.1f}' {FONT} font-size='8' "
                    f"transform='rotate(35 {cx:.1f} {cy + 22:.1f})'>{escape(ev.func)}</text>")
    return _svg(total_w, top + lane_h * max(len(lanes), 1) + 40, body, "journey swimlanes")


def nud_name(state: int) -> str:
    """The `ip neigh` name of a NUD state (NONE for 0)."""
    return next((name for bit, name in uapi_neigh.NUD_STATE_NAMES if state & bit), "NONE")


def nud_timeline_svg(events: Sequence[nud_event], end_ns: int, width: int = 960) -> str:
    """One row per neighbour (netns, dev, address): its NUD state over simulated time."""
    rows: dict[tuple[str, str, int], list[nud_event]] = {}
    for ev in events:
        rows.setdefault((ev.netns, ev.dev, ev.key), []).append(ev)
    start = min((ev.ns for ev in events), default=0)
    stop = max(end_ns, start + 1)
    left, row_h = 230, 26

    def x(ns: int) -> float:
        return left + (ns - start) * (width - left - 20) / (stop - start)

    body = [_text(8, 16, f"NUD states from {fmt_time(start)} to {fmt_time(stop)} s")]
    for i, ((netns, dev, key), all_evs) in enumerate(rows.items()):
        # one segment per state: updates that keep the state extend the segment
        evs = [ev for j, ev in enumerate(all_evs)
               if j == 0 or nud_name(ev.new) != nud_name(all_evs[j - 1].new)]
        y = 28 + i * row_h
        body.append(_text(8, y + 16, f"{netns or 'init_net'} {dev} {ntoa(key)}"))
        for j, ev in enumerate(evs):
            until = evs[j + 1].ns if j + 1 < len(evs) else stop
            name = nud_name(ev.new)
            body.append(_rect(x(ev.ns), y + 3, x(until) - x(ev.ns), row_h - 6,
                              NUD_COLOURS[name], f"{name} from {fmt_time(ev.ns)}"))
            if x(until) - x(ev.ns) > 60:
                body.append(_text(x(ev.ns) + 3, y + 17, name))
    return _svg(width, 40 + row_h * max(len(rows), 1), body, "NUD timeline")


def _compressed_axis(times: Sequence[int], left: float, width: float
                     ) -> tuple[dict[int, float], list[tuple[float, int]]]:
    """x of each event time, with idle gaps over IDLE_GAP_NS drawn as a fixed BREAK_PX
    break; returns the positions and the breaks (x, idle ns)."""
    ts = sorted(set(times))
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    active = sum(g for g in gaps if g <= IDLE_GAP_NS)
    nbreaks = sum(1 for g in gaps if g > IDLE_GAP_NS)
    scale = max(width - nbreaks * BREAK_PX, 1) / max(active, 1)
    xs: dict[int, float] = {}
    breaks: list[tuple[float, int]] = []
    x = left
    for i, t in enumerate(ts):
        if i:
            gap = gaps[i - 1]
            if gap > IDLE_GAP_NS:
                breaks.append((x + BREAK_PX / 2, gap))
                x += BREAK_PX
            else:
                x += gap * scale
        xs[t] = x
    return xs, breaks


def fmt_duration(ns: int) -> str:
    """3 significant digits in µs, ms or s."""
    if ns < 1_000_000:
        return f"{ns / 1e3:.3g}µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.3g}ms"
    return f"{ns / 1e9:.3g}s"


IDLE_GAP_NS = 50_000
LABEL_GAP_PX = 34
BREAK_PX = 40


def _masked_periods(events: Sequence[cpu_event]) -> list[tuple[cpu_event, cpu_event]]:
    """(irq_entry, completing napi_poll) pairs: a NAPI driver masks its IRQ in the handler
    and unmasks it when a poll does less than its budget (napi_complete_done). The IRQ is
    matched to the NAPI by the device name it was requested with."""
    out = []
    for i, ev in enumerate(events):
        if ev.kind != "irq_entry":
            continue
        name = ev.what.split(":", 1)[-1]
        for later in events[i + 1:]:
            if (later.kind == "napi_poll" and later.cpu == ev.cpu and later.what == name
                    and later.work < later.budget):
                out.append((ev, later))
                break
    return out


def napi_timeline_svg(events: Sequence[cpu_event], width: int = 960) -> str:
    """Per CPU: softirq runs (bars, entry→exit), hard IRQs (red bars), the device IRQ
    masked while its NAPI polls (orange), NAPI polls (ticks labelled work/budget; a full
    budget is highlighted: the poll wants more) and time squeezes (net_rx_action out of
    budget or time: ▼). Idle stretches over 50 µs are cut out of the time axis and labelled;
    work/budget labels too close to the previous one are left to the tooltip."""
    cpus = sorted({ev.cpu for ev in events}) or [0]
    left, row_h = 60, 60
    xs, breaks = _compressed_axis([ev.ns for ev in events], left, width - left - 20)

    def x(ns: int) -> float:
        return xs[ns]

    body = [_text(8, 16, "CPU timeline: green = softirq, red = hard IRQ, ticks = napi_poll "
                         "work/budget, orange = IRQ masked, ▼ = time squeeze; ≈ marks idle time "
                         "cut out")]
    for bx, gap in breaks:
        body.append(f"<line x1='{bx:.1f}' y1='22' x2='{bx:.1f}' y2='{26 + row_h * len(cpus)}' "
                    "stroke='#bbb' stroke-dasharray='3,3'/>")
        body.append(_text(bx, 30 + row_h * len(cpus), f"≈{fmt_duration(gap)}", "middle",
                          "#888"))
    masked = _masked_periods(events)
    for i, cpu in enumerate(cpus):
        y = 26 + i * row_h
        body.append(_text(8, y + 30, f"CPU{cpu}"))
        for irq, poll in masked:
            if irq.cpu == cpu:
                body.append(_rect(x(irq.ns), y + 29, x(poll.ns) - x(irq.ns), 4, "#f8961e",
                                  f"IRQ {irq.what} masked {fmt_time(irq.ns)}.."
                                  f"{fmt_time(poll.ns)} (NAPI polling)"))
        open_at: dict[str, cpu_event] = {}
        last_label = float(-LABEL_GAP_PX)
        for ev in (e for e in events if e.cpu == cpu):
            if ev.kind in ("softirq_entry", "irq_entry"):
                open_at[ev.kind[:-6] + ev.what.split(":")[0]] = ev
            elif ev.kind in ("softirq_exit", "irq_exit"):
                began = open_at.pop(ev.kind[:-5] + ev.what.split(":")[0], None)
                if began is not None:
                    soft = ev.kind == "softirq_exit"
                    body.append(_rect(x(began.ns), y + (8 if soft else 2),
                                      x(ev.ns) - x(began.ns), 20 if soft else 6,
                                      "#90be6d" if soft else "#e63946",
                                      f"{began.what} {fmt_time(began.ns)}..{fmt_time(ev.ns)}"))
            elif ev.kind == "time_squeeze":
                body.append(f"<text x='{x(ev.ns):.1f}' y='{y + 6}' {FONT} font-size='12' "
                            f"text-anchor='middle' fill='#d00'>▼<title>time_squeeze now "
                            f"{escape(ev.what)}</title></text>")
            elif ev.kind == "napi_poll":
                full = ev.work >= ev.budget
                px = x(ev.ns)
                body.append(f"<line x1='{px:.1f}' y1='{y + 30}' x2='{px:.1f}' y2='{y + 44}' "
                            f"stroke='{'#d00' if full else '#333'}' stroke-width='1.5'>"
                            f"<title>napi_poll {escape(ev.what)} work {ev.work}/{ev.budget}"
                            "</title></line>")
                if px - last_label >= LABEL_GAP_PX:
                    body.append(_text(px, y + 55, f"{ev.work}/{ev.budget}", "middle"))
                    last_label = px
    return _svg(width, 40 + row_h * len(cpus), body, "NAPI/softirq timeline")
