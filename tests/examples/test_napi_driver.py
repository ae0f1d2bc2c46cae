"""Tutorial 1's driver (examples/napi_driver/mynic.py) under load: every frame is either
passed to the stack or counted as missed by the NIC, NAPI's contract holds, and closing the
device frees every buffer."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.examples import mdrun

from skbuff.drivers.net.simnic import hw as simnic
from skbuff.sim.world import World

LAB_DIR = mdrun.REPO / "examples" / "napi_driver"


def load(name: str) -> ModuleType:
    """Import an example module as the tutorial's `python lab.py` would (its directory on
    sys.path, so lab.py's `import mynic` finds the tutorial driver)."""
    if str(LAB_DIR) not in sys.path:
        sys.path.insert(0, str(LAB_DIR))
    spec = importlib.util.spec_from_file_location(name, LAB_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


lab = load("lab")


@settings(max_examples=12, deadline=None)
@given(rate=st.sampled_from([50_000, 700_000, 2_000_000, 6_000_000]),
       ring=st.sampled_from([8, 64, 256]))
def test_every_frame_is_delivered_or_missed(rate: int, ring: int) -> None:
    w = World(ncpus=1)
    k = w.kernel
    hw = simnic.simnic_hw(k, ring, ring)
    dev = lab.nic_up(w, hw)
    seen = lab.flood(w, dev, hw, rate, 1)
    assert seen.frames == hw.gprc == dev.stats.rx_packets
    assert all(0 <= work <= 64 for work in seen.polls)
    offered = hw.gprc + hw.mpc
    assert abs(offered - rate // 1000) <= 1
    assert hw.ims == simnic.SIMNIC_IMS_ENABLE_MASK  # idle again: unmasked


def test_close_frees_every_buffer() -> None:
    w = World(ncpus=1)
    cache = w.kernel.skbuff_head_cache
    hw = simnic.simnic_hw(w.kernel, 64, 64)
    dev = lab.nic_up(w, hw)
    lab.flood(w, dev, hw, 3_000_000, 1)
    assert w.run(f"ip link set {dev.name} down").status == 0
    assert cache.alloc_count == cache.free_count
    assert all(d.buf is None for d in (*hw.rx_ring, *hw.tx_ring))
