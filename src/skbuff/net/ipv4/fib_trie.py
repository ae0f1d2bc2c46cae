"""The IPv4 FIB: the kernel's level-compressed trie (LC-trie) of fib_alias lists.

Kernel: net/ipv4/fib_trie.c. Leaves are `key_vector`s (bits = 0; `leaf` = the fib_alias, or
the list of them sorted by fa_slen ascending, then tb_id descending, then dscp descending, then
priority ascending: read it with `leaf_aliases`); the trie head (pos = KEYLENGTH) and internal
tnodes (bits > 0) are `tnode`s, key_vectors with a `tnode` child list and full/empty child
counts. Inserting and removing resize nodes with the kernel's inflate/halve thresholds, so the
shapes printed in /proc/net/fib_trie match the kernel's (some resize outcomes that are known in
advance are built directly: see _join_leaves).

All functions run under RTNL (process context) except `fib_table_lookup` (any context, RCU).
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from skbuff.net import flow
from skbuff.net.core import rtnetlink
from skbuff.net.ipv4 import devinet, fib_frontend, fib_semantics, nexthop, route
from skbuff.net.ipv4.ip_fib import (
    FA_S_ACCESSED,
    FIB_LOOKUP_IGNORE_LINKSTATE,
    KEYLENGTH,
    fib_alias,
    fib_config,
    fib_info,
    fib_info_nhc,
    fib_nh_common,
    fib_result,
    fib_table,
    nl_info,
)
from skbuff.uapi import inet
from skbuff.uapi import rtnetlink as uapi_rt

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.flow import flowi4

KEY_MAX = 0xFFFFFFFF
MAX_WORK = 10
HALVE_THRESHOLD = 25
INFLATE_THRESHOLD = 50
HALVE_THRESHOLD_ROOT = 15
INFLATE_THRESHOLD_ROOT = 30
MAX_STAT_DEPTH = 32
TNODE_SIZE0 = 40  # offsetof(struct tnode, kv[0].tnode[0]) on 64-bit
LEAF_SIZE = 48  # TNODE_SIZE(1)
FIB_ALIAS_SIZE = 56  # sizeof(struct fib_alias) on 64-bit
RTF_UP = 0x0001
RTF_GATEWAY = 0x0002
RTF_HOST = 0x0004
RTF_REJECT = 0x0200
IPTOS_RT_MASK = 0x1C  # inet_dsfield_to_dscp(RT_TOS(tos))
RTNH_F_DEAD = uapi_rt.RTNH_F_DEAD
RTN_UNICAST = uapi_rt.RTN_UNICAST
RTN_BLACKHOLE = uapi_rt.RTN_BLACKHOLE
NHC_BAD_FLAGS = uapi_rt.RTNH_F_DEAD | uapi_rt.RTNH_F_LINKDOWN


class key_vector:
    """struct key_vector with the struct tnode header's `parent`: a leaf (bits 0).

    Kernel: net/ipv4/fib_trie.c. `leaf` is the kernel's hlist of fib_alias: the one alias
    itself when there is one (the common case: a list per leaf was 72 bytes and one more
    GC-tracked object), else a list of two or more sorted by fa_slen ascending, then tb_id
    descending, then dscp descending, then priority ascending. Read it with `leaf_aliases`.
    Nodes with children are `tnode`s; both kinds are told apart by `bits` as in the kernel.
    A leaf's pos and bits are always 0: they are class attributes here (16 bytes a leaf),
    which tnode's slots override.
    """

    __slots__ = ("key", "leaf", "parent", "slen")
    pos: int = 0
    bits: int = 0
    leaf: fib_alias | list[fib_alias]
    # Only tnodes have these (the kernel's union and struct tnode header); declared here so
    # that code walking key_vectors reads them after testing `bits`, as the kernel does.
    tnode: list[key_vector | None]
    full_children: int
    empty_children: int

    def __init__(self, key: int, slen: int) -> None:
        self.key = key
        self.slen = slen
        self.parent: tnode | None = None


class tnode(key_vector):
    """A key_vector with children: `tnode` (1 << bits entries, None = empty) and the struct
    tnode header's full/empty child counts (kept by put_child). Kernel: net/ipv4/fib_trie.c."""

    __slots__ = ("bits", "empty_children", "full_children", "pos", "tnode")

    def __init__(self, key: int, pos: int, bits: int) -> None:
        key_vector.__init__(self, key, pos)
        self.pos = pos
        self.bits = bits
        size = 1 << bits
        self.tnode = [None] * size
        self.full_children = 0
        self.empty_children = size


class trie:
    """struct trie: the head key_vector (`kv`, pos = KEYLENGTH, one child) plus skbuff's
    modification generation (invalidates the batch-lookup table) and tracepoint hook.

    Kernel: net/ipv4/fib_trie.c struct trie.
    """

    __slots__ = ("batch", "genid", "kv", "trace")

    def __init__(self, trace: Any = None) -> None:
        self.kv = tnode(0, KEYLENGTH, 0)
        self.genid = 0
        self.batch: Any = None
        self.trace = trace


def IS_TRIE(n: key_vector) -> bool:
    """Kernel: net/ipv4/fib_trie.c IS_TRIE."""
    return n.pos >= KEYLENGTH


def get_index(key: int, kv: key_vector) -> int:
    """Kernel: net/ipv4/fib_trie.c get_index ((key ^ kv->key) >> kv->pos)."""
    return (key ^ kv.key) >> kv.pos


def _parent(n: key_vector) -> tnode:
    p = n.parent
    assert p is not None
    return p


def leaf_aliases(l: key_vector) -> list[fib_alias] | tuple[fib_alias]:
    """The leaf's aliases in order; under RTNL the caller may keep the result (later changes
    do not update it). Kernel: net/ipv4/fib_trie.c (hlist_for_each_entry over n->leaf)."""
    fa = l.leaf
    return fa if isinstance(fa, list) else (fa,)


def _leaf_set(l: key_vector, aliases: list[fib_alias]) -> None:
    """Store a non-empty alias list in the leaf (one alias is stored bare)."""
    l.leaf = aliases[0] if len(aliases) == 1 else aliases


def leaf_new(key: int, fa: fib_alias) -> key_vector:
    """Kernel: net/ipv4/fib_trie.c leaf_new."""
    l = key_vector(key, fa.fa_slen)
    l.leaf = fa
    return l


def tnode_new(key: int, pos: int, bits: int) -> tnode:
    """Kernel: net/ipv4/fib_trie.c tnode_new (key masked to the node's prefix)."""
    shift = pos + bits
    return tnode((key >> shift) << shift if shift < KEYLENGTH else 0, pos, bits)


def tnode_full(tn: key_vector, n: key_vector | None) -> bool:
    """A child that is a tnode with no skipped bits. Kernel: net/ipv4/fib_trie.c tnode_full."""
    return n is not None and n.bits != 0 and n.pos + n.bits == tn.pos


