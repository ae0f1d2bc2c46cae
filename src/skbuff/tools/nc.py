"""`nc -u` (netcat-openbsd 1.219): UDP send and listen, the subset scripts need.

Send: `echo TEXT | nc -u [-s SRC] [-p SPORT] [-w SECS] HOST PORT` connects a UDP socket and
sends its standard input as one datagram (a pipe from `echo` is the only standard input a
script line has; without one nothing is sent), then prints what comes back for -w seconds
(simulated). Listen: `nc -u -l [-s ADDR] -p PORT` (or `nc -u -l PORT`) prints each datagram's
payload; like OpenBSD nc it then talks only to the first sender. In the foreground it listens
for -w seconds (default FOREGROUND_NS); `nc -u -l … &` listens in the background (a World job)
until the script ends. Errors and usage text are netcat-openbsd's.
"""

from __future__ import annotations

import os
from socket import AF_INET, MSG_DONTWAIT, SOCK_DGRAM
from typing import TYPE_CHECKING

from skbuff.kernel.clock import NSEC_PER_SEC
from skbuff.net import socket as bsd
from skbuff.tools.common import Result, ToolExit, gnu_getopt
from skbuff.tools.ping import parse_ipv4

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = """usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]
\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]
\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]
\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]
\t  [destination] [port]
"""
FOREGROUND_NS = 10 * 1_000_000_000


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 0xFFFF:
        raise ToolExit(1, f"nc: port number invalid: {text}\n")
    return int(text)


class listener:
    """A bound UDP socket printing what arrives; a World job when backgrounded (netcat sets
    no signal handler)."""

    caught_signals: frozenset[int] = frozenset()

    def __init__(self, world: World, net: Net, addr: str, port: int, wait_ns: int) -> None:
        self.world = world
        self.net = net
        self.sock = bsd.net_socket(net, AF_INET, SOCK_DGRAM, 0)
        self.wait_ns = wait_ns
        try:
            self.sock.bind((addr, port))
        except OSError as e:
            self.sock.close()
            raise ToolExit(1, f"nc: {os.strerror(e.errno or 0)}\n") from None
        self.peer: tuple[str, int] | None = None

    def poll(self) -> tuple[str, str, bool]:
        out = []
        while self.sock.sk.sk_receive_queue or self.sock.sk.sk_err:
            try:
                data, addr = self.sock.recvfrom(65536, MSG_DONTWAIT)
            except OSError:
                continue
            if self.peer is None and addr is not None:
                self.peer = addr
                self.sock.connect(addr)
            if addr == self.peer:
                out.append(data.decode("latin-1"))
        return "".join(out), "", False

    def wait(self) -> None:
        """A listener never ends by itself: `wait` gives it wait_ns, then it is stopped."""
        k = self.world.kernel
        k.run_for(self.wait_ns)

    def stop(self) -> tuple[str, str]:
        out, err, _ = self.poll()
        self.sock.close()
        return out, err


def _parse(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    opts, args = gnu_getopt("nc", argv, "46lnp:s:uvw:z")
    flags = {o[1]: v for o, v in opts}
    if "u" not in flags:
        raise ToolExit(1, "nc: skbuff's nc speaks UDP only: use -u\n")
    return flags, args


def _listener(world: World, net: Net, flags: dict[str, str], args: list[str]) -> listener:
    port = flags.get("p") or (args[0] if args else "")
    if not port:
        raise ToolExit(1, "nc: missing port number\n")
    wait = int(flags["w"]) * NSEC_PER_SEC if flags.get("w", "").isdigit() else FOREGROUND_NS
    return listener(world, net, flags.get("s", "0.0.0.0"), _port(port), wait)


def background(world: World, net: Net, argv: list[str]) -> tuple[listener | None, Result]:
    """`nc -u -l … &`: a background listener; a sender runs to completion."""
    try:
        flags, args = _parse(argv)
        if "l" not in flags:
            return None, main(world, net, argv)
        return _listener(world, net, flags, args), Result()
    except ToolExit as e:
        return None, Result(e.status, "", e.stderr)


def main(world: World, net: Net, argv: list[str]) -> Result:
    """`nc -u …` in the foreground."""
    stdin = world.tool_state.pop("stdin", "")
    try:
        flags, args = _parse(argv)
        if "l" in flags:
            lis = _listener(world, net, flags, args)
            lis.wait()
            out, err = lis.stop()
            return Result(0, out, err)
        if len(args) != 2:
            raise ToolExit(1, USAGE)
        host, port = args
        if parse_ipv4(host) is None:
            raise ToolExit(1, f"nc: getaddrinfo for host \"{host}\" port {port}: Name or "
                              "service not known\n")
        return _send(net, flags, host, _port(port), stdin)
    except ToolExit as e:
        return Result(e.status, "", e.stderr)


def _send(net: Net, flags: dict[str, str], host: str, port: int, data: str) -> Result:
    sock = bsd.net_socket(net, AF_INET, SOCK_DGRAM, 0)
    k = net.kernel
    out: list[str] = []
    try:
        if "s" in flags or "p" in flags:
            try:
                sock.bind((flags.get("s", "0.0.0.0"), _port(flags["p"]) if "p" in flags
                           else 0))
            except OSError as e:
                raise ToolExit(1, f"nc: {os.strerror(e.errno or 0)}\n") from None
        try:
            sock.connect((host, port))
        except OSError as e:
            raise ToolExit(1, f"nc: connect to {host} port {port} (udp) failed: "
                              f"{os.strerror(e.errno or 0)}\n") from None
        if data:
            try:
                sock.send(data.encode("latin-1"))
            except OSError as e:
                raise ToolExit(1, f"nc: write failed: {os.strerror(e.errno or 0)}\n") \
                    from None
        wait = int(flags["w"]) if flags.get("w", "").isdigit() else 0
        deadline = k.now_ns + wait * NSEC_PER_SEC
        sk = sock.sk
        while k.run_until_cond(deadline, lambda: bool(sk.sk_receive_queue or sk.sk_err)):
            try:
                out.append(sock.recv(65536, MSG_DONTWAIT).decode("latin-1"))
            except OSError:
                break
    finally:
        sock.close()
    return Result(0, "".join(out), "")
