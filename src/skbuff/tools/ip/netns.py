"""`ip netns`: add/del/list/exec over the World's named namespaces (/run/netns), and the
namespace ids the current namespace gives them (RTM_GETNSID).

iproute2: ip/ipnetns.c (netns_add, netns_delete, netns_list, netns_exec,
get_netnsid_from_name, get_name_from_nsid).
"""

from __future__ import annotations

from skbuff.tools.common import ToolExit
from skbuff.tools.ip.utils import IpCtx, matches
from skbuff.uapi.net_namespace import NETNSA_FD, NETNSA_NSID
from skbuff.uapi.rtnetlink import RTM_GETNSID, nlmsg, rtgenmsg

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


def _valid_name(name: str) -> bool:
    return bool(name) and "/" not in name and name not in (".", "..")


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


def do_netns(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/ipnetns.c do_netns."""
    world = ctx.world
    if not argv:
        argv = ["list"]
    cmd, rest = argv[0], argv[1:]
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        netns_list(ctx)
    elif matches(cmd, "help"):
        raise ToolExit(255, USAGE)
    elif matches(cmd, "add"):
        if len(rest) != 1:
            raise ToolExit(1, "No netns name specified\n")
        name = rest[0]
        if not _valid_name(name):
            raise ToolExit(255, f"Invalid netns name \"{name}\"\n")
        if name in world.netns_names():
            raise ToolExit(
                1, f'Cannot create namespace file "/run/netns/{name}": File exists\n'
            )
        world.netns_add(name)
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
