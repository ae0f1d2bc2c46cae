"""The HTML report in a real browser (headless Chromium driven by Selenium through Debian's
chromedriver): open the page, click a packet, see its steps, click a step, see the skb."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from tests.support import needs
from tests.trace.testbed import make_world, udp_send

from skbuff.trace import report

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = needs(CHROMIUM is not None and CHROMEDRIVER is not None,
                   "Debian's chromium and chromium-driver")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def test_click_packet_then_step(tmp_path: Path,
                                browser: Any) -> None:
    from selenium.webdriver.common.by import By

    w = make_world()
    w.run("trace on udp")
    udp_send(w, "h1", "10.2.0.2", 9, b"x")
    w.run("trace off")
    assert w.journey is not None
    page = tmp_path / "report.html"
    page.write_text(report.build_report(w, w.journey, "browser test"), encoding="utf-8")
    d = browser
    d.get(page.as_uri())
    section = d.find_element(By.ID, "pkt-1")
    assert not section.is_displayed()
    d.find_element(By.CSS_SELECTOR, "nav li[data-pkt='1']").click()
    assert section.is_displayed()
    rows = section.find_elements(By.CSS_SELECTOR, "tr.step")
    funcs = [r.find_elements(By.TAG_NAME, "td")[7].text for r in rows]
    assert funcs[0] == "ip_local_out" and "ip_forward" in funcs and funcs[-1] == "kfree_skb_reason"
    assert "dropped: NO_SOCKET at udp_rcv: no UDP socket on port 9 in h2" in section.text
    rcv = rows[funcs.index("ip_rcv")]
    rcv.click()
    pic = d.find_element(By.ID, "skbpic-1")
    assert pic.find_elements(By.TAG_NAME, "svg")
    assert "skb #1 at ip_rcv" in pic.text
    info = d.find_element(By.ID, "stepinfo-1").text
    assert info.startswith(f"step {rcv.get_attribute('data-seq')}: ip_rcv ← ")
