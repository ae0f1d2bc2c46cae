"""Hypothesis state machine: random reserve/put/push/pull/trim/clone/cow/expand/free sequences
keep `head <= data <= tail <= end`, the bytes of every live skb equal a model bytearray, and
dataref counts the skbs sharing each buffer."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import skbuff as S

sizes = st.integers(min_value=0, max_value=300)


class SkbModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.k = Kernel(seed=0, hz=1000, ncpus=1, skb_debug=True)
        self.k.__enter__()
        S.skb_init(self.k)
        self.skbs: list[S.sk_buff] = []
        self.models: list[bytearray] = []

    def teardown(self) -> None:
        for skb in self.skbs:
            S.kfree_skb(skb)
        assert self.k.skbuff_head_cache.live == {}
        self.k.__exit__(None, None, None)

    def _pick(self, data: st.DataObject) -> int:
        return data.draw(st.integers(0, len(self.skbs) - 1))

    def _writable(self, i: int) -> S.sk_buff:
        skb = self.skbs[i]
        if S.skb_cloned(skb):
            assert S.skb_cow(skb, 0) == 0
        return skb

    @rule(size=sizes, reserve=st.integers(0, 128))
    def alloc(self, size: int, reserve: int) -> None:
        skb = S.alloc_skb(size + reserve, S.GFP_ATOMIC)
        S.skb_reserve(skb, reserve)
        self.skbs.append(skb)
        self.models.append(bytearray())

    @precondition(lambda self: self.skbs)
    @rule(data=st.data(), payload=st.binary(max_size=200))
    def put(self, data: st.DataObject, payload: bytes) -> None:
        i = self._pick(data)
        skb = self._writable(i)
        if len(payload) > S.skb_tailroom(skb):
            return
        S.skb_put_data(skb, payload)
        self.models[i] += payload

    @precondition(lambda self: self.skbs)
    @rule(data=st.data(), payload=st.binary(max_size=100))
    def push(self, data: st.DataObject, payload: bytes) -> None:
        i = self._pick(data)
        skb = self._writable(i)
        if len(payload) > S.skb_headroom(skb):
            return
        off = S.skb_push(skb, len(payload))
        skb.buf[off : off + len(payload)] = payload
        self.models[i][0:0] = payload

    @precondition(lambda self: self.skbs)
    @rule(data=st.data(), n=st.integers(0, 400))
    def pull(self, data: st.DataObject, n: int) -> None:
        i = self._pick(data)
        res = S.skb_pull(self.skbs[i], n)
        if n > len(self.models[i]):
            assert res is None
        else:
            del self.models[i][:n]

    @precondition(lambda self: self.skbs)
    @rule(data=st.data(), n=st.integers(0, 400))
    def trim(self, data: st.DataObject, n: int) -> None:
        i = self._pick(data)
        S.skb_trim(self.skbs[i], n)
        del self.models[i][n:]

    @precondition(lambda self: self.skbs)
    @rule(data=st.data())
    def clone(self, data: st.DataObject) -> None:
        i = self._pick(data)
        self.skbs.append(S.skb_clone(self.skbs[i], S.GFP_ATOMIC))
        self.models.append(bytearray(self.models[i]))

    @precondition(lambda self: self.skbs)
    @rule(data=st.data(), headroom=st.integers(0, 200))
    def cow(self, data: st.DataObject, headroom: int) -> None:
        i = self._pick(data)
        skb = self.skbs[i]
        assert S.skb_cow(skb, headroom) == 0
        assert S.skb_headroom(skb) >= headroom and not S.skb_cloned(skb)

    @precondition(lambda self: self.skbs)
    @rule(data=st.data(), nhead=st.integers(0, 200), ntail=st.integers(0, 200))
    def expand(self, data: st.DataObject, nhead: int, ntail: int) -> None:
        i = self._pick(data)
        skb = self.skbs[i]
        head, tail = S.skb_headroom(skb), S.skb_tailroom(skb)
        assert S.pskb_expand_head(skb, nhead, ntail, S.GFP_ATOMIC) == 0
        assert S.skb_headroom(skb) == head + nhead and S.skb_tailroom(skb) >= tail + ntail

    @precondition(lambda self: self.skbs)
    @rule(data=st.data())
    def free(self, data: st.DataObject) -> None:
        i = self._pick(data)
        S.consume_skb(self.skbs.pop(i))
        self.models.pop(i)

    @invariant()
    def layout_and_bytes(self) -> None:
        sharers: dict[int, int] = {}
        for skb, model in zip(self.skbs, self.models, strict=True):
            assert skb.head == 0 <= skb.data <= skb.tail <= skb.end == len(skb.buf)
            assert skb.len == skb.tail - skb.data == len(model)
            assert bytes(S.skb_data(skb)) == model
            sharers[id(skb.shinfo)] = sharers.get(id(skb.shinfo), 0) + 1
        for skb in self.skbs:
            assert skb.shinfo.dataref == sharers[id(skb.shinfo)]


TestSkbModel = SkbModel.TestCase
TestSkbModel.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