def put_child(tn: tnode, i: int, n: key_vector | None) -> None:
    """Set child i keeping full/empty counts and slen. Kernel: net/ipv4/fib_trie.c put_child.

    tnode_full is inlined (the most called function of a build: ~6 calls per insert).
    """
    children = tn.tnode
    chi = children[i]
    pos = tn.pos
    if chi is not None:
        if n is None:
            tn.empty_children += 1
        if chi.bits and chi.pos + chi.bits == pos:
            tn.full_children -= 1
    elif n is not None:
        tn.empty_children -= 1
    if n is not None:
        if n.bits and n.pos + n.bits == pos:
            tn.full_children += 1
        if tn.slen < n.slen:
            tn.slen = n.slen
    children[i] = n


def put_child_root(tp: tnode, key: int, n: key_vector | None) -> None:
    """Kernel: net/ipv4/fib_trie.c put_child_root."""
    if tp.pos >= KEYLENGTH:  # IS_TRIE
        tp.tnode[0] = n
    else:
        put_child(tp, (key ^ tp.key) >> tp.pos, n)


def _tnode_fill(tn: tnode) -> list[tnode]:
    """Account for a new tnode's whole child array at once, filled by inflate/halve: the
    counts and slen that put_child would have kept, and every child's parent set to tn (what
    the kernel's update_children does for such a node). Returns the full children (for
    replace to resize) in index order."""
    pos = tn.pos
    slen = tn.slen
    full = []
    children = tn.tnode
    for n in filter(None, children):  # the children that are not None
        n.parent = tn
        if isinstance(n, tnode) and n.pos + n.bits == pos:
            full.append(n)
        if n.slen > slen:
            slen = n.slen
    tn.empty_children = children.count(None)
    tn.full_children = len(full)
    tn.slen = slen
    return full


def _join_leaves(c0: key_vector | None, c1: key_vector | None, pos: int) -> key_vector | None:
    """What resize makes of a new one-bit tnode at `pos` over two leaves (either may be
    None): it collapses to the one present; with both it inflates to two bits at pos - 1
    (2 of 2 used meets either inflate threshold, 2 of 4 does not), unless pos is 0. The
    result's parent is left for the caller. Kernel: net/ipv4/fib_trie.c resize (should_inflate,
    inflate, should_collapse, collapse), for the two places that make such a tnode."""
    if c0 is None:
        return c1
    if c1 is None:
        return c0
    tn = tnode_new(c0.key, pos - 1, 2) if pos else tnode_new(c0.key, 0, 1)
    tkey = tn.key
    tpos = tn.pos
    children = tn.tnode
    children[(c0.key ^ tkey) >> tpos] = c0
    children[(c1.key ^ tkey) >> tpos] = c1
    c0.parent = c1.parent = tn
    tn.empty_children -= 2
    tn.slen = max(tpos, c0.slen, c1.slen)
    return tn


def tnode_free(tn: tnode) -> None:
    """Free a tnode that inflate or halve replaced, with the full children inflate split
    (the kernel queues them on it with tnode_free_append). They point back at it (parent),
    so dropping its child array lets reference counting free them all at once instead of
    leaving cycles for the garbage collector. Kernel: net/ipv4/fib_trie.c tnode_free."""
    del tn.tnode


def replace(t: trie, oldtnode: tnode, tn: tnode, full: list[tnode]) -> tnode:
    """Put tn in oldtnode's place, free oldtnode and resize tn's full children (`full`, in
    index order, as _tnode_fill found them: resizing one child changes no other slot), last
    first.

    Kernel: net/ipv4/fib_trie.c replace (its update_children is done by _tnode_fill).
    """
    tp = _parent(oldtnode)
    tn.parent = tp
    put_child_root(tp, tn.key, tn)
    tnode_free(oldtnode)
    for inode in reversed(full):
        tn = resize(t, inode)
    return tp


def inflate(t: trie, oldtnode: tnode) -> tnode:
    """Double a tnode's child array; full children are split in two (or, with one bit,
    replaced by their two children). Kernel: net/ipv4/fib_trie.c inflate.

    A full two-bit child over leaves splits into two one-bit tnodes over two leaves each,
    which replace() resizes at once: they are built in their resized form (_join_leaves).
    """
    tn = tnode_new(oldtnode.key, oldtnode.pos - 1, oldtnode.bits + 1)
    tkey = tn.key
    tpos = tn.pos
    opos = oldtnode.pos
    m = 1 << tpos
    new = tn.tnode
    for inode in filter(None, oldtnode.tnode):  # the children that are not None
        if not inode.bits or inode.pos + inode.bits != opos:  # not tnode_full
            new[(inode.key ^ tkey) >> tpos] = inode
            continue
        i = (inode.key ^ oldtnode.key) >> opos
        grand = inode.tnode
        if inode.bits == 1:
            new[2 * i] = grand[0]
            new[2 * i + 1] = grand[1]
            continue
        if inode.bits == 2:
            g0, g1, g2, g3 = grand
            if ((g0 is None or not g0.bits) and (g1 is None or not g1.bits)
                    and (g2 is None or not g2.bits) and (g3 is None or not g3.bits)):
                new[2 * i] = _join_leaves(g0, g1, inode.pos)
                new[2 * i + 1] = _join_leaves(g2, g3, inode.pos)
                continue
        half = len(grand) // 2
        node0 = tnode_new(inode.key, inode.pos, inode.bits - 1)
        node1 = tnode_new(inode.key | m, inode.pos, inode.bits - 1)
        node0.tnode = grand[:half]
        node1.tnode = grand[half:]
        _tnode_fill(node0)
        _tnode_fill(node1)
        new[2 * i] = node0
        new[2 * i + 1] = node1
    return replace(t, oldtnode, tn, _tnode_fill(tn))


def halve(t: trie, oldtnode: tnode) -> tnode:
    """Halve a tnode's child array; sibling pairs that are both present get a new one-bit
    tnode. Kernel: net/ipv4/fib_trie.c halve."""
    tn = tnode_new(oldtnode.key, oldtnode.pos + 1, oldtnode.bits - 1)
    old = oldtnode.tnode
    new = tn.tnode
    for j in range(len(new)):
        node0 = old[2 * j]
        node1 = old[2 * j + 1]
        if node1 is None or node0 is None:
            new[j] = node0 if node1 is None else node1
            continue
        inode = tnode_new(node0.key, oldtnode.pos, 1)
        inode.tnode[0] = node0
        inode.tnode[1] = node1
        _tnode_fill(inode)
        new[j] = inode
    return replace(t, oldtnode, tn, _tnode_fill(tn))


def collapse(t: trie, oldtnode: tnode) -> tnode:
    """Replace a tnode with its only child. Kernel: net/ipv4/fib_trie.c collapse."""
    n = None
    for child in reversed(oldtnode.tnode):
        if child is not None:
            n = child
            break
    tp = _parent(oldtnode)
    put_child_root(tp, oldtnode.key, n)
    if n is not None:
        n.parent = tp
    return tp


