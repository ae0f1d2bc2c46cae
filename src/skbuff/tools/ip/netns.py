"""`ip netns`: add/del/list/exec over the World's named namespaces (/run/netns), and the
namespace ids the current namespace gives them (set, list-id; RTM_NEWNSID/RTM_GETNSID).

iproute2 6.1: ip/ipnetns.c (netns_add, netns_delete, netns_list, netns_exec, netns_set,
netns_list_id, print_nsid, get_netnsid_from_name, get_name_from_nsid).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skbuff.net.core import net_namespace
from skbuff.tools.common import ToolExit
from skbuff.tools.ip.utils import (
    IpCtx,
    duparg,
    get_integer,
    incomplete_command,
    invarg,
    matches,
    rtnl_error_text,
)
from skbuff.uapi.net_namespace import (
    NETNSA_CURRENT_NSID,
    NETNSA_FD,
    NETNSA_NSID,
    NETNSA_TARGET_NSID,
)
from skbuff.uapi.rtnetlink import (
    NLM_F_DUMP,
    NLM_F_REQUEST,
    RTM_GETNSID,
    RTM_NEWNSID,
    nlmsg,
    rtgenmsg,
)

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net

USAGE = (
    "Usage:\tip netns list\n"
    "\tip netns add NAME\n"
    "\tip netns attach NAME PID\n"
    "\tip netns set NAME NETNSID\n"
    "\tip [-all] netns delete [NAME]\n"
    "\tip netns identify [PID]\n"
    "\tip netns pids NAME\n"
    "\tip [-all] netns exec [NAME] cmd ...\n"
    "\tip netns monitor\n"
    "\tip netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]\n"
    "NETNSID := auto | POSITIVE-INT\n"
)


NAME_MAX = 255



def _valid_name(name: str) -> bool:
    """iproute2: ip/ipnetns.c invalid_name (negated)."""
    return bool(name) and len(name) <= NAME_MAX and "/" not in name and name not in (".", "..")


def netns_get_fd(ctx: IpCtx, name: str) -> Net | None:
    """The namespace /run/netns/NAME names, else, for a number, /proc/NAME/ns/net's (the
    process's), else None. iproute2: lib/namespace.c netns_get_fd."""
    net = ctx.world.netns_get(name)
    if net is None and name.isdigit() and str(int(name)) == name:
        found = net_namespace.get_net_ns_by_pid(ctx.world.kernel, int(name))
        net = None if isinstance(found, int) else found
    return net


def _names_of(ctx: IpCtx, net: Net) -> list[str]:
    """The /run/netns names bound to `net`, in readdir order (here: creation order)."""
    return [n for n in ctx.world.netns_names() if ctx.world.netns_get(n) is net]


def netns_identify(ctx: IpCtx, argv: list[str]) -> None:
    """`ip netns identify [PID]`: the name of PID's namespace (the last match; an empty line
    if none, e.g. init_net). iproute2: ip/ipnetns.c netns_identify, netns_identify_pid."""
    if len(argv) > 1:
        raise ToolExit(1, "extra arguments specified\n")
    if argv and not all(c.isdigit() for c in argv[0]):
        raise ToolExit(1, f"Specified string '{argv[0]}' is not a pid\n")
    net: Net | None = ctx.net
    if argv:  # /proc/PID/ns/net
        found = net_namespace.get_net_ns_by_pid(ctx.world.kernel, int(argv[0])) \
            if argv[0] and str(int(argv[0])) == argv[0] else None
        net = found if not isinstance(found, int) else None
    if net is None:
        raise ToolExit(1, "Cannot open network namespace: No such file or directory\n")
    names = _names_of(ctx, net)
    ctx.out.write((names[-1] if names else "") + "\n")


def netns_pids(ctx: IpCtx, argv: list[str]) -> None:
    """`ip netns pids NAME`: the PIDs of the processes in NAME's namespace, ascending (the
    World's: the script's shell and its jobs). iproute2: ip/ipnetns.c netns_pids."""
    if not argv:
        raise ToolExit(1, "No netns name specified\n")
    if len(argv) > 1:
        raise ToolExit(1, "extra arguments specified\n")
    net = ctx.world.netns_get(argv[0])
    if net is None:
        raise ToolExit(1, "Cannot open network namespace: No such file or directory\n")
    tasks = ctx.world.kernel.tasks
    ctx.out.write("".join(f"{pid}\n" for pid in sorted(tasks) if tasks[pid] is net))


