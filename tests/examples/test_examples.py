"""The example scripts themselves: shared parts stay identical, every script ends well."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from tests.examples import mdrun

from skbuff.sim import script
from skbuff.sim.world import World

WRONG = mdrun.REPO / "examples" / "wrong_interface"
SCENARIOS = sorted(p.name for p in WRONG.glob("?_*.sh"))


def test_six_scenarios() -> None:
    assert [s[0] for s in SCENARIOS] == list("abcdef")


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_starts_with_the_topology_and_ends_fixed(name: str) -> None:
    text = (WRONG / name).read_text()
    assert text.startswith((WRONG / "topology.sh").read_text())
    out, err = io.StringIO(), io.StringIO()
    script.run_script(World(), text, name, out, err, keep_going=True)
    pings = out.getvalue().split("--- 10.20.0.1 ping statistics ---")
    assert len(pings) == 3  # the broken ping, then the one after the fix
    assert "1 received" not in pings[1] and "1 received, 0% packet loss" in pings[2]
    assert not err.getvalue()


def test_topology_alone_reaches_the_servers() -> None:
    w = World()
    out, err = io.StringIO(), io.StringIO()
    text = (WRONG / "topology.sh").read_text() + "ip netns exec h1 ping -c 1 10.20.0.1\n"
    assert script.run_script(w, text, "topology.sh", out, err) == 0, err.getvalue()
    assert "1 received, 0% packet loss" in out.getvalue()


def test_examples_are_where_the_docs_say(tmp_path: Path) -> None:
    shown = {b.file for page in (mdrun.REPO / "docs").rglob("*.md")
             for b in mdrun.blocks(page.read_text()) if b.file}
    assert {"examples/corruption/hello.py", "examples/napi_driver/mynic.py",
            "examples/wrong_interface/topology.sh"} <= shown
    assert all((mdrun.REPO / f).is_file() for f in shown)


def test_every_command_is_documented() -> None:
    """docs/commands.md lists every command a script can run: the built-ins and every
    `skbuff.tools.<name>` module with a `main`."""
    import importlib
    import pkgutil

    import skbuff.tools

    names = set(script.tool_names(World()))
    for mod in pkgutil.iter_modules(skbuff.tools.__path__):
        if not mod.ispkg and hasattr(importlib.import_module(f"skbuff.tools.{mod.name}"), "main"):
            names.add(mod.name)
    table = (mdrun.REPO / "docs" / "commands.md").read_text()
    rows = {cell.strip() for line in table.splitlines() if line.startswith("| `")
            for cell in line.split("|")[1].split(",")}
    missing = sorted(n for n in names if f"`{n}`" not in rows)
    assert not missing, f"commands.md does not list: {missing}"