def update_suffix(tn: tnode) -> int:
    """Recompute tn.slen from its children. Kernel: net/ipv4/fib_trie.c update_suffix."""
    slen = tn.pos
    for n in tn.tnode:
        if n is not None and n.slen > slen:
            slen = n.slen
    tn.slen = slen
    return slen


def should_inflate(tp: tnode, tn: tnode) -> bool:
    """Kernel: net/ipv4/fib_trie.c should_inflate."""
    used = 1 << tn.bits
    threshold = used * (INFLATE_THRESHOLD_ROOT if tp.pos >= KEYLENGTH else INFLATE_THRESHOLD)
    used = used - tn.empty_children + tn.full_children
    return used > 1 and tn.pos != 0 and 50 * used >= threshold


def should_halve(tp: tnode, tn: tnode) -> bool:
    """Kernel: net/ipv4/fib_trie.c should_halve."""
    used = 1 << tn.bits
    threshold = used * (HALVE_THRESHOLD_ROOT if tp.pos >= KEYLENGTH else HALVE_THRESHOLD)
    used -= tn.empty_children
    return used > 1 and tn.bits > 1 and 100 * used < threshold


def should_collapse(tn: tnode) -> bool:
    """Kernel: net/ipv4/fib_trie.c should_collapse."""
    return (1 << tn.bits) - tn.empty_children < 2


def resize(t: trie, tn: tnode) -> tnode:
    """Inflate, else halve, else collapse tn; returns the parent to continue with.

    Kernel: net/ipv4/fib_trie.c resize. Most calls have nothing to do (trie_rebalance calls
    it on every level of an insert's path, replace on every full child), so the three tests
    are first made together with their arithmetic inlined.
    """
    tp = _parent(tn)
    size = 1 << tn.bits
    used = size - tn.empty_children
    if tp.pos >= KEYLENGTH:
        inflate_at, halve_at = INFLATE_THRESHOLD_ROOT, HALVE_THRESHOLD_ROOT
    else:
        inflate_at, halve_at = INFLATE_THRESHOLD, HALVE_THRESHOLD
    if used > 1 and ((used + tn.full_children) * 50 < size * inflate_at or not tn.pos) and (
            used * 100 >= size * halve_at or tn.bits < 2):
        return tp
    cindex = (tn.key ^ tp.key) >> tp.pos
    max_work = MAX_WORK
    while should_inflate(tp, tn) and max_work:
        tp = inflate(t, tn)
        max_work -= 1
        nxt = tp.tnode[cindex]
        assert isinstance(nxt, tnode)
        tn = nxt
    tp = _parent(tn)
    if max_work != MAX_WORK:
        return tp
    while should_halve(tp, tn) and max_work:
        tp = halve(t, tn)
        max_work -= 1
        nxt = tp.tnode[cindex]
        assert isinstance(nxt, tnode)
        tn = nxt
    if should_collapse(tn):
        return collapse(t, tn)
    return _parent(tn)


def node_pull_suffix(tn: tnode, slen: int) -> None:
    """Kernel: net/ipv4/fib_trie.c node_pull_suffix."""
    node_slen = tn.slen
    while node_slen > tn.pos and node_slen > slen:
        slen = update_suffix(tn)
        if node_slen == slen:
            break
        tn = _parent(tn)
        node_slen = tn.slen


def node_push_suffix(tn: tnode, slen: int) -> None:
    """Kernel: net/ipv4/fib_trie.c node_push_suffix (ends at the trie head: its slen is
    KEYLENGTH)."""
    while tn.slen < slen:
        tn.slen = slen
        tn = tn.parent  # type: ignore[assignment]


def trie_rebalance(t: trie, tn: tnode) -> None:
    """resize() each tnode from tn up to the root. Kernel: net/ipv4/fib_trie.c trie_rebalance."""
    while tn.pos < KEYLENGTH:  # not IS_TRIE
        tn = resize(t, tn)


def fib_find_node(t: trie, key: int) -> tuple[key_vector | None, tnode]:
    """The leaf with exactly `key` (or None) and its parent.

    Kernel: net/ipv4/fib_trie.c fib_find_node.
    """
    pn = t.kv
    n = pn.tnode[0]
    while n is not None:
        index = (key ^ n.key) >> n.pos
        if index >> n.bits:
            return None, pn
        if not isinstance(n, tnode):
            return n, pn
        pn = n
        n = n.tnode[index]
    return None, pn


def fib_find_alias(fah: list[fib_alias] | tuple[fib_alias] | None, slen: int, dscp: int,
                   prio: int, tb_id: int, find_first: bool) -> fib_alias | None:
    """First alias with the same (slen, tb_id, dscp, priority) key, or the one to insert
    before; `fah` is leaf_aliases of the leaf. Kernel: net/ipv4/fib_trie.c fib_find_alias."""
    if not fah:
        return None
    for fa in fah:
        if fa.fa_slen < slen:
            continue
        if fa.fa_slen != slen:
            break
        if fa.tb_id > tb_id:
            continue
        if fa.tb_id != tb_id:
            break
        if find_first:
            return fa
        if fa.fa_dscp > dscp:
            continue
        if fa.fa_info.fib_priority >= prio or fa.fa_dscp < dscp:
            return fa
    return None


def fib_insert_node(t: trie, tp: tnode, new: fib_alias, key: int) -> None:
    """Add a leaf for `key` under tp (in tp's slot or, if taken, beside its node under a new
    tnode). Kernel: net/ipv4/fib_trie.c fib_insert_node.

    When the slot holds a leaf, the kernel's new one-bit tnode (at the highest bit where the
    keys differ) over both leaves is resized at once by the trie_rebalance that follows;
    it is built here in its resized form (_join_leaves), and the rebalance starts above it,
    where resize returns. The suffix push then starts at tp, before the new node raises
    tp's slen (the kernel's push from the one-bit tnode changes tp and above the same way).
    """
    l = leaf_new(key, new)
    slen = new.fa_slen
    n = tp.tnode[(key ^ tp.key) >> tp.pos]
    if n is not None and not n.bits:
        joined = _join_leaves(n, l, (key ^ n.key).bit_length() - 1)
        assert joined is not None
        l = joined
    elif n is not None:
        tn = tnode_new(key, (key ^ n.key).bit_length() - 1, 1)
        tn.parent = tp
        put_child(tn, get_index(key, tn) ^ 1, n)
        put_child_root(tp, key, tn)
        n.parent = tn
        tp = tn
    if tp.slen < slen:  # node_push_suffix's test, made before calling it
        node_push_suffix(tp, slen)
    l.parent = tp
    put_child_root(tp, key, l)
    trie_rebalance(t, tp)


