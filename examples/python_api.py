"""The Python API: the same machine the `skbuff run` scripts drive, as objects.

Run it: python examples/python_api.py
"""

from __future__ import annotations

from socket import AF_INET, SOCK_DGRAM

from skbuff import World


def main() -> None:
    w = World(seed=1)

    # Command lines, exactly as a shell would run them: status, stdout, stderr.
    setup = w.script("""
        ip netns add h1
        ip netns add h2
        ip -n h1 link add veth0 type veth peer name veth0 netns h2
        ip -n h1 addr add 10.0.0.1/24 dev veth0
        ip -n h2 addr add 10.0.0.2/24 dev veth0
        ip -n h1 link set veth0 up
        ip -n h2 link set veth0 up
    """)
    assert setup.status == 0, setup.stderr
    r = w.run("ip -n h1 -j route get 10.0.0.2")
    print("route get:", r.status, r.stdout.strip())

    # Objects: a namespace (struct net), its devices, the kernel.
    h1, h2 = w.netns("h1"), w.netns("h2")
    print("h1 devices:", [dev.name for dev in h1.devices])
    print("simulated time (ns):", w.kernel.now_ns)

    # BSD sockets in a namespace; calls run in process context and advance simulated time.
    def exchange() -> tuple[bytes, tuple[str, int] | None]:
        server = h2.socket(AF_INET, SOCK_DGRAM)
        server.bind(("10.0.0.2", 9999))
        client = h1.socket(AF_INET, SOCK_DGRAM)
        client.sendto(b"hello", ("10.0.0.2", 9999))
        server.settimeout(1.0)
        got = server.recvfrom(2048)
        client.close()
        server.close()
        return got

    data, peer = w.call(exchange)
    print("received", data, "from", peer)

    # Tracers: every kernel tracepoint takes probes (here: frames handed to drivers).
    sent: list[str] = []
    w.kernel.trace.attach("net_dev_xmit",
                          lambda skb, rc, dev, length: sent.append(f"{dev.name}:{length}"))
    print(w.run("ip netns exec h1 ping -c 1 10.0.0.2").stdout.splitlines()[1])
    print("frames sent:", sent)

    # A background capture prints after each later line; `wait` ends it.
    w.run("ip netns exec h2 tcpdump -n -c 2 -i veth0 icmp &")
    print(w.run("ip netns exec h1 ping -q -c 1 10.0.0.2").stdout.splitlines()[-3:])
    print(w.run("ip netns exec h2 nstat IcmpInEchos").stdout)


if __name__ == "__main__":
    main()
