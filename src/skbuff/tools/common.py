"""What every user-facing tool shares: its result, and the early exit of a failing command."""

from __future__ import annotations

import getopt
import re
import shlex
from dataclasses import dataclass

from skbuff.compat import slotted

# Simulated time a command that runs until ^C (ping or arping without -c/-w, a foreground
# tcpdump or `ip monitor`) gets in a script before it is interrupted, as a user would.
FOREGROUND_NS = 10 * 1_000_000_000


@slotted
@dataclass
class Result:
    """One command's outcome, as a shell sees it: exit status and the text it printed."""

    status: int = 0
    stdout: str = ""
    stderr: str = ""


class ToolExit(Exception):
    """A tool stops here (iproute2's exit()): `status` and what it writes to stderr."""

    def __init__(self, status: int, stderr: str = "") -> None:
        super().__init__(stderr)
        self.status = status
        self.stderr = stderr


class Output:
    """The stdout/stderr buffers one tool invocation writes to."""

    __slots__ = ("err", "out")

    def __init__(self) -> None:
        self.out: list[str] = []
        self.err: list[str] = []

    def write(self, text: str) -> None:
        self.out.append(text)

    def ewrite(self, text: str) -> None:
        self.err.append(text)

    def result(self, status: int) -> Result:
        return Result(status, "".join(self.out), "".join(self.err))


def gnu_getopt(prog: str, argv: list[str], shortopts: str,
               longopts: list[str] | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """glibc getopt_long (permuting): (options, operands), or ToolExit(2) with glibc's
    "PROG: invalid option -- 'x'" / "PROG: option requires an argument -- 'x'" text."""
    try:
        return getopt.gnu_getopt(argv, shortopts, longopts or [])
    except getopt.GetoptError as e:
        opt = e.opt
        if len(opt) > 1:
            what = "unrecognized option" if "not recognized" in e.msg else \
                "option requires an argument"
            raise ToolExit(2, f"{prog}: {what} '--{opt}'\n") from None
        what = "option requires an argument" if "requires argument" in e.msg else \
            "invalid option"
        raise ToolExit(2, f"{prog}: {what} -- '{opt}'\n") from None


_SHELL_SPECIAL = re.compile(r"[\"'\\#]")


INT_MAX = 2**31 - 1


def strtol_or_err(prog: str, text: str, lo: int, hi: int = INT_MAX) -> int:
    """A decimal option value in [lo, hi], or iputils' error (status 1) naming `prog`.

    iputils: iputils_common.c strtol_or_err."""
    try:
        v = int(text, 10)
    except ValueError:
        raise ToolExit(1, f"{prog}: invalid argument: '{text}'\n") from None
    if not lo <= v <= hi:
        raise ToolExit(1, f"{prog}: invalid argument: '{text}': out of range: "
                          f"{lo} <= value <= {hi}\n")
    return v


def shell_split(line: str) -> list[str]:
    """shlex.split(line, comments=True), with a fast path for the common line that has no
    quote, backslash or comment (a 1,000,000-line batch spends a third of its time in shlex).
    Raises ValueError as shlex does."""
    if _SHELL_SPECIAL.search(line) is None:
        return line.split()
    return shlex.split(line, comments=True)