def fib_insert_alias(t: trie, tp: tnode, l: key_vector | None, new: fib_alias,
                     fa: fib_alias | None, key: int) -> None:
    """Insert `new` before `fa`, or at the end of its (slen, tb_id) section.

    Kernel: net/ipv4/fib_trie.c fib_insert_alias.
    """
    t.genid += 1
    if l is None:
        fib_insert_node(t, tp, new, key)
        return
    lst = list(leaf_aliases(l))
    if fa is not None:
        lst.insert(lst.index(fa), new)
    else:
        pos = 0
        for i, last in enumerate(lst):
            if new.fa_slen < last.fa_slen:
                break
            if new.fa_slen == last.fa_slen and new.tb_id > last.tb_id:
                break
            pos = i + 1
        lst.insert(pos, new)
    l.leaf = lst
    if l.slen < new.fa_slen:
        l.slen = new.fa_slen
        node_push_suffix(tp, new.fa_slen)


def fib_remove_alias(t: trie, tp: tnode, l: key_vector, old: fib_alias) -> None:
    """Unlink `old`; free the leaf when empty. Kernel: net/ipv4/fib_trie.c fib_remove_alias."""
    t.genid += 1
    lst = list(leaf_aliases(l))
    idx = lst.index(old)
    del lst[idx]
    if not lst:
        if tp.slen == l.slen:
            node_pull_suffix(tp, tp.pos)
        put_child_root(tp, l.key, None)
        trie_rebalance(t, tp)
        return
    _leaf_set(l, lst)
    if idx < len(lst):
        return
    l.slen = lst[-1].fa_slen
    node_pull_suffix(tp, l.slen)


def fib_table_insert(net: Net, tb: fib_table, cfg: fib_config, extack: Any) -> int:
    """Add a route (RTM_NEWROUTE semantics of NLM_F_CREATE/EXCL/REPLACE/APPEND).

    Returns 0 or -errno (EEXIST, ENOENT, or fib_create_info's error). Kernel: net/ipv4/fib_trie.c
    fib_table_insert. Process context, RTNL.
    """
    t: trie = tb.tb_data
    plen = cfg.fc_dst_len
    slen = KEYLENGTH - plen
    key = cfg.fc_dst
    fi = fib_semantics.fib_create_info(cfg, extack)
    if isinstance(fi, int):
        return fi
    dscp = cfg.fc_dscp
    l, tp = fib_find_node(t, key)
    fa = (fib_find_alias(leaf_aliases(l), slen, dscp, fi.fib_priority, tb.tb_id, False)
          if l is not None else None)
    nlflags = cfg.fc_nlflags
    if fa is not None and fa.fa_dscp == dscp and fa.fa_info.fib_priority == fi.fib_priority:
        if nlflags & uapi_rt.NLM_F_EXCL:
            fib_semantics.fib_release_info(fi)
            return -errno.EEXIST
        assert l is not None
        lst = list(leaf_aliases(l))
        fa_first = fa
        fa_match = None
        for cand in lst[lst.index(fa):]:
            if cand.fa_slen != slen or cand.tb_id != tb.tb_id or cand.fa_dscp != dscp:
                break
            if cand.fa_info.fib_priority != fi.fib_priority:
                break
            if cand.fa_type == cfg.fc_type and cand.fa_info is fi:
                fa_match = cand
                break
        if nlflags & uapi_rt.NLM_F_REPLACE:
            if fa_match is not None:
                fib_semantics.fib_release_info(fi)
                return 0 if fa_match is fa_first else -errno.EEXIST
            new_fa = fib_alias(fi, fa_first.fa_dscp, cfg.fc_type, fa_first.fa_slen, tb.tb_id)
            state = fa_first.fa_state
            new_fa.fa_state = state & ~FA_S_ACCESSED
            lst[lst.index(fa_first)] = new_fa
            _leaf_set(l, lst)
            t.genid += 1
            fib_semantics.rtmsg_fib(uapi_rt.RTM_NEWROUTE, key, new_fa, plen, tb.tb_id,
                                    cfg.fc_nlinfo, uapi_rt.NLM_F_REPLACE)
            fib_semantics.fib_release_info(fa_first.fa_info)
            if state & FA_S_ACCESSED:
                route.rt_cache_flush(net)
            return 0
        if fa_match is not None:
            fib_semantics.fib_release_info(fi)
            return -errno.EEXIST
        if nlflags & uapi_rt.NLM_F_APPEND:
            fa = next((c for c in lst[lst.index(fa_first):]
                       if c.fa_slen != slen or c.tb_id != tb.tb_id or c.fa_dscp != dscp
                       or c.fa_info.fib_priority != fi.fib_priority), None)
        else:
            fa = fa_first
    if not nlflags & uapi_rt.NLM_F_CREATE:
        fib_semantics.fib_release_info(fi)
        return -errno.ENOENT
    new_fa = fib_alias(fi, dscp, cfg.fc_type, slen, tb.tb_id)
    fib_insert_alias(t, tp, l, new_fa, fa, key)
    if not plen:
        tb.tb_num_default += 1
    route.rt_cache_flush(net)
    fib_semantics.rtmsg_fib(uapi_rt.RTM_NEWROUTE, key, new_fa, plen, new_fa.tb_id, cfg.fc_nlinfo,
                            nlflags & (uapi_rt.NLM_F_APPEND | uapi_rt.NLM_F_CREATE))
    return 0


def fib_table_delete(net: Net, tb: fib_table, cfg: fib_config, extack: Any) -> int:
    """Delete the first alias matching cfg's non-zero selectors; -ESRCH if none.

    Kernel: net/ipv4/fib_trie.c fib_table_delete. Process context, RTNL.
    """
    t: trie = tb.tb_data
    plen = cfg.fc_dst_len
    slen = KEYLENGTH - plen
    l, tp = fib_find_node(t, cfg.fc_dst)
    if l is None:
        return -errno.ESRCH
    dscp = cfg.fc_dscp
    aliases = leaf_aliases(l)
    fa = fib_find_alias(aliases, slen, dscp, 0, tb.tb_id, False)
    if fa is None:
        return -errno.ESRCH
    fa_to_delete = None
    for cand in aliases[aliases.index(fa):]:
        fi = cand.fa_info
        if cand.fa_slen != slen or cand.tb_id != tb.tb_id or cand.fa_dscp != dscp:
            break
        if ((not cfg.fc_type or cand.fa_type == cfg.fc_type)
                and (cfg.fc_scope == uapi_rt.RT_SCOPE_NOWHERE or fi.fib_scope == cfg.fc_scope)
                and (not cfg.fc_prefsrc or fi.fib_prefsrc == cfg.fc_prefsrc)
                and (not cfg.fc_protocol or fi.fib_protocol == cfg.fc_protocol)
                and fib_semantics.fib_nh_match(net, cfg, fi, extack) == 0
                and fib_semantics.fib_metrics_match(cfg, fi)):
            fa_to_delete = cand
            break
    if fa_to_delete is None:
        return -errno.ESRCH
    fib_semantics.rtmsg_fib(uapi_rt.RTM_DELROUTE, cfg.fc_dst, fa_to_delete, plen, tb.tb_id,
                            cfg.fc_nlinfo, 0)
    if not plen:
        tb.tb_num_default -= 1
    fib_remove_alias(t, tp, l, fa_to_delete)
    if fa_to_delete.fa_state & FA_S_ACCESSED:
        route.rt_cache_flush(net)
    fib_semantics.fib_release_info(fa_to_delete.fa_info)
    return 0


