"""The run report: one self-contained HTML page (inline CSS, JS and SVG; no network).

Sections: the packets (one per journey lineage) — click one to see its steps, its swimlane
picture, and click a step to see the sk_buff layout at that step; the drops with their
causes; the route decisions (every input route query the journeys made, explained against
the state at the end of the run); neighbour NUD timelines and tables; CPU/NAPI timeline;
counters (/proc/net/snmp per namespace).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from skbuff.trace import explain, render_text, svg
from skbuff.trace.journey import KIND_CONSUME, KIND_DROP, journey_tracer, skb_event

if TYPE_CHECKING:
    from skbuff.sim.world import World

MAX_PICTURES = 4000

CSS = """
body{font-family:system-ui,sans-serif;margin:0;display:flex;height:100vh}
nav{width:330px;overflow:auto;border-right:1px solid #ccc;padding:8px;background:#f8f9fa}
main{flex:1;overflow:auto;padding:12px}
nav li{cursor:pointer;padding:3px;list-style:none;font-family:monospace;font-size:12px}
nav li:hover,nav li.sel{background:#dbe4ff}
nav ul{padding:0}
table{border-collapse:collapse;font-family:monospace;font-size:12px}
td,th{border:1px solid #ddd;padding:2px 5px;text-align:left}
tr.step{cursor:pointer} tr.step:hover,tr.step.sel{background:#fff3bf}
tr.drop{background:#ffe3e3} .cause{color:#c92a2a;font-weight:bold}
section.packet{display:none} section.packet.shown{display:block}
pre{background:#f1f3f5;padding:6px;font-size:12px;overflow:auto}
h2{border-bottom:1px solid #ccc}
"""

JS = """
function showPacket(id){
  document.querySelectorAll('section.packet').forEach(s=>s.classList.remove('shown'));
  document.querySelectorAll('nav li').forEach(l=>l.classList.remove('sel'));
  var s=document.getElementById('pkt-'+id); if(s){s.classList.add('shown');}
  var l=document.querySelector('nav li[data-pkt="'+id+'"]'); if(l){l.classList.add('sel');}
  document.getElementById('packets').scrollIntoView();
}
function showStep(seq){
  document.querySelectorAll('tr.step').forEach(r=>r.classList.remove('sel'));
  var r=document.querySelector('tr.step[data-seq="'+seq+'"]'); if(r){r.classList.add('sel');}
  var t=document.getElementById('pic-'+seq);
  var box=document.getElementById('skbpic-'+r.dataset.pkt);
  box.innerHTML=t?t.innerHTML:'(no picture for this step)';
  document.getElementById('stepinfo-'+r.dataset.pkt).textContent=r.dataset.info;
}
document.addEventListener('click',function(e){
  var li=e.target.closest('nav li'); if(li){showPacket(li.dataset.pkt);return;}
  var tr=e.target.closest('tr.step'); if(tr){showStep(tr.dataset.seq);}
});
"""


def packet_outcome(steps: list[skb_event]) -> str:
    """'dropped (REASON)', 'delivered' (consumed), or 'in flight' for a lineage."""
    for ev in steps:
        if ev.kind == KIND_DROP:
            return f"dropped ({ev.reason})"
    if any(ev.kind == KIND_CONSUME for ev in steps):
        return "consumed"
    return "in flight"


def _packet_section(pkt: int, steps: list[skb_event]) -> str:
    rows = []
    prev: dict[int, skb_event] = {}
    for ev in steps:
        info = (f"step {ev.seq}: {ev.func} ← {ev.caller}; "
                + render_text.fmt_layout(ev) + "; " + render_text.diff(prev.get(ev.skb_id), ev))
        cls = "step drop" if ev.kind == KIND_DROP else "step"
        rows.append(
            f"<tr class='{cls}' data-seq='{ev.seq}' data-pkt='{pkt}' data-info='{escape(info)}'>"
            f"<td>{ev.seq}</td><td>{render_text.fmt_time(ev.ns)}</td>"
            f"<td>{render_text.fmt_skb_id(ev)}</td><td>{ev.cpu}</td>"
            f"<td>{escape(ev.netns or 'init_net')}</td><td>{escape(ev.dev or '-')}</td>"
            f"<td>{ev.len}</td><td>{escape(ev.func)}</td><td>{escape(ev.caller)}</td>"
            f"<td>{escape(render_text.diff(prev.get(ev.skb_id), ev))}</td></tr>")
        if ev.kind == KIND_DROP:
            rows.append(f"<tr class='drop'><td colspan='10' class='cause'>dropped: "
                        f"{escape(ev.reason)} at {escape(ev.location)}: "
                        f"{escape(ev.explanation)}</td></tr>")
        prev[ev.skb_id] = ev
    first = steps[0]
    return (f"<section class='packet' id='pkt-{pkt}'>"
            f"<h3>packet {pkt}: {escape(render_text.fmt_tuple(first))} — "
            f"{escape(packet_outcome(steps))}</h3>"
            f"{svg.swimlane_svg(steps)}"
            f"<p>Click a step to see the sk_buff at that point.</p>"
            f"<div id='skbpic-{pkt}'></div><pre id='stepinfo-{pkt}'></pre>"
            "<table><tr><th>#</th><th>time</th><th>skb</th><th>cpu</th><th>netns</th>"
            "<th>dev</th><th>len</th><th>function</th><th>caller</th><th>changed</th></tr>"
            + "".join(rows) + "</table></section>")


def _route_section(world: World, tracer: journey_tracer) -> str:
    out = []
    k = world.kernel
    for q in tracer.routes.values():
        net = world.netns_get(q.netns) if q.netns else world.init_net
        if net is None:
            continue
        text = k.run_task(explain.explain_route, net, q.daddr, q.saddr, q.iif, "", q.tos,
                          q.mark)
        where = f"iif {q.iif}" if q.iif else "sent locally"
        out.append(f"<h4>{escape(q.netns or 'init_net')}: {escape(explain.ntoa(q.daddr))} "
                   f"from {escape(explain.ntoa(q.saddr))} {escape(where)}</h4>"
                   f"<pre>{escape(text)}</pre>")
    return "".join(out) or "<p>No route lookups were traced.</p>"


def _state_section(world: World) -> str:
    out = []
    for name in ["", *world.netns_names()]:
        net = world.netns(name)
        neigh = world.run_argv(net, ["ip", "neigh", "show"]).stdout
        snmp = world.run_argv(net, ["cat", "/proc/net/snmp"]).stdout
        out.append(f"<h4>{escape(name or 'init_net')}</h4><pre>ip neigh show\n{escape(neigh)}"
                   f"</pre><pre>cat /proc/net/snmp\n{escape(snmp)}</pre>")
    return "".join(out)


def build_report(world: World, tracer: journey_tracer, title: str = "skbuff run") -> str:
    """The whole page as a string. Process context (runs route explanations as tasks)."""
    lineages = tracer.lineages()
    templates = []
    for ev in tracer.events[:MAX_PICTURES]:
        templates.append(f"<template id='pic-{ev.seq}'>{svg.skb_layout_svg(ev)}</template>")
    nav = "".join(
        f"<li data-pkt='{pkt}'>{pkt}: {escape(render_text.fmt_tuple(steps[0]))} "
        f"[{escape(packet_outcome(steps))}]</li>" for pkt, steps in lineages.items())
    sections = "".join(_packet_section(pkt, steps) for pkt, steps in lineages.items())
    drops = tracer.drops()
    drop_rows = "".join(
        f"<tr><td>{ev.seq}</td><td>{render_text.fmt_time(ev.ns)}</td>"
        f"<td>{escape(ev.netns or 'init_net')}</td><td>{escape(ev.reason)}</td>"
        f"<td>{escape(ev.location)}</td><td class='cause'>{escape(ev.explanation)}</td></tr>"
        for ev in drops)
    summary = "".join(f"<tr><td>{escape(r)}</td><td>{escape(f)}</td><td>{n}</td></tr>"
                      for (r, f), n in sorted(tracer.drop_summary().items()))
    end_ns = world.kernel.now_ns
    lost = f"<p>{tracer.lost} steps were not recorded (limit).</p>" if tracer.lost else ""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<nav><h3>{escape(title)}</h3><p>{len(lineages)} packets, {len(tracer.events)} "
        f"steps, {len(drops)} drops</p><ul id='packet-list'>{nav}</ul></nav><main>"
        f"<h2 id='packets'>Packets</h2>{lost}<p>Choose a packet on the left.</p>{sections}"
        f"<h2 id='drops'>Drops</h2><table><tr><th>reason</th><th>function</th><th>count</th>"
        f"</tr>{summary}</table><br><table><tr><th>#</th><th>time</th><th>netns</th>"
        f"<th>reason</th><th>location</th><th>cause</th></tr>{drop_rows}</table>"
        f"<h2 id='routes'>Route decisions</h2><p>Re-evaluated against the state at the end of "
        f"the run.</p>{_route_section(world, tracer)}"
        f"<h2 id='neighbours'>Neighbours</h2>{svg.nud_timeline_svg(tracer.nud, end_ns)}"
        f"<h2 id='cpus'>CPUs, NAPI and softirqs</h2>{svg.napi_timeline_svg(tracer.cpu_events)}"
        f"<h2 id='state'>Neighbour tables and counters at the end</h2>{_state_section(world)}"
        f"{''.join(templates)}<script>{JS}</script></main></body></html>\n")
