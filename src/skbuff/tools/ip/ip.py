"""`ip`: global options, the object table and `-batch`. iproute2: ip/ip.c (main, do_cmd,
batch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from skbuff.tools.common import Output, Result, ToolExit, shell_split
from skbuff.tools.ip import addr, ipnetconf, link, monitor, neigh, netns, nexthop, route, rule
from skbuff.tools.ip.utils import Args, IpCtx, matches
from skbuff.uapi.rtnetlink import AF_INET, AF_UNSPEC

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = (
    "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n"
    "       ip [ -force ] -batch filename\n"
    "where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |\n"
    "                   link | macsec | maddress | monitor | mptcp | mroute | mrule |\n"
    "                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n"
    "                   ntbl | route | rule | sr | tap | tcpmetrics |\n"
    "                   token | tunnel | tuntap | vrf | xfrm }\n"
    "       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n"
    "                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n"
    "                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n"
    "                    -4 | -6 | -M | -B | -0 |\n"
    "                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n"
    "                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n"
    "                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n"
    "                    -c[olor]}\n"
)
VERSION = "ip utility, iproute2-6.1.0, libbpf 1.1.2\n"

Handler = Callable[[IpCtx, list[str]], None]

# ip/ip.c cmds[], in order: the first entry an abbreviation matches wins.
_OBJECTS: tuple[tuple[str, Handler | None], ...] = (
    ("address", addr.do_ipaddr), ("addrlabel", None), ("maddress", None),
    ("route", route.do_iproute), ("rule", rule.do_iprule), ("neighbor", neigh.do_ipneigh),
    ("neighbour", neigh.do_ipneigh), ("ntable", None), ("ntbl", None),
    ("link", link.do_iplink), ("l2tp", None), ("fou", None), ("ila", None), ("macsec", None),
    ("tunnel", None), ("tunl", None), ("tuntap", None), ("tap", None), ("token", None),
    ("tcpmetrics", None), ("tcp_metrics", None), ("monitor", monitor.do_ipmonitor),
    ("xfrm", None),
    ("mroute", None), ("mrule", None), ("netns", netns.do_netns),
    ("netconf", ipnetconf.do_ipnetconf),
    ("vrf", None), ("sr", None), ("nexthop", nexthop.do_ipnh), ("mptcp", None), ("ioam", None),
    ("help", None), ("stats", None),
)


def _abbreviations(
        entries: tuple[tuple[str, Handler | None], ...]) -> dict[str, tuple[str, Handler | None]]:
    """Every abbreviation (prefix) of every name → the first entry it abbreviates: the
    first-match rule of matches() over `entries`, tabulated once."""
    table: dict[str, tuple[str, Handler | None]] = {}
    for entry in entries:
        for n in range(len(entry[0]) + 1):
            table.setdefault(entry[0][:n], entry)
    return table


_OBJECT_BY_PREFIX = _abbreviations(_OBJECTS)


def _object(obj: str) -> str | None:
    """The OBJECT an abbreviation names: the first entry of cmds[] it matches."""
    entry = _OBJECT_BY_PREFIX.get(obj)
    return None if entry is None else entry[0]


def do_cmd(ctx: IpCtx, argv: list[str]) -> None:
    """Dispatch one OBJECT command: the first object name `argv[0]` abbreviates.

    iproute2: ip/ip.c do_cmd."""
    obj = argv[0]
    entry = _OBJECT_BY_PREFIX.get(obj)
    if entry is None:
        raise ToolExit(1, f'Object "{obj}" is unknown, try "ip help".\n')
    name, fn = entry
    if name == "help":
        raise ToolExit(255, USAGE)
    if fn is None:
        raise ToolExit(1, f'skbuff: "ip {name}" is not implemented.\n')
    fn(ctx, argv[1:])


def _parse_options(ctx: IpCtx, argv: list[str]) -> tuple[list[str], str | None, str | None]:
    """The leading -options. Returns (rest, batch file, netns name). iproute2: ip/ip.c main."""
    batch: str | None = None
    ns: str | None = None
    a = Args(argv)
    while a and a.cur.startswith("-"):
        opt = a.cur
        if opt == "--":
            a.advance()
            break
        if opt.startswith("--"):
            opt = opt[1:]
        if matches(opt, "-loops"):
            a.next_arg()
        elif matches(opt, "-family"):
            fam = a.next_arg()
            if fam != "inet":
                raise ToolExit(1, f'skbuff: family "{fam}" is not supported (IPv4 only).\n')
            ctx.family = AF_INET
        elif opt == "-4":
            ctx.family = AF_INET
        elif opt in ("-6", "-0", "-M", "-B"):
            raise ToolExit(1, f'skbuff: option "{opt}" is not supported (IPv4 only).\n')
        elif matches(opt, "-human") or matches(opt, "-human-readable") or matches(opt, "-iec"):
            pass
        elif matches(opt, "-stats") or matches(opt, "-statistics"):
            ctx.stats += 1
        elif matches(opt, "-details"):
            ctx.details += 1
        elif matches(opt, "-resolve"):
            pass
        elif matches(opt, "-oneline"):
            ctx.oneline = True
        elif matches(opt, "-timestamp"):
            ctx.timestamp += 1
        elif matches(opt, "-tshort"):
            ctx.timestamp += 1
            ctx.tshort = True
        elif matches(opt, "-Version"):
            ctx.out.write(VERSION)
            raise ToolExit(0)
        elif matches(opt, "-force"):
            ctx.force = True
        elif matches(opt, "-batch"):
            batch = a.next_arg()
        elif matches(opt, "-brief"):
            ctx.brief = True
        elif matches(opt, "-json"):
            ctx.json = True
        elif matches(opt, "-pretty"):
            ctx.pretty = True
        elif matches(opt, "-rcvbuf"):
            a.next_arg()
        elif matches(opt, "-color"):
            pass
        elif matches(opt, "-help"):
            raise ToolExit(255, USAGE)
        elif matches(opt, "-netns"):
            if a.peek() is None:
                raise ToolExit(255, 'Cannot open network namespace "(null)": '
                               "No such file or directory\n")
            ns = a.next_arg()
        elif matches(opt, "-Numeric") or matches(opt, "-all") or matches(opt, "-echo"):
            pass
        else:
            raise ToolExit(255, f'Option "{a.cur}" is unknown, try "ip -help".\n')
        a.advance()
    return argv[a.i:], batch, ns


def _batch(ctx: IpCtx, path: str) -> int:
    """`ip -batch FILE`: one command per line; stop at the first failure unless -force.

    iproute2: ip/ip.c batch, lib/utils.c do_batch.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        raise ToolExit(1, f'Cannot open file "{path}" for reading: No such file or directory\n'
                       ) from None
    status = 0
    for lineno, line in enumerate(lines, 1):
        argv = shell_split(line)
        if not argv:
            continue
        try:
            words = route.route_add_via_words(argv)
            if words is not None:
                route.iproute_add_via(ctx.net, ctx.family, words[0], words[1])
            else:
                do_cmd(ctx, argv)
        except ToolExit as e:
            ctx.out.ewrite(e.stderr)
            if e.status:
                ctx.out.ewrite(f"Command failed {path}:{lineno}\n")
                status = 1
                if not ctx.force:
                    break
    return status