def fib_table_lookup(tb: fib_table, flp: flowi4, res: fib_result, fib_flags: int) -> int:
    """Longest-prefix match with backtracking; fills `res`.

    Returns 0, -EAGAIN (no route; THROW), or the route type's error (reject types stop the
    search). Records into `flp.decision` when set (one walk: the records are made where the
    kernel makes the decisions, each behind a `dec is not None` test). Kernel:
    net/ipv4/fib_trie.c fib_table_lookup. Any context (RCU reader).

    Step 2 tests `(key ^ n.key) >> n.slen`, which is non-zero exactly when no prefix that
    Step 2 can reach from n (n's child-0 chain, down to a leaf's aliases) covers key. A node
    passing it passes the kernel's test (no prefix_mismatch, slen != pos); the other nodes
    it turns away are those below which the kernel would skip every alias in Step 3 (an
    alias that does not cover key is neither marked accessed nor recorded), so the result
    and the decision record are the kernel's.
    """
    # Hot path: node fields are read once into locals, get_cindex/IS_TRIE/node_parent are
    # inlined (static inline in the kernel), and Step 3 stays in this function as in the
    # kernel (a helper call per leaf cost more than the rest of Step 3).
    t: trie = tb.tb_data
    key = flp.daddr
    pn: key_vector = t.kv
    cindex = 0
    n: key_vector | None = pn.tnode[0]
    ok = False
    # Step 1: travel to the longest prefix match candidate.
    while n is not None:
        pos = n.pos
        index = (key ^ n.key) >> pos
        bits = n.bits
        if index >> bits or not bits:
            ok = not index >> (n.slen - pos)  # Step 2's test: slen >= pos
            break
        if n.slen > pos:
            pn = n
            cindex = index
        n = n.tnode[index]
    dec = flp.decision
    while True:
        if ok and n is not None:
            # Step 2: descend to child 0 while a prefix under n may cover key.
            while n.bits:
                n = n.tnode[0]
                if n is None or (key ^ n.key) >> n.slen:
                    break
            else:
                # Step 3: the first usable alias of the leaf whose prefix covers key.
                index = key ^ n.key
                last_slen = -1
                aliases = n.leaf
                for fa in aliases if isinstance(aliases, list) else (aliases,):
                    slen = fa.fa_slen
                    if index >> slen:
                        continue
                    if dec is not None and slen != last_slen:
                        last_slen = slen
                        plen = KEYLENGTH - slen
                        dec.prefix(tb.tb_id, n.key & devinet.inet_make_mask(plen), plen, True,
                                   "covers the destination")
                    fi = fa.fa_info
                    if fa.fa_dscp and fa.fa_dscp != flp.flowi4_tos & IPTOS_RT_MASK:
                        if dec is not None:
                            _record_alias(dec, tb, n, fa, False, "tos does not match")
                        continue
                    if fi.fib_dead:
                        continue
                    if fi.fib_scope < flp.flowi4_scope:
                        if dec is not None:
                            _record_alias(dec, tb, n, fa, False, f"route scope {fi.fib_scope}"
                                          f" < flow scope {flp.flowi4_scope}")
                        continue
                    if not fa.fa_state & FA_S_ACCESSED:  # fib_alias_accessed
                        fa.fa_state |= FA_S_ACCESSED
                    if fa.fa_type != RTN_UNICAST:  # unicast's error is 0
                        err = fib_semantics.fib_props[fa.fa_type][0]
                        if err < 0:
                            if dec is not None:
                                _record_alias(dec, tb, n, fa, True, f"reject type, error {err}")
                            return _lookup_done(t, tb, flp, None, err)
                    if fi.fib_flags & RTNH_F_DEAD:
                        if dec is not None:
                            _record_alias(dec, tb, n, fa, False, "all nexthops dead")
                        continue
                    oif = flp.flowi4_oif
                    nhsel = 0
                    for nhc in fi.fib_nh:
                        if nhc.nhc_flags & NHC_BAD_FLAGS or (oif and oif != nhc.nhc_oif):
                            why = fib_lookup_good_nhc(nhc, fib_flags, flp)
                            if why:
                                if dec is not None:
                                    dec.nexthop(fib_semantics.nhc_desc(nhc), False, why)
                                nhsel += 1
                                continue
                        break
                    else:
                        # No usable nexthop of its own; a nexthop object (fi.nh) has none:
                        # the kernel tests it first, the empty loop makes that order moot.
                        nh = fi.nh
                        if nh is not None and nexthop.nexthop_is_blackhole(nh):
                            err = fib_semantics.fib_props[RTN_BLACKHOLE][0]
                            if dec is not None:
                                _record_alias(dec, tb, n, fa, True,
                                              f"blackhole nexthop {nh.id}, error {err}")
                            return _lookup_done(t, tb, flp, None, err)
                        found = (nexthop.nexthop_get_nhc_lookup(nh, fib_flags, flp)
                                 if nh is not None else None)
                        if found is None:
                            if dec is not None:
                                _record_alias(dec, tb, n, fa, False, "no usable nexthop")
                            continue
                        nhc, nhsel = found
                    res.prefix = n.key
                    res.prefixlen = KEYLENGTH - slen
                    res.nh_sel = nhsel
                    res.nhc = nhc
                    res.type = fa.fa_type
                    res.scope = fi.fib_scope
                    res.fi = fi
                    res.table = tb
                    res.fa_head = n
                    if dec is not None:
                        _record_alias(dec, tb, n, fa, True, "first usable alias")
                        dec.nexthop(fib_semantics.nhc_desc(nhc), True, "usable")
                    tr = t.trace
                    if tr is not None:
                        tr.fib_table_lookup(tb.tb_id, flp, nhc, 0)
                    return 0
        # Backtrace: clear the lowest index bit until a child passes Step 2's test, climbing
        # to the parent when the index runs out.
        children = pn.tnode
        while True:
            if not cindex:
                if pn.pos >= KEYLENGTH:  # IS_TRIE
                    return _lookup_done(t, tb, flp, None, -errno.EAGAIN)
                pkey = pn.key
                pn = pn.parent  # type: ignore[assignment]
                cindex = (pkey ^ pn.key) >> pn.pos
                children = pn.tnode
                continue
            cindex &= cindex - 1
            n = children[cindex]
            if n is not None and not (key ^ n.key) >> n.slen:
                break
        ok = True


