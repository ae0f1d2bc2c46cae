"""Every kernel-side module says what it is, and every kernel name in it cites its source.

Scope: the modules under src/skbuff/{net,drivers,kernel}. Each has a module docstring. Each
public module-level function and class (and each `__foo` helper) whose name is a kernel-style
name — lower_case or UPPER_CASE, as the kernel spells structs, functions and macros — has a
docstring citing where it comes from: `Kernel: <path> [<name>]`, or `Kernel <version>: <path>`
for the classic route cache that only older kernels have. CapWords names (`Kernel`, `Net`,
`CPU`, `KernelBug`) are skbuff's own by convention and are not checked. The few skbuff-only
helpers that still wear kernel-style names are listed in ALLOWED, each with its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "skbuff"
ROOTS = ("net", "drivers", "kernel")
CITATION = re.compile(
    r"Kernel(?: \d+(?:\.\d+)*)?:\s+(?:include|net|drivers|kernel|lib|fs|mm|arch)/\S+")
CAPWORDS = re.compile(r"^[A-Z][A-Za-z0-9]*$")

# Simulated hardware and its glue: the simnic controller has no kernel twin.
ALLOWED_PREFIXES: dict[str, str] = {
    "simnic_": "the simulated NIC's hardware model and set-up helpers (no kernel twin)",
    "fib_info_memo": "fib_create_info's memo for bulk route loads (skbuff's, no kernel twin)",
}
ALLOWED: dict[str, str] = {
    "nud_allowed": "query over skbuff's documented NUD transition table",
    "nud_dot": "draws skbuff's NUD transition table as Graphviz",
    "skb_track": "skb_debug allocation record (kmemleak-style debugging aid)",
    "skb_data": "accessor for the linear bytes [data, tail) as a memoryview",
    "skb_leak_report": "skb_debug report of live skbs (kmemleak-style debugging aid)",
    "nhc_desc": "text of a nexthop for decision records (`ip route explain`)",
    "fa_desc": "text of a fib alias for decision records (`ip route explain`)",
    "fib_batch_table": "vectorised DIR-24-8 copy of a table (skbuff extension)",
    "fib_table_lookup_batch": "vectorised lookup over fib_batch_table (skbuff extension)",
    "rt_timer": "a timer_list bound to its ip_rt_globals (stands in for from_timer)",
    "rt_nh_cache_enabled": "tests skbuff's route cache_mode knob",
    "rt_cache_mode_write": "handler of skbuff's route cache_mode knob",
    "ipv4_sysctl_cache_mode": "registers skbuff's route cache_mode knob (not a kernel sysctl)",
    "packet_record": "one captured frame as the capture tools store it",
    "current_kernel": "the simulator's `current` (which simulated kernel is running)",
    "current_kernel_or_none": "the simulator's `current`, None outside any kernel",
    "set_current": "switches the simulator's `current` kernel",
    "reset_current": "restores the simulator's previous `current` kernel",
    "deliver_irq": "simulated hardware raising a line on a CPU",
    "ns_to_jiffies": "simulated clock: nanoseconds since boot to jiffies_64",
    "jiffy_to_ns": "simulated clock: the nanosecond a jiffy starts",
    "proc_sys_name": "maps a /proc/sys path to a sysctl name for the tools",
    "read_proc": "reads the simulated /proc for the tools",
    "proc_listdir": "lists the simulated /proc for completion",
    "ctl_buf": "the user buffer handed to a simulated proc handler",
}


def _modules() -> list[Path]:
    return sorted(p for root in ROOTS for p in (SRC / root).rglob("*.py")
                  if not any(part.startswith(".") for part in p.relative_to(SRC).parts))


def _kernel_style(name: str) -> bool:
    if name.startswith("__") and name.endswith("__"):
        return False
    if name.startswith("_") and not name.startswith("__"):
        return False
    return not CAPWORDS.match(name)


def _allowed(name: str) -> bool:
    return name in ALLOWED or any(name.startswith(p) for p in ALLOWED_PREFIXES)


def _defs(path: Path) -> tuple[ast.Module, list[ast.FunctionDef | ast.ClassDef]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return tree, [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


MODULES = _modules()


def test_scope_is_not_empty() -> None:
    assert len(MODULES) > 50
    assert SRC / "net" / "ipv4" / "route.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_has_docstring(path: Path) -> None:
    tree, _ = _defs(path)
    assert ast.get_docstring(tree), f"{path.relative_to(SRC)}: no module docstring"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_kernel_names_cite_their_source(path: Path) -> None:
    _, defs = _defs(path)
    missing = [f"{n.name} (line {n.lineno})" for n in defs
               if _kernel_style(n.name) and not _allowed(n.name)
               and not CITATION.search(ast.get_docstring(n) or "")]
    assert not missing, f"{path.relative_to(SRC)}: no `Kernel: <path>` citation: {missing}"


def test_allow_list_is_live() -> None:
    """Every allowed name exists, is kernel-style, and still has no citation: a name that
    gained one (or went away) leaves the list."""
    uncited: set[str] = set()
    for path in MODULES:
        _, defs = _defs(path)
        uncited.update(n.name for n in defs
                       if _kernel_style(n.name) and not CITATION.search(ast.get_docstring(n) or ""))
    assert set(ALLOWED) <= uncited, sorted(set(ALLOWED) - uncited)
    for prefix in ALLOWED_PREFIXES:
        assert any(name.startswith(prefix) for name in uncited), prefix


def test_rules() -> None:
    assert _kernel_style("ip_route_input_noref")
    assert _kernel_style("IN_DEV_FORWARD")
    assert _kernel_style("__ip_dev_find")
    assert not _kernel_style("Net")
    assert not _kernel_style("_helper")
    assert not _kernel_style("__init__")
    assert CITATION.search("Kernel: net/ipv4/route.c ip_route_input_slow.")
    assert CITATION.search("Kernel 2.6.32: net/ipv4/route.c rt_intern_hash.")
    assert not CITATION.search("Kernel: route.c")
    assert not CITATION.search("struct sock.")
