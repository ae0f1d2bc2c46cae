"""Run a documentation page as a reader would: its commands, its edits, its printed output.

A page is checked block by block, in order, inside a scratch copy of the repository's
`examples/` directory (so the edits a tutorial asks for never touch the real files):

- A ```` ```console ```` block holds `$ COMMAND` lines, each followed by the output it must print
  (stdout then stderr, as a terminal shows them). An output line `...` stands for any number
  of lines. `skbuff …` runs the command line in-process (`skbuff.cli.main`); `python FILE …`
  runs the file as `__main__`; anything else goes to bash. With MDRUN_SUBPROCESS=1 in the
  environment every command goes to bash, exactly as a reader's shell would run it.
- A ```` ```diff ```` block (`--- a/PATH`, `+++ b/PATH`, then ` `/`-`/`+` lines) is an edit the
  reader makes: the `-`/context lines must occur exactly once in PATH and become the
  `+`/context lines.
- A code block right after `<!-- file: PATH -->` must be exactly PATH's contents (the page
  shows the real file).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w*)\s*$")
FILE_MARK = re.compile(r"^<!-- file: (\S+) -->\s*$")


@dataclass
class Block:
    """One fenced block of a page: its info string, first line number, text, file mark."""

    kind: str
    lineno: int
    text: str
    file: str | None


def blocks(page: str) -> list[Block]:
    """The fenced blocks of a markdown page, in order."""
    out: list[Block] = []
    lines = page.splitlines()
    i = 0
    mark: str | None = None
    while i < len(lines):
        m = FILE_MARK.match(lines[i])
        if m:
            mark = m.group(1)
            i += 1
            continue
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                mark = None
            i += 1
            continue
        start = i + 1
        i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        out.append(Block(m.group(1), start, "\n".join(body) + "\n", mark))
        mark = None
        i += 1
    return out


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    """contextlib.chdir (Python 3.11), which PyPy 3.9 lacks."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_command(cmd: str, cwd: Path) -> str:
    """Run one console command in `cwd`; what a terminal shows (stdout, then stderr)."""
    argv = shlex.split(cmd)
    if argv[0] not in ("skbuff", "python") or os.environ.get("MDRUN_SUBPROCESS"):
        proc = subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True,
                              check=False)
        return proc.stdout + proc.stderr
    out, err = io.StringIO(), io.StringIO()
    saved_argv, saved_path = sys.argv, list(sys.path)
    # Example modules already imported (by a test, from the repository) must not stand in for
    # the scratch copy's: hide them during the run, drop what the run imported, restore.
    roots = (str(cwd.resolve()), str(REPO / "examples"))
    shadowed = {name: mod for name, mod in sys.modules.items()
                if str(getattr(mod, "__file__", "") or "").startswith(roots)}
    for name in shadowed:
        del sys.modules[name]
    with _chdir(cwd), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            if argv[0] == "skbuff":
                from skbuff import cli

                cli.main(argv[1:])
            else:
                sys.argv = argv[1:]
                sys.path.insert(0, str((cwd / argv[1]).parent))
                runpy.run_path(argv[1], run_name="__main__")
        except SystemExit:
            pass
        finally:
            sys.argv, sys.path[:] = saved_argv, saved_path
            for name in [n for n, mod in sys.modules.items()
                         if str(getattr(mod, "__file__", "") or "").startswith(roots)]:
                del sys.modules[name]
            sys.modules.update(shadowed)
    return out.getvalue() + err.getvalue()


def output_matches(expected: list[str], got: list[str]) -> bool:
    """Line-by-line equality (trailing blanks ignored) where `...` matches any run of lines."""
    if not expected:
        return not got
    if expected[0] == "...":
        return any(output_matches(expected[1:], got[i:]) for i in range(len(got) + 1))
    return bool(got) and expected[0].rstrip() == got[0].rstrip() and \
        output_matches(expected[1:], got[1:])


def console_steps(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each `$ ` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def apply_diff(root: Path, text: str) -> None:
    """Apply a one-file diff block to the file under `root` (see the module docstring)."""
    lines = text.splitlines()
    if not (lines[0].startswith("--- a/") and lines[1].startswith("+++ b/")):
        raise AssertionError(f"diff block must start with ---/+++ headers: {lines[:2]}")
    path = root / lines[1][len("+++ b/"):]
    src = path.read_text()
    hunks: list[list[str]] = [[]]
    for ln in lines[2:]:
        if ln.startswith("@@"):
            hunks.append([])
        else:
            hunks[-1].append(ln)
    for hunk in filter(None, hunks):
        old = "".join(ln[1:] + "\n" for ln in hunk if ln[:1] in (" ", "-", ""))
        new = "".join(ln[1:] + "\n" for ln in hunk if ln[:1] in (" ", "+", ""))
        if src.count(old) != 1:
            raise AssertionError(f"{path}: the diff's old text occurs {src.count(old)} times:\n"
                                 f"{old}")
        src = src.replace(old, new)
    path.write_text(src)


def check_page(page: Path, scratch: Path) -> list[str]:
    """Follow `page` in a scratch copy of examples/; returns the mismatches (empty: all good)."""
    shutil.copytree(REPO / "examples", scratch / "examples",
                    ignore=shutil.ignore_patterns("__pycache__"))
    problems: list[str] = []
    for b in blocks(page.read_text()):
        where = f"{page.name}:{b.lineno}"
        if b.file is not None:
            shown = scratch / b.file
            real = (shown if shown.exists() else REPO / b.file).read_text()
            if b.text != real:
                problems.append(f"{where}: block differs from {b.file}")
        if b.kind == "diff":
            apply_diff(scratch, b.text)
        elif b.kind == "console":
            for cmd, expected in console_steps(b.text):
                got = run_command(cmd, scratch).splitlines()
                if not output_matches(expected, got):
                    problems.append(f"{where}: $ {cmd}\n--- expected\n" + "\n".join(expected)
                                    + "\n--- got\n" + "\n".join(got))
    return problems


def update_page(page: Path, scratch: Path) -> None:
    """Rewrite `page`'s console outputs with what the commands print now (for authors: review
    the diff before keeping it). Blocks using `...` are left alone."""
    shutil.copytree(REPO / "examples", scratch / "examples",
                    ignore=shutil.ignore_patterns("__pycache__"))
    lines = page.read_text().splitlines()
    out: list[str] = []
    i = 0
    for b in blocks(page.read_text()):
        out.extend(lines[i:b.lineno])
        i = b.lineno + len(b.text.splitlines())
        body = b.text.splitlines()
        if b.kind == "diff":
            apply_diff(scratch, b.text)
        elif b.kind == "console" and "..." not in body:
            body = []
            for cmd, _ in console_steps(b.text):
                body.append(f"$ {cmd}")
                body.extend(ln.rstrip() for ln in run_command(cmd, scratch).splitlines())
        out.extend(body)
    out.extend(lines[i:])
    page.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    import tempfile

    for arg in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            update_page(Path(arg), Path(tmp))
