"""printk records, ___ratelimit semantics, seeded randomness and SipHash-2-4."""

from __future__ import annotations

from skbuff.kernel import printk, random, ratelimit
from skbuff.kernel.kernel import Kernel


def test_printk_records_time_and_level() -> None:
    k = Kernel()
    with k:
        k.charge(1_234_567_000)
        printk.pr_warn(k, "hello\n")
    rec = k.dmesg[-1]
    assert (rec.ns, rec.level, rec.text) == (1_234_567_000, printk.KERN_WARNING, "hello")
    assert str(rec) == "[    1.234567] hello"


def test_ratelimit_burst_interval_and_suppressed_message() -> None:
    k = Kernel(hz=1000)
    rs = ratelimit.ratelimit_state(interval=100, burst=3)
    with k:
        got = [ratelimit.___ratelimit(k, rs, "f") for _ in range(5)]
        assert got == [True, True, True, False, False]
        k.charge(100_000_000)  # exactly interval jiffies later: still the same window
        assert not ratelimit.___ratelimit(k, rs, "f")
        k.charge(1_000_000)
        assert ratelimit.___ratelimit(k, rs, "f")
    assert [r.text for r in k.dmesg] == ["f: 3 callbacks suppressed"]
    assert k.dmesg[0].level == printk.KERN_WARNING


def test_net_ratelimit_uses_kernel_state() -> None:
    k = Kernel()
    with k:
        printed = [printk.net_info_ratelimited(k, f"m{i}") for i in range(12)]
        assert printed.count(True) == 10
        k.net_ratelimit_state.interval = 0
        assert printk.net_warn_ratelimited(k, "free")
        k.net_ratelimit_state.interval = 5000
        k.charge(6 * 10**9)
        assert printk.net_err_ratelimited(k, "again")
    texts = [r.text for r in k.dmesg]
    assert "net_ratelimit: 2 callbacks suppressed" in texts
    assert texts[-1] == "again"


def test_siphash_reference_vectors() -> None:
    key = bytes(range(16))
    assert random.siphash(key, b"") == 0x726FDB47DD0E0E31
    assert random.siphash(key, bytes(range(8))) == 0x93F5F5799A932462
    assert random.siphash(key, bytes(range(15))) == 0xA129CA6149BE45E5
    assert random.siphash(key, bytes(range(63))) == 0x958A324CEB064572


def test_seeded_rng_is_per_kernel_and_deterministic() -> None:
    a, b, c = Kernel(seed=1).rng, Kernel(seed=1).rng, Kernel(seed=2).rng
    sa = [a.get_random_u32(), a.get_random_u64(), a.get_random_u32_below(10), a.get_random_bytes(5)]
    sb = [b.get_random_u32(), b.get_random_u64(), b.get_random_u32_below(10), b.get_random_bytes(5)]
    assert sa == sb and c.get_random_u32() != sa[0]
    assert 0 <= a.get_random_u32_below(3) < 3 and a.get_random_u32_below(0) == 0
    s1 = a.net_get_random_once("ip_id", 16)
    assert len(s1) == 16 and a.net_get_random_once("ip_id", 16) == s1


def test_prandom_state_is_independent_and_32_bit() -> None:
    s1, s2 = random.rnd_state(42), random.rnd_state(42)
    xs = [random.prandom_u32_state(s1) for _ in range(100)]
    assert xs == [random.prandom_u32_state(s2) for _ in range(100)]
    assert all(0 <= x < 2**32 for x in xs) and len(set(xs)) == 100
