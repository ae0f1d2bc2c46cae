"""Drop reasons: the kernel 6.12 names, in order, each with a description."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skbuff.net.core.dropreason import SKB_DROP_REASON, drop_reason_name, drop_reason_text

HEADER = Path("/work/src/linux-source-6.12/include/net/dropreason-core.h")

FACT_SHEET = (
    "NOT_SPECIFIED", "PKT_TOO_SMALL", "OTHERHOST", "CPU_BACKLOG", "XDP", "TC_INGRESS", "TC_EGRESS",
    "UNHANDLED_PROTO", "DEV_READY", "DEV_HDR", "FULL_RING", "NOMEM", "HDR_TRUNC", "SKB_CSUM",
    "SKB_GSO_SEG", "SKB_UCOPY_FAULT", "QDISC_DROP", "QUEUE_PURGE", "NETFILTER_DROP",
    "SECURITY_HOOK", "BPF_CGROUP_EGRESS", "IP_CSUM", "IP_INHDR", "IP_RPFILTER",
    "UNICAST_IN_L2_MULTICAST", "XFRM_POLICY", "IP_NOPROTO", "IP_INADDRERRORS", "IP_INNOROUTES",
    "INVALID_PROTO", "PKT_TOO_BIG", "DUP_FRAG", "FRAG_REASM_TIMEOUT", "FRAG_TOO_FAR", "ICMP_CSUM",
    "IP_OUTNOROUTES", "NEIGH_CREATEFAIL", "NEIGH_FAILED", "NEIGH_QUEUEFULL", "NEIGH_DEAD",
)


def test_first_values_and_order() -> None:
    members = list(SKB_DROP_REASON)
    assert [m.name for m in members[:3]] == ["NOT_DROPPED_YET", "CONSUMED", "NOT_SPECIFIED"]
    assert [int(m) for m in members] == list(range(len(members)))
    assert SKB_DROP_REASON.IP_INHDR < SKB_DROP_REASON.IP_NOPROTO < SKB_DROP_REASON.NEIGH_DEAD


def test_fact_sheet_reasons_exist() -> None:
    for name in FACT_SHEET:
        assert name in SKB_DROP_REASON.__members__, name
    assert "IP_LOCAL_SOURCE" not in SKB_DROP_REASON.__members__  # 6.13+


def test_every_reason_has_text() -> None:
    for reason in SKB_DROP_REASON:
        text = drop_reason_text(reason)
        assert text and len(text) < 100 and "\n" not in text
    assert drop_reason_text(SKB_DROP_REASON.IP_CSUM) == "IP checksum error"
    assert drop_reason_name(13) == "IP_CSUM"


@pytest.mark.skipif(not HEADER.exists(), reason="kernel source tree not unpacked")
def test_matches_kernel_header() -> None:
    src = HEADER.read_text()
    body = src[src.index("enum skb_drop_reason {") : src.index("SKB_DROP_REASON_MAX,")]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    names = re.findall(r"\bSKB_(?:DROP_REASON_)?([A-Z0-9_]+)\b", body)
    assert names == [m.name for m in SKB_DROP_REASON]
