"""/proc/net/udp as udp4_seq_show prints it: the header, one line per socket in hash-slot
order, little-endian hex addresses, queue bytes, drops, every line padded to 127 columns.
(tests/conformance/ipv4_tx.py compares the shape with the real kernel's file.)"""

from __future__ import annotations

import re
import socket

from tests.net.ipv4.pair import H1, H2, Pair

from skbuff.net.ipv4 import udp
from skbuff.uapi.socket import MSG_MORE

HEADER = ("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
          "timeout inode ref pointer drops")
LINE = re.compile(r"^ *(\d+): ([0-9A-F]{8}):([0-9A-F]{4}) ([0-9A-F]{8}):([0-9A-F]{4}) "
                  r"([0-9A-F]{2}) ([0-9A-F]{8}):([0-9A-F]{8}) 00:00000000 00000000 +0 +0 (\d+) 2 "
                  r"(0{8}[0-9a-f]{8}) (\d+) *$")

def rows(text: str) -> list[re.Match[str]]:
    lines = text.splitlines()
    assert lines[0] == f"{HEADER:<127}"
    assert all(len(line) == 127 for line in lines)
    out = []
    for line in lines[1:]:
        m = LINE.match(line)
        assert m is not None, line
        out.append(m)
    return out


def test_empty_namespace_prints_the_header_only() -> None:
    p = Pair()
    assert p.proc("h1", "/proc/net/udp") == f"{HEADER:<127}\n"


def test_bound_and_connected_sockets() -> None:
    p = Pair()
    s1 = p.socket(p.h2)
    p.call(s1.bind, (H2, 5000))
    s2 = p.socket(p.h2)
    p.call(s2.bind, ("0.0.0.0", 53))
    s3 = p.socket(p.h2)
    p.call(s3.bind, (H2, 40000))
    p.call(s3.connect, (H1, 7))
    got = rows(p.proc("h2", "/proc/net/udp"))
    assert [int(m[1]) for m in got] == sorted(int(m[1]) for m in got)
    by_port = {int(m[3], 16): m for m in got}
    assert set(by_port) == {5000, 53, 40000}
    assert by_port[5000][2] == "0200060A" and by_port[5000][6] == "07"  # 10.6.0.2, CLOSE
    assert by_port[53][2] == "00000000" and by_port[53][4] == "00000000"
    c = by_port[40000]
    assert c[4] == "0100060A" and int(c[5], 16) == 7 and c[6] == "01"  # ESTABLISHED
    mask = udp.UDP_HTABLE_SIZE - 1
    for port, m in by_port.items():
        assert int(m[1]) == udp.udp_hashfn(p.h2, port, mask)
    assert len({m[9] for m in got}) == 3 and len({m[10] for m in got}) == 3


def test_rx_queue_and_drops() -> None:
    p = Pair()
    rx = p.socket(p.h2)
    p.call(rx.bind, (H2, 6000))
    p.call(rx.setsockopt, socket.SOL_SOCKET, socket.SO_RCVBUF, 1)  # the 4608-byte minimum
    tx = p.socket(p.h1)
    for _ in range(12):
        p.call(tx.sendto, b"x" * 100, (H2, 6000))
    p.settle()
    (m,) = rows(p.proc("h2", "/proc/net/udp"))
    assert int(m[8], 16) == rx.sk.sk_rmem_alloc > 0
    assert int(m[11]) == rx.sk.sk_drops > 0
    assert int(m[7], 16) == 0


def test_tx_queue_while_corked_and_cat_in_a_script() -> None:
    p = Pair()
    tx = p.socket(p.h1)
    p.call(tx.bind, (H1, 4000))
    p.call(tx.sendto, b"a" * 700, MSG_MORE, (H2, 6000))
    r = p.w.run("ip netns exec h1 cat /proc/net/udp")
    assert r.status == 0
    (m,) = rows(r.stdout)
    assert m[3] == "0FA0" and int(m[7], 16) == tx.sk.sk_wmem_alloc - 1 > 700
    p.call(tx.sendto, b"", (H2, 6000))
    (m,) = rows(p.proc("h1", "/proc/net/udp"))
    assert int(m[7], 16) == 0
