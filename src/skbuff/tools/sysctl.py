"""`sysctl` (procps-ng 4.0): read, write (-w or NAME=VALUE), -n/-N/-e/-q, -a with -r PATTERN,
-p FILE, over the kernel's sysctl registry as seen from one namespace.

procps-ng: src/sysctl.c (ReadSetting, WriteSetting, DisplayAll, Preload).
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skbuff.tools.common import Output, Result

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = """
Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
"""
VERSION = "sysctl from procps-ng 4.0.2\n"
_LONG_OPTS = {"--all": "a", "--binary": "b", "--ignore": "e", "--names": "N", "--values": "n",
              "--quiet": "q", "--write": "w", "--help": "h", "--version": "V", "--pattern": "r",
              "--load": "p"}


@dataclass
class _Opts:
    names_only: bool = False
    values_only: bool = False
    ignore: bool = False
    quiet: bool = False
    write: bool = False
    binary: bool = False
    pattern: re.Pattern[str] | None = None


def _dotted(name: str) -> str:
    return name.replace("/", ".")


def _slashed(name: str) -> str:
    return name.replace(".", "/")


class _Sysctl:
    """One invocation's state: the namespace, the options and the output."""

    def __init__(self, net: Net, opts: _Opts, out: Output) -> None:
        self.net = net
        self.reg = net.kernel.sysctl
        self.opts = opts
        self.out = out

    def show(self, name: str, value: str) -> None:
        o = self.opts
        if o.pattern is not None and not o.pattern.search(name):
            return
        if o.names_only:
            self.out.write(name + "\n")
        elif o.values_only:
            self.out.write(value if o.binary else value + "\n")
        else:
            self.out.write(f"{name} = {value}\n")

    def read(self, name: str) -> int:
        """procps: ReadSetting (a directory lists everything below it)."""
        name = _dotted(name)
        if self.reg.is_dir(self.net, name):
            return self.display_all(name + ".")
        if self.reg.lookup(self.net, name) is None:
            if self.opts.ignore:
                return 0
            self.out.ewrite(f"sysctl: cannot stat /proc/sys/{_slashed(name)}: "
                            "No such file or directory\n")
            return 1
        try:
            value = self.reg.read(self.net, name)
        except OSError as e:
            return self._error(name, e.errno or 0, reading=True)
        self.show(name, value)
        return 0

    def display_all(self, prefix: str = "") -> int:
        """procps: DisplayAll."""
        rc = 0
        for name in self.reg.names(self.net):
            if not name.startswith(prefix):
                continue
            try:
                value = self.reg.read(self.net, name)
            except OSError:
                continue
            self.show(name, value)
        return rc

    def write(self, setting: str) -> int:
        """procps: WriteSetting. `setting` is NAME=VALUE."""
        name, _, value = setting.partition("=")
        name = _dotted(name.strip())
        value = value.strip()
        if not name:
            self.out.ewrite(f'sysctl: malformed setting "{setting}"\n')
            return 1
        if self.reg.lookup(self.net, name) is None:
            if self.opts.ignore or (self.reg.is_dir(self.net, name) and False):
                return 0
            self.out.ewrite(f"sysctl: cannot stat /proc/sys/{_slashed(name)}: "
                            "No such file or directory\n")
            return 1
        try:
            self.reg.write(self.net, name, value)
        except OSError as e:
            return self._error(name, e.errno or 0, reading=False)
        if not self.opts.quiet:
            self.show(name, value)
        return 0

    def _error(self, name: str, err: int, reading: bool) -> int:
        if err == errno.EACCES:
            self.out.ewrite(f'sysctl: permission denied on key "{name}"\n')
        elif reading:
            self.out.ewrite(f'sysctl: reading key "{name}": {os.strerror(err)}\n')
        else:
            self.out.ewrite(f'sysctl: setting key "{name}": {os.strerror(err)}\n')
        return 1

    def preload(self, path: str) -> int:
        """procps: Preload. Lines NAME = VALUE; '#'/';' comments; '-NAME' ignores errors."""
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except OSError:
            self.out.ewrite(f'sysctl: cannot open "{path}": No such file or directory\n')
            return 1
        rc = 0
        for n, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            ignore = line.startswith("-")
            if ignore:
                line = line[1:]
            if "=" not in line:
                self.out.ewrite(f"sysctl: {path}({n}): invalid syntax, continuing...\n")
                continue
            saved = self.opts.ignore
            self.opts.ignore = saved or ignore
            rc |= self.write(line)
            self.opts.ignore = saved
        return rc


def sysctl_main(world: World, net: Net, argv: list[str]) -> Result:
    """Run `sysctl ARGV...` in `net`; never raises for bad input."""
    out = Output()
    opts = _Opts()
    show_all = False
    load: list[str] = []
    args: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            args.extend(argv[i + 1:])
            break
        if arg.startswith("--"):
            key, eq, val = arg.partition("=")
            flag = _LONG_OPTS.get(key)
            if flag is None:
                out.ewrite(f"sysctl: unrecognized option '{arg}'\n")
                out.ewrite(USAGE)
                return out.result(1)
            flags = flag
            if eq and flag in "rp":
                argv = [*argv[: i + 1], val, *argv[i + 1:]]
        elif arg.startswith("-") and len(arg) > 1:
            flags = arg[1:]
        else:
            args.append(arg)
            i += 1
            continue
        for j, ch in enumerate(flags):
            rest = flags[j + 1:]
            if ch in "aAX":
                show_all = True
            elif ch == "b":
                opts.binary = True
            elif ch == "e":
                opts.ignore = True
            elif ch == "N":
                opts.names_only = True
            elif ch == "n":
                opts.values_only = True
            elif ch == "q":
                opts.quiet = True
            elif ch == "w":
                opts.write = True
            elif ch in "ox":
                pass
            elif ch in "hd":
                out.write(USAGE)
                return out.result(0)
            elif ch == "V":
                out.write(VERSION)
                return out.result(0)
            elif ch in "pf":
                if rest:
                    load.append(rest)
                elif i + 1 < len(argv) and not argv[i + 1].startswith("-") and \
                        "=" not in argv[i + 1]:
                    i += 1
                    load.append(argv[i])
                else:
                    load.append("/etc/sysctl.conf")
                break
            elif ch == "r":
                pat = rest
                if not pat:
                    if i + 1 >= len(argv):
                        out.ewrite("sysctl: option requires an argument -- 'r'\n" + USAGE)
                        return out.result(1)
                    i += 1
                    pat = argv[i]
                try:
                    opts.pattern = re.compile(pat)
                except re.error:
                    out.ewrite(f'sysctl: unable to parse pattern "{pat}"\n')
                    return out.result(1)
                break
            else:
                out.ewrite(f"sysctl: invalid option -- '{ch}'\n" + USAGE)
                return out.result(1)
        i += 1
    s = _Sysctl(net, opts, out)
    rc = 0
    if load:
        for path in load:
            rc |= s.preload(path)
        return out.result(rc)
    if show_all:
        return out.result(s.display_all())
    if not args:
        out.ewrite("sysctl: no variables specified\n"
                   "Try `sysctl --help' for more information.\n")
        return out.result(1)
    for arg in args:
        if "=" in arg:
            rc |= s.write(arg)
        elif opts.write:
            out.ewrite("sysctl: command line(0): invalid syntax, continuing...\n")
            rc = 1
        else:
            rc |= s.read(arg)
    return out.result(rc)
