"""Seeded randomness and SipHash for one simulated machine.

Kernel: drivers/char/random.c (get_random_u32 …), lib/random32.c (prandom_u32_state),
lib/siphash.c (SipHash-2-4), include/linux/once.h (net_get_random_once).

Every draw comes from the kernel's own `KernelRandom`, seeded from `Kernel(seed)`: same seed and
same inputs give the same bytes. Nothing here touches global randomness.
"""

from __future__ import annotations

import random as _pyrandom
import struct
from typing import Any

_M64 = (1 << 64) - 1
_M32 = (1 << 32) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M64


def siphash(key: bytes, data: bytes) -> int:
    """SipHash-2-4 of `data` under a 16-byte key, as a 64-bit int.

    Kernel: lib/siphash.c siphash (the reference algorithm; the kernel's `siphash_3u32` etc. hash
    the same little-endian words: pack them with `struct.pack('<3I', ...)`).
    """
    if len(key) != 16:
        raise ValueError("siphash key must be 16 bytes")
    k0, k1 = struct.unpack("<QQ", key)
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n: int) -> None:
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & _M64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    n = len(data)
    end = n - (n % 8)
    for off in range(0, end, 8):
        (m,) = struct.unpack_from("<Q", data, off)
        v3 ^= m
        rounds(2)
        v0 ^= m
    last = (n & 0xFF) << 56
    for i, byte in enumerate(data[end:]):
        last |= byte << (8 * i)
    v3 ^= last
    rounds(2)
    v0 ^= last
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


class rnd_state:
    """struct rnd_state: the Tausworthe generator state of prandom_u32_state.

    Kernel: include/linux/prandom.h struct rnd_state.
    """

    __slots__ = ("s1", "s2", "s3", "s4")

    def __init__(self, seed: int) -> None:
        self.s1 = self.s2 = self.s3 = self.s4 = 0
        prandom_seed_state(self, seed)


def prandom_u32_state(state: rnd_state) -> int:
    """One 32-bit draw from a caller-owned state. Kernel: lib/random32.c prandom_u32_state."""

    def taus(s: int, k: int, q: int, r: int, m: int) -> int:
        return (((s & m) << k) & _M32) ^ ((((s << q) & _M32) ^ s) >> r)

    state.s1 = taus(state.s1, 6, 13, 19, 0xFFFFFFFE)
    state.s2 = taus(state.s2, 2, 2, 25, 0xFFFFFFF8)
    state.s3 = taus(state.s3, 13, 21, 12, 0xFFFFFFF0)
    state.s4 = taus(state.s4, 3, 12, 20, 0xFFFFFF80)
    return state.s1 ^ state.s2 ^ state.s3 ^ state.s4


def prandom_seed_state(state: rnd_state, seed: int) -> None:
    """Kernel: include/linux/prandom.h prandom_seed_state (+ lib/random32.c warm-up)."""
    i = ((seed >> 32) ^ (seed << 10) ^ seed) & _M32
    i = i or 1

    def fix(x: int, m: int) -> int:
        return x if x >= m else x + m

    state.s1 = fix(i, 2)
    state.s2 = fix(i, 8)
    state.s3 = fix(i, 16)
    state.s4 = fix(i, 128)
    for _ in range(10):
        prandom_u32_state(state)


class KernelRandom:
    """The machine's entropy pool stand-in: a seeded PRNG. `k.rng`."""

    __slots__ = ("_once", "_r")

    def __init__(self, seed: int) -> None:
        self._r = _pyrandom.Random(seed)
        self._once: dict[str, Any] = {}

    def get_random_u32(self) -> int:
        """Kernel: drivers/char/random.c get_random_u32."""
        return self._r.getrandbits(32)

    def get_random_u64(self) -> int:
        """Kernel: drivers/char/random.c get_random_u64."""
        return self._r.getrandbits(64)

    def get_random_u32_below(self, ceil: int) -> int:
        """Uniform in [0, ceil). Kernel: drivers/char/random.c __get_random_u32_below."""
        if ceil <= 0:
            return 0
        return self._r.randrange(ceil)

    def prandom_u32_max(self, ep_ro: int) -> int:
        """Old name of get_random_u32_below (kept for 2.6-era callers)."""
        return self.get_random_u32_below(ep_ro)

    def get_random_bytes(self, n: int) -> bytes:
        """Kernel: drivers/char/random.c get_random_bytes."""
        return self._r.randbytes(n)

    def net_get_random_once(self, name: str, nbytes: int) -> bytes:
        """The secret `name`, drawn on first use and fixed afterwards (hash keys).

        Kernel: include/linux/net.h net_get_random_once (a static key per call site; here the
        call site is named).
        """
        secret = self._once.get(name)
        if secret is None:
            secret = self._once[name] = self.get_random_bytes(nbytes)
        return bytes(secret)

    def siphash(self, key: bytes, data: bytes) -> int:
        """`siphash(key, data)` (method form for `k.rng.siphash`)."""
        return siphash(key, data)