def _lookup_done(t: trie, tb: fib_table, flp: flowi4, nhc: fib_nh_common | None,
                 err: int) -> int:
    tr = t.trace
    if tr is not None:
        tr.fib_table_lookup(tb.tb_id, flp, nhc, err)
    return err


def _record_alias(dec: Any, tb: fib_table, n: key_vector, fa: fib_alias, taken: bool,
                  why: str) -> None:
    plen = KEYLENGTH - fa.fa_slen
    dec.alias(tb.tb_id, n.key & devinet.inet_make_mask(plen), plen, fib_semantics.fa_desc(fa),
              taken, why)


def fib_lookup_good_nhc(nhc: fib_nh_common, fib_flags: int, flp: flowi4) -> str:
    """Why the nexthop is unusable for this flow ("" if usable).

    Kernel: net/ipv4/fib_trie.c fib_lookup_good_nhc (which returns a bool).
    """
    flags = nhc.nhc_flags
    if flags & uapi_rt.RTNH_F_DEAD:
        return "dead"
    if (flags & uapi_rt.RTNH_F_LINKDOWN and not fib_flags & FIB_LOOKUP_IGNORE_LINKSTATE
            and fib_semantics.ip_ignore_linkdown(nhc.nhc_dev)):
        return "linkdown and ignore_routes_with_linkdown"
    if flp.flowi4_oif and flp.flowi4_oif != nhc.nhc_oif:
        return "flow oif differs"
    return ""


def fib_trie_leaves(t: trie) -> Iterator[key_vector]:
    """Leaves in ascending key order. Kernel: net/ipv4/fib_trie.c leaf_walk_rcu as used by dumps."""
    stack: list[key_vector] = []
    root = t.kv.tnode[0]
    if root is not None:
        stack.append(root)
    while stack:
        n = stack.pop()
        if not n.bits:
            yield n
        else:
            stack.extend(c for c in reversed(n.tnode) if c is not None)


def _trie_flush_walk(t: trie, remove: Callable[[fib_alias], bool]) -> int:
    """Walk the trie in reverse, drop the aliases `remove` selects (it releases what it must),
    free emptied leaves and resize tnodes on the way up. Returns how many were dropped.

    Kernel: net/ipv4/fib_trie.c fib_table_flush / fib_table_flush_external (their shared walk).
    """
    pn = t.kv
    cindex = 1
    found = 0
    while True:
        if not cindex:
            pkey = pn.key
            if IS_TRIE(pn):
                break
            if pn.slen > pn.pos:
                update_suffix(pn)
            pn = resize(t, pn)
            cindex = get_index(pkey, pn)
            continue
        cindex -= 1
        n = pn.tnode[cindex]
        if n is None:
            continue
        if isinstance(n, tnode):
            pn = n
            cindex = 1 << n.bits
            continue
        slen = 0
        keep = []
        for fa in leaf_aliases(n):
            if remove(fa):
                found += 1
            else:
                keep.append(fa)
                slen = fa.fa_slen
        n.slen = slen
        if keep:
            _leaf_set(n, keep)
        else:
            put_child_root(pn, n.key, None)
    if found:
        t.genid += 1
    return found


def fib_table_dump(tb: fib_table, flags: int) -> list[uapi_rt.nlmsg]:
    """RTM_NEWROUTE messages of tb's own aliases, in key order (broadcast/local routes
    included, as the kernel's dump). Kernel: net/ipv4/fib_trie.c fib_table_dump."""
    out = []
    for l in fib_trie_leaves(tb.tb_data):
        for fa in leaf_aliases(l):
            if fa.tb_id != tb.tb_id or flags & uapi_rt.RTM_F_CLONED:
                continue
            out.append(fib_semantics.fib_dump_info(uapi_rt.RTM_NEWROUTE, tb.tb_id, l.key,
                                                   KEYLENGTH - fa.fa_slen, fa,
                                                   uapi_rt.NLM_F_MULTI))
    return out


def fib_info_notify_update(net: Net, info: nl_info, fis: set[int]) -> None:
    """RTM_NEWROUTE with NLM_F_REPLACE for every route whose fib_info is in `fis` (ids of the
    fib_infos a replaced nexthop serves; the kernel marks them with fi->nh_updated), table by
    table, each trie walked from its highest key down. Kernel: net/ipv4/fib_trie.c
    fib_info_notify_update, __fib_info_notify_update."""
    if not rtnetlink.rtnl_has_listeners(net, uapi_rt.RTNLGRP_IPV4_ROUTE):
        return
    for tb in fib_frontend.fib_tables(net):
        for l in reversed(list(fib_trie_leaves(tb.tb_data))):
            for fa in leaf_aliases(l):
                if id(fa.fa_info) in fis and fa.tb_id == tb.tb_id:
                    fib_semantics.rtmsg_fib(uapi_rt.RTM_NEWROUTE, l.key, fa,
                                            KEYLENGTH - fa.fa_slen, tb.tb_id, info,
                                            uapi_rt.NLM_F_REPLACE)


def fib_table_flush(net: Net, tb: fib_table, flush_all: bool) -> int:
    """Remove this table's aliases whose fib_info is dead (error routes too, as a removed
    nexthop leaves them), and every error route when the namespace goes away (flush_all).
    Returns how many. Kernel: net/ipv4/fib_trie.c fib_table_flush. Process context, RTNL.
    """
    props = fib_semantics.fib_props

    def remove(fa: fib_alias) -> bool:
        fi = fa.fa_info
        err = props[fa.fa_type][0]
        dead = fi.fib_flags & uapi_rt.RTNH_F_DEAD
        if tb.tb_id != fa.tb_id or (not dead and not err):
            return False
        if not flush_all and err and not dead:  # error routes go only when dead
            return False
        if fa.fa_slen == KEYLENGTH:
            tb.tb_num_default -= 1
        fib_semantics.fib_release_info(fi)
        return True

    return _trie_flush_walk(tb.tb_data, remove)


def fib_table_flush_external(tb: fib_table) -> None:
    """Drop the aliases of other tables (cloned to local on unmerge) from tb's trie.

    Kernel: net/ipv4/fib_trie.c fib_table_flush_external.
    """
    _trie_flush_walk(tb.tb_data, lambda fa: fa.tb_id != tb.tb_id)


def fib_trie_table(id: int, alias: fib_table | None, trace: Any = None) -> fib_table:
    """A new table with its own trie, or sharing `alias`'s (local sharing main's).

    Kernel: net/ipv4/fib_trie.c fib_trie_table. `trace` is the kernel's Tracepoints (k.trace).
    """
    if alias is not None:
        return fib_table(id, alias.tb_data, None)
    t = trie(trace)
    return fib_table(id, t, t)


