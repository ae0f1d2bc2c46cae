"""Decision records: why a route lookup chose what it chose (skbuff extension, no kernel twin).

A `DecisionRecord` hangs off `flowi4.decision`. Lookup sites record only when it is set:
rules and route.c (owner "route") record rules, tables, the source choice and the result;
fib_table_lookup (owner "fib") records the prefixes, aliases and nexthops it considered.
Entries keep call order; `to_text()` renders them for people, `to_dict()` for JSON tracers.
"""

from __future__ import annotations

from typing import Any

from skbuff.uapi.inet import ntoa


class DecisionRecord:
    """An ordered list of decision steps. Each step is a dict with a "kind" key."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []

    def rule(self, pref: int, rule_desc: str, matched: bool, why: str, action: str) -> None:
        """A policy rule was tried (fib_rules_lookup)."""
        self.steps.append({"kind": "rule", "pref": pref, "rule": rule_desc,
                           "matched": matched, "why": why, "action": action})

    def table(self, tb_id: int) -> None:
        """A FIB table is about to be searched."""
        self.steps.append({"kind": "table", "table": tb_id})

    def prefix(self, tb_id: int, prefix: int, plen: int, considered: bool, why: str) -> None:
        """A trie prefix was examined (fib_table_lookup)."""
        self.steps.append({"kind": "prefix", "table": tb_id, "prefix": prefix, "plen": plen,
                           "considered": considered, "why": why})

    def alias(self, tb_id: int, prefix: int, plen: int, desc: str, taken: bool, why: str) -> None:
        """A fib_alias under a prefix was accepted or skipped."""
        self.steps.append({"kind": "alias", "table": tb_id, "prefix": prefix, "plen": plen,
                           "desc": desc, "taken": taken, "why": why})

    def nexthop(self, desc: str, taken: bool, why: str) -> None:
        """A nexthop was accepted or skipped."""
        self.steps.append({"kind": "nexthop", "desc": desc, "taken": taken, "why": why})

    def source(self, addr: int, why: str) -> None:
        """The source address was chosen."""
        self.steps.append({"kind": "source", "addr": addr, "why": why})

    def result(self, desc: str) -> None:
        """The final outcome (a dst, or an error)."""
        self.steps.append({"kind": "result", "desc": desc})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: {"steps": [...]}, addresses as dotted quads."""
        out = []
        for s in self.steps:
            d = dict(s)
            if "prefix" in d:
                d["prefix"] = ntoa(d["prefix"])
            if "addr" in d:
                d["addr"] = ntoa(d["addr"])
            out.append(d)
        return {"steps": out}

    def to_text(self) -> str:
        """One line per step, indented under the table being searched."""
        lines = []
        for s in self.steps:
            kind = s["kind"]
            if kind == "rule":
                mark = "match" if s["matched"] else "skip"
                lines.append(f"rule {s['pref']}: {s['rule']} -> {mark} ({s['why']})"
                             + (f", {s['action']}" if s["matched"] else ""))
            elif kind == "table":
                lines.append(f"  table {s['table']}")
            elif kind == "prefix":
                mark = "considered" if s["considered"] else "skipped"
                lines.append(f"    prefix {ntoa(s['prefix'])}/{s['plen']}: {mark} ({s['why']})")
            elif kind == "alias":
                mark = "taken" if s["taken"] else "skipped"
                lines.append(f"      alias {s['desc']}: {mark} ({s['why']})")
            elif kind == "nexthop":
                mark = "taken" if s["taken"] else "skipped"
                lines.append(f"        nexthop {s['desc']}: {mark} ({s['why']})")
            elif kind == "source":
                lines.append(f"source {ntoa(s['addr'])} ({s['why']})")
            else:
                lines.append(f"result: {s['desc']}")
        return "\n".join(lines)
