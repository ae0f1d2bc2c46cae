"""Shared fixtures: a bare `Kernel` made current, with sk_buff debugging on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import skbuff as core_skbuff


@pytest.fixture
def kernel() -> Iterator[Kernel]:
    """A bare kernel (no namespaces booted), current for the test, `skb_debug` on."""
    k = Kernel(seed=0, hz=1000, ncpus=2, skb_debug=True)
    with k:
        core_skbuff.skb_init(k)
        yield k
