"""The rtnetlink constants equal the C headers': every UPPER_CASE int in uapi/rtnetlink.py,
if_link.py, if_addr.py, neighbour.py and fib_rules.py is compiled against <linux/*.h> and
compared (names the installed headers lack are skipped, e.g. ones newer than them)."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

from tests.support import needs

from skbuff.uapi import rtnetlink as rt

HEADERS = {
    "rtnetlink": ["linux/rtnetlink.h", "linux/netlink.h", "linux/if_addr.h"],
    "if_link": ["linux/if_link.h", "linux/veth.h"],
    "if_addr": ["linux/if_addr.h"],
    "neighbour": ["linux/neighbour.h"],
    "fib_rules": ["linux/fib_rules.h"],
}


def _ours() -> list[tuple[str, str, int]]:
    out = []
    for mod in HEADERS:
        m = importlib.import_module(f"skbuff.uapi.{mod}")
        for name in dir(m):
            v = getattr(m, name)
            if name.isupper() and isinstance(v, int) and not name.startswith(("IFF_", "IF_OPER")):
                out.append((mod, name, v))
    return out


@needs(shutil.which("gcc") is not None and Path("/usr/include/linux/rtnetlink.h").exists(),
       "gcc and the Linux uapi headers (linux-libc-dev)")
def test_constants_match_the_c_headers(tmp_path: Path) -> None:
    includes = sorted({h for hs in HEADERS.values() for h in hs})
    items = _ours()
    src = tmp_path / "c.c"
    exe = tmp_path / "c"
    for _ in range(5):
        src.write_text("\n".join(
            ["#include <stdio.h>", "#include <sys/socket.h>"]
            + [f"#include <{h}>" for h in includes] + ["int main(void){"]
            + [f'printf("{m} {n} %lld\\n", (long long)({n}));' for m, n, _ in items]
            + ["return 0;}"]))
        r = subprocess.run(["gcc", "-o", str(exe), str(src)], capture_output=True, text=True,
                           env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
        if r.returncode == 0:
            break
        missing = set(re.findall(r"'(\w+)' undeclared", r.stderr))
        assert missing, r.stderr[:2000]
        items = [i for i in items if i[1] not in missing]
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    theirs = {(m, n): int(v) for m, n, v in (ln.split() for ln in out.splitlines())}
    assert len(theirs) > 300
    assert [(m, n, v) for m, n, v in items if theirs[(m, n)] != v] == []


def test_message_kind_and_index() -> None:
    assert [rt.rtm_kind(t) for t in (rt.RTM_NEWROUTE, rt.RTM_DELROUTE, rt.RTM_GETROUTE)] == \
        [0, 1, 2]
    assert rt.rtm_msgindex(rt.RTM_NEWLINK) == 0
    assert rt.NLM_F_DUMP == rt.NLM_F_ROOT | rt.NLM_F_MATCH
