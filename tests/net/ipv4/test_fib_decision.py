"""Decision records: the steps a lookup records and their renderings."""

from __future__ import annotations

import json

from skbuff.net.ipv4.fib_decision import DecisionRecord


def test_record_renders_in_order() -> None:
    rec = DecisionRecord()
    rec.rule(0, "from all lookup 255", True, "selectors match", "lookup")
    rec.table(255)
    rec.prefix(255, 0xC0000200, 24, False, "no match")
    rec.rule(100, "from 10.0.0.0/8 lookup 100", False, "selector mismatch", "")
    rec.table(254)
    rec.prefix(254, 0, 0, True, "longest match")
    rec.alias(254, 0, 0, "unicast via 10.0.0.1 metric 0", True, "first usable alias")
    rec.nexthop("via 10.0.0.1 dev eth0", True, "alive")
    rec.source(0x0A000002, "inet_select_addr")
    rec.result("<rtable type=1 dev=eth0>")
    text = rec.to_text().splitlines()
    assert text[0] == "rule 0: from all lookup 255 -> match (selectors match), lookup"
    assert text[2] == "    prefix 192.0.2.0/24: skipped (no match)"
    assert text[3].startswith("rule 100: ") and text[3].endswith("-> skip (selector mismatch)")
    assert text[6] == "      alias unicast via 10.0.0.1 metric 0: taken (first usable alias)"
    assert text[8] == "source 10.0.0.2 (inet_select_addr)"
    assert text[-1] == "result: <rtable type=1 dev=eth0>"
    d = rec.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["steps"][2]["prefix"] == "192.0.2.0" and d["steps"][8]["addr"] == "10.0.0.2"
    assert [s["kind"] for s in d["steps"]] == [
        "rule", "table", "prefix", "rule", "table", "prefix", "alias", "nexthop", "source",
        "result"]