def get_netnsid_from_name(ctx: IpCtx, name: str) -> int:
    """The id the current namespace gives namespace file `name`, or -1 (none assigned, no
    such file, or an error). iproute2: ip/ipnetns.c get_netnsid_from_name."""
    target = ctx.world.netns_get(name)
    if target is None:
        return -1
    reply = ctx.talk(nlmsg(RTM_GETNSID, hdr=rtgenmsg(), attrs={NETNSA_FD: target}))
    if reply.error < 0 or not reply.msgs:
        return -1
    return int(reply.msgs[0].attrs.get(NETNSA_NSID, -1))


def get_name_from_nsid(ctx: IpCtx, nsid: int) -> str | None:
    """The /run/netns name whose namespace the current one calls `nsid`, if any.

    iproute2: ip/ipnetns.c get_name_from_nsid (netns_map_init walks /run/netns).
    """
    for name in reversed(ctx.world.netns_names()):
        if get_netnsid_from_name(ctx, name) == nsid:
            return name
    return None


def netns_list(ctx: IpCtx) -> None:
    """Each /run/netns name, with " (id: N)" when the current namespace has an id for it.

    iproute2: ip/ipnetns.c netns_list.
    """
    for name in reversed(ctx.world.netns_names()):
        js: dict[str, object] = {"name": name}
        text = name
        nsid = get_netnsid_from_name(ctx, name)
        if nsid >= 0:
            js["id"] = nsid
            text += f" (id: {nsid})"
        ctx.print_obj(text, js)
    if ctx.json:
        ctx.flush_json()


def print_nsid(ctx: IpCtx, m: nlmsg, names: dict[int, str]) -> None:
    """One RTM_NEWNSID: "nsid N [current-nsid M] (iproute2 netns name: NAME)". `names` is
    the nsid → name cache (netns_map): a name printed leaves the cache, and a name not in it
    is looked up again by nsid. iproute2: ip/ipnetns.c print_nsid."""
    nsid = int(m.attrs[NETNSA_NSID])
    js: dict[str, Any] = {}
    text = "nsid unassigned " if nsid < 0 else f"nsid {nsid} "
    if nsid >= 0:
        js["nsid"] = nsid
    current = m.attrs.get(NETNSA_CURRENT_NSID)
    if current is not None:
        if current < 0:
            text += "current-nsid unassigned "
        else:
            text += f"current-nsid {current} "
            js["current-nsid"] = current
    name = names.pop(nsid if current is None else current, None)
    if name is None and nsid >= 0:
        name = get_name_from_nsid(ctx, nsid)
        if name is not None:
            names[nsid] = name
    if name is not None:
        text += f"(iproute2 netns name: {name})"
        js["name"] = name
    ctx.print_obj(text, js)


def netns_map_init(ctx: IpCtx) -> dict[int, str]:
    """nsid → /run/netns name for every file the current namespace has an id for (the first
    name wins). iproute2: ip/ipnetns.c netns_map_init."""
    names: dict[int, str] = {}
    for name in reversed(ctx.world.netns_names()):
        nsid = get_netnsid_from_name(ctx, name)
        if nsid >= 0:
            names.setdefault(nsid, name)
    return names


def _nsid_arg(argv: list[str], i: int, key: str) -> int:
    """The value after `key` at argv[i]: a number >= 0 (invarg quotes the word after it for
    a negative one, "(null)" at the end of the line, as iproute2 does)."""
    if i + 1 >= len(argv):
        raise incomplete_command()
    v = get_integer(argv[i + 1])
    if v is None:
        raise invarg(f'"{key}" value is invalid', argv[i + 1])
    if v < 0:
        raise invarg(f'"{key}" value should be >= 0', argv[i + 2] if i + 2 < len(argv)
                     else "(null)")
    return v