def fib_trie_unmerge(oldtb: fib_table) -> fib_table:
    """A local table with its own trie holding clones of oldtb's aliases; oldtb itself when it
    already owns its trie. Kernel: net/ipv4/fib_trie.c fib_trie_unmerge (RTNL)."""
    ot: trie = oldtb.tb_data
    if ot is oldtb.tb_own_data:
        return oldtb
    local_tb = fib_trie_table(uapi_rt.RT_TABLE_LOCAL, None, ot.trace)
    lt: trie = local_tb.tb_data
    for l in list(fib_trie_leaves(ot)):
        for fa in leaf_aliases(l):
            if fa.tb_id != local_tb.tb_id:
                continue
            new_fa = fib_alias(fa.fa_info, fa.fa_dscp, fa.fa_type, fa.fa_slen, fa.tb_id)
            new_fa.fa_state = fa.fa_state
            local_l, local_tp = fib_find_node(lt, l.key)
            fib_insert_alias(lt, local_tp, local_l, new_fa, None, l.key)
    local_tb.tb_num_default = oldtb.tb_num_default
    return local_tb


def _be32(a: int) -> int:
    """The value a little-endian machine prints for a __be32 (the kernel's %08X of it)."""
    return int.from_bytes(a.to_bytes(4, "big"), "little")


RT_SCOPE_NAMES = {uapi_rt.RT_SCOPE_UNIVERSE: "universe", uapi_rt.RT_SCOPE_SITE: "site",
                  uapi_rt.RT_SCOPE_LINK: "link", uapi_rt.RT_SCOPE_HOST: "host",
                  uapi_rt.RT_SCOPE_NOWHERE: "nowhere"}


def fib_trie_walk(t: trie) -> Iterator[tuple[key_vector, int]]:
    """(node, depth) in the order of fib_trie_get_first/get_next: a tnode, then its
    children by index. Kernel: net/ipv4/fib_trie.c fib_trie_get_next."""
    root = t.kv.tnode[0]
    if root is None:
        return
    if not root.bits:
        yield root, 0
        return
    stack: list[tuple[key_vector, int]] = [(root, 1)]
    while stack:
        n, depth = stack.pop()
        yield n, depth - 1 if n.bits else depth
        if n.bits:
            for c in reversed(n.tnode):
                if c is not None:
                    stack.append((c, depth + 1 if c.bits else depth))


def _table_heading(tb: fib_table) -> str:
    if tb.tb_id == uapi_rt.RT_TABLE_LOCAL:
        return "Local:\n"
    if tb.tb_id == uapi_rt.RT_TABLE_MAIN:
        return "Main:\n"
    return f"Id {tb.tb_id}:\n"


def fib_trie_seq_show(net: Net) -> str:
    """/proc/net/fib_trie. Kernel: net/ipv4/fib_trie.c fib_trie_seq_show."""
    out: list[str] = []
    for tb in fib_frontend.fib_tables(net):
        first = True
        for n, depth in fib_trie_walk(tb.tb_data):
            if first:
                out.append(_table_heading(tb))
                first = False
            if n.bits:
                out.append("   " * depth + f"  +-- {inet.ntoa(n.key)}/{KEYLENGTH - n.pos - n.bits} "
                           f"{n.bits} {n.full_children} {n.empty_children}\n")
                continue
            out.append("   " * depth + f"  |-- {inet.ntoa(n.key)}\n")
            for fa in leaf_aliases(n):
                scope = fa.fa_info.fib_scope
                line = ("   " * (depth + 1) + f"  /{KEYLENGTH - fa.fa_slen} "
                        f"{RT_SCOPE_NAMES.get(scope, f'scope={scope}')} "
                        f"{fib_semantics.RTN_NAMES[fa.fa_type].upper()}")
                if fa.fa_dscp:
                    line += f" tos={fa.fa_dscp}"
                out.append(line + "\n")
    return "".join(out)


def fib_triestat_seq_show(net: Net) -> str:
    """/proc/net/fib_triestat (without CONFIG_IP_FIB_TRIE_STATS counters, as distribution
    kernels are built). Kernel: net/ipv4/fib_trie.c fib_triestat_seq_show, trie_show_stats."""
    out = [f"Basic info: size of leaf: {LEAF_SIZE} bytes, size of tnode: {TNODE_SIZE0} bytes.\n"]
    for tb in fib_frontend.fib_tables(net):
        out.append(_table_heading(tb))
        leaves = prefixes = tnodes = totdepth = maxdepth = nullptrs = 0
        nodesizes = [0] * MAX_STAT_DEPTH
        for n, depth in fib_trie_walk(tb.tb_data):
            if n.bits:
                tnodes += 1
                if n.bits < MAX_STAT_DEPTH:
                    nodesizes[n.bits] += 1
                nullptrs += n.empty_children
            else:
                leaves += 1
                totdepth += depth
                maxdepth = max(maxdepth, depth)
                prefixes += len(leaf_aliases(n))
        avdepth = totdepth * 100 // leaves if leaves else 0
        out.append(f"\tAver depth:     {avdepth // 100}.{avdepth % 100:02d}\n")
        out.append(f"\tMax depth:      {maxdepth}\n")
        out.append(f"\tLeaves:         {leaves}\n")
        out.append(f"\tPrefixes:       {prefixes}\n")
        out.append(f"\tInternal nodes: {tnodes}\n\t")
        top = MAX_STAT_DEPTH
        while top > 0 and nodesizes[top - 1] == 0:
            top -= 1
        pointers = 0
        for i in range(1, top):
            if nodesizes[i]:
                out.append(f"  {i}: {nodesizes[i]}")
                pointers += (1 << i) * nodesizes[i]
        out.append("\n")
        out.append(f"\tPointers: {pointers}\n")
        size = LEAF_SIZE * leaves + FIB_ALIAS_SIZE * prefixes + TNODE_SIZE0 * tnodes + 8 * pointers
        out.append(f"Null ptrs: {nullptrs}\n")
        out.append(f"Total size: {(size + 1023) // 1024}  kB\n")
    return "".join(out)