def _setup(world: World, net: Net, argv: list[str],
           out: Output) -> tuple[IpCtx, list[str], str | None]:
    """The global options and `-n NS`: (context writing to `out`, OBJECT argv, batch file)."""
    ctx = IpCtx(world=world, net=net, out=out)
    if argv and argv[0][:1] == "-":
        rest, batch, ns = _parse_options(ctx, argv)
    else:
        rest, batch, ns = argv, None, None
    if ns is not None:
        target = world.netns_get(ns)
        if target is None:
            raise ToolExit(255, f'Cannot open network namespace "{ns}": '
                           "No such file or directory\n")
        ctx.net = target
    if batch is None and not rest:
        raise ToolExit(255, USAGE)
    return ctx, rest, batch


def ip_main(world: World, net: Net, argv: list[str]) -> Result:
    """Run `ip ARGV...` (argv without "ip") in `net`. Never raises for bad input."""
    out = Output()
    try:
        ctx, rest, batch = _setup(world, net, argv, out)
        if batch is not None:
            return out.result(_batch(ctx, batch))
        do_cmd(ctx, rest)
    except ToolExit as e:
        out.ewrite(e.stderr)
        return out.result(e.status)
    return out.result(0)


def ip_background(world: World, net: Net,
                  argv: list[str]) -> tuple[monitor.ipmonitor | None, Result]:
    """`ip … &`: `ip monitor` becomes a World job (what it prints appears after later script
    lines); any other `ip` command, and `ip monitor file FILE`, runs to completion at once."""
    out = Output()
    try:
        ctx, rest, batch = _setup(world, net, argv, out)
    except ToolExit:
        return None, ip_main(world, net, argv)  # `-V`, bad options: as in the foreground
    if batch is not None or _object(rest[0]) != "monitor":
        return None, ip_main(world, net, argv)
    try:
        mon = monitor.ipmonitor_start(ctx, rest[1:])  # None: `file FILE`, printed and done
    except ToolExit as e:
        out.ewrite(e.stderr)
        return None, out.result(e.status)
    return mon, out.result(0)


def ip_route_add_via(world: World, net: Net, prefix: str, gateway: str) -> Result:
    """`ip_main(world, net, ["route", "add", prefix, "via", gateway])` for the words
    route.route_add_via_words accepts: no option, object or command to dispatch, the same
    request sent (route.iproute_add_via) and the same result."""
    try:
        route.iproute_add_via(net, AF_UNSPEC, prefix, gateway)
    except ToolExit as e:
        return Result(e.status, "", e.stderr)
    return Result(0, "", "")