def netns_list_id(ctx: IpCtx, argv: list[str]) -> None:
    """`ip netns list-id [target-nsid ID] [nsid ID]`: the ids of the current namespace (or of
    the target one, with each peer's current id), or the one peer `nsid` names.

    iproute2: ip/ipnetns.c netns_list_id, get_netnsid_from_netnsid.
    """
    names = netns_map_init(ctx)
    target = nsid = -1
    i = 0
    while i < len(argv):
        if argv[i] == "target-nsid":
            if target >= 0:
                raise duparg("target-nsid", argv[i])
            target = _nsid_arg(argv, i, "target-nsid")
        elif argv[i] == "nsid":
            if nsid >= 0:
                raise duparg("nsid", argv[i])
            nsid = _nsid_arg(argv, i, "nsid")
        else:
            raise ToolExit(255, USAGE)
        i += 2
    attrs: dict[int, int] = {} if target < 0 else {NETNSA_TARGET_NSID: target}
    if nsid >= 0:
        reply = ctx.talk(nlmsg(RTM_GETNSID, NLM_F_REQUEST, rtgenmsg(),
                               {NETNSA_NSID: nsid, **attrs}))
        if reply.error < 0:
            raise ToolExit(2, rtnl_error_text(reply))
        msgs = reply.msgs
    else:
        reply = ctx.talk(nlmsg(RTM_GETNSID, NLM_F_REQUEST | NLM_F_DUMP, rtgenmsg(), attrs))
        if reply.error < 0:
            if ctx.json:
                ctx.flush_json()
            raise ToolExit(1, rtnl_error_text(reply) + "Dump terminated\n")
        msgs = reply.msgs
    for m in msgs:
        print_nsid(ctx, m, names)
    if ctx.json:
        ctx.flush_json()


def netns_set(ctx: IpCtx, argv: list[str]) -> None:
    """`ip netns set NAME ID|auto`: RTM_NEWNSID for /run/netns/NAME (auto: a negative id,
    the kernel picks). iproute2 6.1: ip/ipnetns.c netns_set, set_netnsid_from_name."""
    if len(argv) < 1:
        raise ToolExit(1, "No netns name specified\n")
    if len(argv) < 2:
        raise ToolExit(1, "No nsid specified\n")
    name = argv[0]
    if argv[1] == "auto":
        nsid = -1
    else:
        v = get_integer(argv[1])
        if v is None:
            raise invarg('Invalid "netnsid" value', argv[1])
        if v < 0:
            raise invarg('"netnsid" value should be >= 0', argv[1])
        nsid = v
    peer = ctx.world.netns_get(name)
    if peer is None:
        raise ToolExit(1, f'Cannot open network namespace "{name}": No such file or '
                       "directory\n")
    reply = ctx.talk(nlmsg(RTM_NEWNSID, NLM_F_REQUEST, rtgenmsg(),
                           {NETNSA_FD: peer, NETNSA_NSID: nsid}))
    if reply.error < 0:
        raise ToolExit(2, rtnl_error_text(reply))


def do_netns(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/ipnetns.c do_netns."""
    world = ctx.world
    if not argv:
        argv = ["list"]
    cmd, rest = argv[0], argv[1:]
    if rest and not _valid_name(rest[0]):
        raise ToolExit(255, f"Invalid netns name \"{rest[0]}\"\n")
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        netns_list(ctx)
    elif matches(cmd, "list-id"):
        netns_list_id(ctx, rest)
    elif matches(cmd, "help"):
        raise ToolExit(255, USAGE)
    elif matches(cmd, "add"):
        if len(rest) != 1:
            raise ToolExit(1, "No netns name specified\n")
        name = rest[0]
        if name in world.netns_names():
            raise ToolExit(
                1, f'Cannot create namespace file "/run/netns/{name}": File exists\n'
            )
        world.netns_add(name)
    elif matches(cmd, "set"):
        netns_set(ctx, rest)
    elif matches(cmd, "identify"):
        netns_identify(ctx, rest)
    elif matches(cmd, "pids"):
        netns_pids(ctx, rest)
    elif matches(cmd, "delete"):
        if len(rest) < 1:
            raise ToolExit(1, "No netns name specified\n")
        name = rest[0]
        if name not in world.netns_names():
            raise ToolExit(1, f'Cannot remove namespace file "/run/netns/{name}": '
                           "No such file or directory\n")
        world.netns_del(name)
    elif matches(cmd, "exec"):
        if not rest:
            raise ToolExit(1, "No netns name specified\n")
        if len(rest) < 2:
            raise ToolExit(1, "No command specified\n")
        name = rest[0]
        net = world.netns_get(name)
        if net is None:
            raise ToolExit(255, f'Cannot open network namespace "{name}": '
                           "No such file or directory\n")
        res = world.run_argv(net, rest[1:])
        ctx.out.write(res.stdout)
        ctx.out.ewrite(res.stderr)
        if res.status:
            raise ToolExit(res.status)
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip netns help".\n')