def fib_route_seq_show(net: Net) -> str:
    """/proc/net/route: the main table's unicast/local/reject routes in the legacy format.

    Kernel: net/ipv4/fib_trie.c fib_route_seq_show, fib_flag_trans.
    """
    head = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
    out = [f"{head:<127}\n"]
    tb = fib_frontend.fib_get_table(net, uapi_rt.RT_TABLE_MAIN)
    if tb is None:
        return out[0]
    for l in fib_trie_leaves(tb.tb_data):
        prefix = _be32(l.key)
        for fa in leaf_aliases(l):
            if fa.fa_type in (uapi_rt.RTN_BROADCAST, uapi_rt.RTN_MULTICAST):
                continue
            if fa.tb_id != tb.tb_id:
                continue
            fi = fa.fa_info
            mask = devinet.inet_make_mask(KEYLENGTH - fa.fa_slen)
            flags = RTF_REJECT if fa.fa_type in (uapi_rt.RTN_UNREACHABLE,
                                                 uapi_rt.RTN_PROHIBIT) else 0
            nhc = fib_info_nhc(fi, 0)
            if nhc.nhc_gw:
                flags |= RTF_GATEWAY
            if mask == KEY_MAX:
                flags |= RTF_HOST
            flags |= RTF_UP
            gw = nhc.nhc_gw if nhc.nhc_gw_family == uapi_rt.AF_INET else 0
            advmss = fi.fib_metrics[uapi_rt.RTAX_ADVMSS - 1]
            window = fi.fib_metrics[uapi_rt.RTAX_WINDOW - 1]
            rtt = fi.fib_metrics[uapi_rt.RTAX_RTT - 1]
            row = (f"{nhc.nhc_dev.name if nhc.nhc_dev is not None else '*'}\t{prefix:08X}\t"
                   f"{_be32(gw):08X}\t{flags:04X}\t0\t0\t{fi.fib_priority}\t{_be32(mask):08X}\t"
                   f"{advmss + 40 if advmss else 0}\t{window}\t{rtt >> 3}")
            out.append(f"{row:<127}\n")
    return "".join(out)


class fib_batch_table:
    """A flattened copy of a table for vectorised lookups (DIR-24-8: one entry per /24, plus
    a 256-entry block per /24 that holds longer prefixes). Values are the `fib_table_lookup`
    outcome for a plain flow (tos 0, universe scope, no oif, linkstate honoured): the
    selected nexthop's oif, or a negative errno (-EAGAIN for no route).

    Valid while the trie's genid is `genid` and the nexthop state of `fis` (the table's
    distinct fib_infos) is still `nh_state`: carrier changes and the
    ignore_routes_with_linkdown sysctl change the outcome without changing a route."""

    __slots__ = ("fis", "genid", "nh_state", "tbl8", "tbl24")

    def __init__(self, genid: int, fis: list[fib_info], tbl24: np.ndarray,
                 tbl8: np.ndarray) -> None:
        self.genid = genid
        self.fis = fis
        self.nh_state = _nh_state(fis)
        self.tbl24 = tbl24
        self.tbl8 = tbl8


def _nh_state(fis: list[fib_info]) -> list[int]:
    """Per fib_info, then per nexthop, whether a plain-flow lookup may use it (the tests of
    _plain_result that do not depend on the trie)."""
    out: list[int] = []
    for fi in fis:
        out.append(not fi.fib_dead and not fi.fib_flags & RTNH_F_DEAD)
        if fi.nh is not None:  # a nexthop object: its paths change only with the seq
            out.append(fi.nh.net.nexthop.seq)
        for nhc in fi.fib_nh:
            flags = nhc.nhc_flags
            out.append(not flags & RTNH_F_DEAD and not (
                flags & uapi_rt.RTNH_F_LINKDOWN and fib_semantics.ip_ignore_linkdown(nhc.nhc_dev)))
    return out


def _plain_result(fa_list: list[fib_alias] | tuple[fib_alias], plen: int) -> int | None:
    """The value fib_table_lookup yields for a plain flow from the aliases of one prefix, or
    None when it would fall back to a shorter prefix."""
    slen = KEYLENGTH - plen
    for fa in fa_list:
        if fa.fa_slen != slen or fa.fa_dscp or fa.fa_info.fib_dead:
            continue
        err = fib_semantics.fib_props[fa.fa_type][0]
        if err < 0:
            return err
        fi = fa.fa_info
        if fi.fib_flags & uapi_rt.RTNH_F_DEAD:
            continue
        if fi.nh is not None:
            if nexthop.nexthop_is_blackhole(fi.nh):
                return fib_semantics.fib_props[RTN_BLACKHOLE][0]
            found = nexthop.nexthop_get_nhc_lookup(fi.nh, 0, flow.flowi4())
            if found is not None:
                return found[0].nhc_oif
            continue
        for nhc in fi.fib_nh:
            if nhc.nhc_flags & uapi_rt.RTNH_F_DEAD:
                continue
            if (nhc.nhc_flags & uapi_rt.RTNH_F_LINKDOWN
                    and fib_semantics.ip_ignore_linkdown(nhc.nhc_dev)):
                continue
            return nhc.nhc_oif
    return None


def _compile_batch(t: trie) -> fib_batch_table:
    routes: list[tuple[int, int, int]] = []
    fis: dict[int, fib_info] = {}
    for l in fib_trie_leaves(t):
        aliases = leaf_aliases(l)
        for fa in aliases:
            fis[id(fa.fa_info)] = fa.fa_info
        for plen in sorted({KEYLENGTH - fa.fa_slen for fa in aliases}):
            val = _plain_result(aliases, plen)
            if val is not None:
                routes.append((plen, l.key, val))
    routes.sort()
    tbl24 = np.full(1 << 24, -errno.EAGAIN, dtype=np.int32)
    long_routes = []
    for plen, key, val in routes:
        if plen <= 24:
            start = key >> 8
            tbl24[start:start + (1 << (24 - plen))] = val
        else:
            long_routes.append((plen, key, val))
    blocks: dict[int, int] = {}
    chunks: list[np.ndarray] = []
    for plen, key, val in long_routes:
        hi = key >> 8
        if hi not in blocks:
            blocks[hi] = len(chunks)
            chunks.append(np.full(256, tbl24[hi], dtype=np.int32))
        lo = key & 0xFF
        chunks[blocks[hi]][lo:lo + (1 << (32 - plen))] = val
    # Entries that continue in tbl8 are encoded as -(1 << 24) - block index.
    for hi, idx in blocks.items():
        tbl24[hi] = -(1 << 24) - idx
    tbl8 = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
    return fib_batch_table(t.genid, list(fis.values()), tbl24, tbl8)


def fib_table_lookup_batch(tb: fib_table, addrs: np.ndarray) -> np.ndarray:
    """Vectorised fib_table_lookup for plain flows (skbuff extension, no kernel twin):
    `addrs` are host-order uint32 destinations; returns int32 per address, the chosen
    nexthop's oif or a negative errno (-EAGAIN: no route; reject types: their error).
    The flattened table is rebuilt when the trie or its nexthops' state changed since the
    last call."""
    t: trie = tb.tb_data
    bt: fib_batch_table | None = t.batch
    if bt is None or bt.genid != t.genid or bt.nh_state != _nh_state(bt.fis):
        bt = _compile_batch(t)
        t.batch = bt
    a = np.asarray(addrs, dtype=np.uint32)
    res = bt.tbl24[a >> 8]
    ext = res <= -(1 << 24)
    if ext.any():
        idx = (-(1 << 24) - res[ext]).astype(np.int64) * 256 + (a[ext] & 0xFF)
        res[ext] = bt.tbl8[idx]
    return res
