"""sysctl: ctl_table entries, the kernel's proc handlers, and the per-machine registry.

Kernel: kernel/sysctl.c (proc_do*vec*, proc_dostring, proc_get_long), fs/proc/proc_sysctl.c
(register_sysctl, test_perm), net/sysctl_net.c (register_net_sysctl).

A `ctl_table` names its value as `data=(obj, "attr")` (or `(sequence, index)`, for arrays like
devconf `data[]`): the value lives on the owning object (`net.ipv4.sysctl_ip_default_ttl`) and
the stack reads it directly. `maxlen` is in bytes as in the
kernel (4 per int, 8 per unsigned long); with room for more than one value the attribute holds a
`list[int]`. A handler is `proc_handler(table, write, buf) -> 0 | -errno`: a read sets
`buf.text`, a write parses `buf.text`. Reads print vectors TAB-separated (without the trailing
newline `cat` shows). Writes follow proc_get_long: leading/trailing whitespace skipped, values
separated by whitespace, base prefixes 0x/0 accepted (strtoul base 0), anything else → EINVAL;
out of range → EINVAL; values before a bad one stay written, as in the kernel.
Permissions are checked as for root (owner bits): writing a read-only entry fails with EACCES
(at open(2), as `echo > /proc/sys/...` sees it).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.kernel.bug import KernelBug
from skbuff.kernel.current import current_kernel, reset_current, set_current
from skbuff.kernel.jiffies import (
    INT_MAX,
    LONG_MAX,
    UINT_MAX,
    ULONG_MASK,
    USER_HZ,
    clock_t_to_jiffies,
    jiffies_to_clock_t,
    jiffies_to_msecs,
    msecs_to_jiffies,
)

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel

SYSCTL_ZERO = 0
SYSCTL_ONE = 1
SYSCTL_TWO = 2
SYSCTL_THREE = 3
SYSCTL_FOUR = 4
SYSCTL_ONE_HUNDRED = 100
SYSCTL_TWO_HUNDRED = 200
SYSCTL_ONE_THOUSAND = 1000
SYSCTL_THREE_THOUSAND = 3000
SYSCTL_INT_MAX = INT_MAX
SYSCTL_NEG_ONE = -1

TMPBUFLEN = 22
PAGE_SIZE = 4096
_WSPACE = " \t\n\v\f\r"
_SEP = " \t\n"


class SysctlError(OSError):
    """A failed sysctl read/write: `.errno` is the kernel's errno."""

    def __init__(self, err: int) -> None:
        super().__init__(err, os.strerror(err))


class ctl_buf:
    """The user buffer of a proc handler call: input text for a write, output for a read."""

    __slots__ = ("text",)

    def __init__(self, text: str = "") -> None:
        self.text = text


ProcHandler = Callable[["ctl_table", bool, ctl_buf], int]


class _Parser:
    """proc_skip_spaces + proc_get_long over a write buffer. Kernel: kernel/sysctl.c."""

    __slots__ = ("p", "s")

    def __init__(self, text: str) -> None:
        self.s = text[: PAGE_SIZE - 1]
        self.p = 0

    def skip_spaces(self) -> bool:
        """Skip whitespace; True if input is left."""
        s, p = self.s, self.p
        while p < len(s) and s[p] in _WSPACE:
            p += 1
        self.p = p
        return p < len(s)

    def get_long(self) -> tuple[bool, int] | None:
        """Next (neg, value); None on a malformed number (the kernel's -EINVAL)."""
        s, start = self.s, self.p
        left = len(s) - start
        tmp = s[start : start + TMPBUFLEN - 1]
        p = 0
        neg = False
        if tmp[:1] == "-" and left > 1:
            neg = True
            p = 1
        if p >= len(tmp) or not tmp[p].isdigit():
            return None
        base = 10
        if tmp[p] == "0":
            if tmp[p + 1 : p + 2] in ("x", "X") and tmp[p + 2 : p + 3] and \
                    tmp[p + 2] in "0123456789abcdefABCDEF":
                base = 16
                p += 2
            else:
                base = 8
        digits = "0123456789abcdef"[:base]
        q = p
        while q < len(tmp) and tmp[q].lower() in digits:
            q += 1
        value = int(tmp[p:q], base) if q > p else 0
        if value > ULONG_MASK or q == TMPBUFLEN - 1:
            return None
        if q < left and s[start + q] not in _SEP:
            return None
        self.p = start + q
        return neg, value


class ctl_table:
    """struct ctl_table. `data` is `(obj, "attr")` or `(seq, index)`; `extra1`/`extra2` are bounds
    (or handler-specific objects). `on_write(net, old, new)` runs after a successful write.

    Kernel: include/linux/sysctl.h struct ctl_table.
    """

    __slots__ = ("data", "extra1", "extra2", "maxlen", "mode", "on_write", "proc_handler",
                 "procname")

    def __init__(
        self,
        procname: str,
        data: tuple[Any, str | int] | None = None,
        maxlen: int = 4,
        mode: int = 0o644,
        proc_handler: ProcHandler | None = None,
        extra1: Any = None,
        extra2: Any = None,
        on_write: Callable[[Any, Any, Any], None] | None = None,
    ) -> None:
        self.procname = procname
        self.data = data
        self.maxlen = maxlen
        self.mode = mode
        self.proc_handler: ProcHandler = proc_handler or proc_dointvec
        self.extra1 = extra1
        self.extra2 = extra2
        self.on_write = on_write

    def __repr__(self) -> str:
        return f"<ctl_table {self.procname} {self.proc_handler.__name__}>"


def _load(data: tuple[Any, str | int]) -> Any:
    obj, key = data
    return obj[key] if isinstance(key, int) else getattr(obj, key)


def _save(data: tuple[Any, str | int], value: Any) -> None:
    obj, key = data
    if isinstance(key, int):
        obj[key] = value
    else:
        setattr(obj, key, value)


def _values(table: ctl_table, size: int) -> list[int]:
    """The table's value(s) as a list (a copy)."""
    if table.data is None:
        return []
    v = _load(table.data)
    return list(v) if table.maxlen > size else [v]


def _store(table: ctl_table, size: int, vals: list[int]) -> None:
    if table.data is not None:
        _save(table.data, list(vals) if table.maxlen > size else vals[0])


def _do_intvec(table: ctl_table, write: bool, buf: ctl_buf,
               to_int: Callable[[bool, int], int | None],
               from_int: Callable[[int], tuple[bool, int]],
               lo: int | None = None, hi: int | None = None) -> int:
    """__do_proc_dointvec with a conversion pair and optional bounds. Kernel: kernel/sysctl.c."""
    if table.data is None or not table.maxlen:
        buf.text = ""
        return 0
    vals = _values(table, 4)
    if not write:
        out = []
        for v in vals:
            neg, lval = from_int(v)
            out.append(f"-{lval}" if neg else str(lval))
        buf.text = "\t".join(out)
        return 0
    parser = _Parser(buf.text)
    err = 0
    done = 0
    for i in range(len(vals)):
        if not parser.skip_spaces():
            break
        tok = parser.get_long()
        if tok is None:
            err = -errno.EINVAL
            break
        nv = to_int(*tok)
        if nv is None or (lo is not None and nv < lo) or (hi is not None and nv > hi):
            err = -errno.EINVAL
            break
        vals[i] = nv
        done += 1
    if done:
        _store(table, 4, vals)
    if not done:
        return err or -errno.EINVAL
    return err


def _int_conv(neg: bool, lval: int) -> int | None:
    """do_proc_dointvec_conv (write side)."""
    if neg:
        return None if lval > INT_MAX + 1 else -lval
    return None if lval > INT_MAX else lval


def _int_show(v: int) -> tuple[bool, int]:
    return (v < 0, -v if v < 0 else v)


def proc_dointvec(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """Vector of ints. Kernel: kernel/sysctl.c proc_dointvec."""
    return _do_intvec(table, write, buf, _int_conv, _int_show)


def proc_dointvec_minmax(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """Ints bounded by extra1..extra2 (either may be None). Kernel: kernel/sysctl.c."""
    return _do_intvec(table, write, buf, _int_conv, _int_show, table.extra1, table.extra2)


def proc_dointvec_ranges(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """An int pair low<TAB>high that must satisfy low <= high (e.g. a port range), each within
    extra1..extra2. Kernel: net/ipv4/sysctl_net_ipv4.c ipv4_local_port_range (its checks)."""
    if not write:
        return proc_dointvec(table, write, buf)
    scratch = [_values(table, 4)]  # the kernel's on-stack `struct ctl_table tmp`
    tmp = ctl_table(table.procname, (scratch, 0), table.maxlen, table.mode,
                    proc_dointvec_minmax, table.extra1, table.extra2)
    ret = proc_dointvec_minmax(tmp, True, buf)
    if ret:
        return ret
    low, high = scratch[0][0], scratch[0][1]
    if high < low:
        return -errno.EINVAL
    _store(table, 4, scratch[0])
    return 0


def _do_uint(table: ctl_table, write: bool, buf: ctl_buf, lo: int | None,
             hi: int | None, size: int = 4) -> int:
    """__do_proc_douintvec: a single unsigned value of `size` bytes. Kernel: kernel/sysctl.c."""
    if table.data is None or not table.maxlen:
        buf.text = ""
        return 0
    if table.maxlen != size:
        return -errno.EINVAL
    if not write:
        buf.text = str(_values(table, 4)[0] & UINT_MAX)
        return 0
    parser = _Parser(buf.text)
    if not parser.skip_spaces():
        return -errno.EINVAL
    tok = parser.get_long()
    if tok is None or tok[0] or tok[1] > UINT_MAX:
        return -errno.EINVAL
    v = tok[1]
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        return -errno.EINVAL
    _store(table, 4, [v])
    return 0



def proc_douintvec(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """One unsigned int; negatives → EINVAL. Kernel: kernel/sysctl.c proc_douintvec."""
    return _do_uint(table, write, buf, None, None)


def proc_douintvec_minmax(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """One unsigned int within extra1..extra2 (the kernel's -ERANGE surfaces as EINVAL).

    Kernel: kernel/sysctl.c proc_douintvec_minmax.
    """
    return _do_uint(table, write, buf, table.extra1, table.extra2)


def proc_dou8vec_minmax(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """One u8 (maxlen 1) within extra1..extra2, default 0..255.

    Kernel: kernel/sysctl.c proc_dou8vec_minmax.
    """
    lo = 0 if table.extra1 is None else table.extra1
    hi = 255 if table.extra2 is None else table.extra2
    return _do_uint(table, write, buf, lo, hi, size=1)


def proc_dobool(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """One bool (maxlen 1): written as any int, stored as bool, read as 0/1.

    Kernel: kernel/sysctl.c proc_dobool.
    """
    if table.data is None or table.maxlen != 1:
        return -errno.EINVAL
    scratch = [int(bool(_load(table.data)))]
    tmp = ctl_table(table.procname, (scratch, 0), 4, table.mode, proc_dointvec)
    ret = proc_dointvec(tmp, write, buf)
    if not ret and write:
        _save(table.data, bool(scratch[0]))
    return ret


def proc_dointvec_jiffies(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """Value in jiffies, shown/written in seconds.

    Kernel: kernel/sysctl.c do_proc_dointvec_jiffies_conv.
    """
    hz = current_kernel().hz

    def to_int(neg: bool, lval: int) -> int | None:
        if lval > INT_MAX // hz:
            return None
        return -lval * hz if neg else lval * hz

    def show(v: int) -> tuple[bool, int]:
        neg, lval = _int_show(v)
        return neg, lval // hz

    return _do_intvec(table, write, buf, to_int, show)


def proc_dointvec_userhz_jiffies(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """Value in jiffies, shown/written in USER_HZ (1/100 s) ticks.

    Kernel: kernel/sysctl.c do_proc_dointvec_userhz_jiffies_conv.
    """
    k = current_kernel()

    def to_int(neg: bool, lval: int) -> int | None:
        if k.hz > USER_HZ and lval > (LONG_MAX // k.hz) * USER_HZ:
            return None
        j = clock_t_to_jiffies(k, -lval if neg else lval)
        return _c_int(j)

    def show(v: int) -> tuple[bool, int]:
        neg, lval = _int_show(v)
        return neg, jiffies_to_clock_t(k, lval)

    return _do_intvec(table, write, buf, to_int, show)


def proc_dointvec_ms_jiffies(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """Value in jiffies, shown/written in milliseconds.

    Kernel: kernel/sysctl.c do_proc_dointvec_ms_jiffies_conv.
    """
    k = current_kernel()

    def to_int(neg: bool, lval: int) -> int | None:
        jif = msecs_to_jiffies(k, _c_int(-lval if neg else lval))
        return None if jif > INT_MAX else jif

    def show(v: int) -> tuple[bool, int]:
        neg, lval = _int_show(v)
        return neg, jiffies_to_msecs(k, lval)

    return _do_intvec(table, write, buf, to_int, show)


def _c_int(v: int) -> int:
    """(int)v: truncate to a signed 32-bit int as C does."""
    v &= UINT_MAX
    return v - (1 << 32) if v > INT_MAX else v


def proc_doulongvec_minmax(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """Vector of unsigned longs within extra1..extra2.

    Kernel: kernel/sysctl.c __do_proc_doulongvec_minmax.
    """
    if table.data is None or not table.maxlen:
        buf.text = ""
        return 0
    vals = _values(table, 8)
    if not write:
        buf.text = "\t".join(str(v & ULONG_MASK) for v in vals)
        return 0
    lo, hi = table.extra1, table.extra2
    parser = _Parser(buf.text)
    err = 0
    done = 0
    for i in range(len(vals)):
        if not parser.skip_spaces():
            break
        tok = parser.get_long()
        if tok is None or tok[0]:
            err = -errno.EINVAL
            break
        v = tok[1]
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            err = -errno.EINVAL
            break
        vals[i] = v
        done += 1
    if done:
        _store(table, 8, vals)
    if not done:
        return err or -errno.EINVAL
    return err


def proc_dostring(table: ctl_table, write: bool, buf: ctl_buf) -> int:
    """A string of at most maxlen-1 chars; a write stops at newline.

    Kernel: kernel/sysctl.c proc_dostring.
    """
    if table.data is None or not table.maxlen:
        buf.text = ""
        return 0
    if not write:
        buf.text = str(_load(table.data))[: table.maxlen]
        return 0
    text = buf.text.split("\n", 1)[0].split("\0", 1)[0]
    _save(table.data, text[: table.maxlen - 1])
    return 0


class ctl_table_header:
    """What a registration returns; pass it to `unregister_*sysctl_table`.

    Kernel: include/linux/sysctl.h struct ctl_table_header.
    """

    __slots__ = ("net", "paths", "registry")

    def __init__(self, registry: SysctlRegistry, net: object | None, paths: list[str]) -> None:
        self.registry = registry
        self.net = net
        self.paths = paths


def _to_path(name: str) -> str:
    """A sysctl name in either form → the /proc/sys-relative path ("net/ipv4/ip_forward").

    Dotted names use '/' for a literal '.' in a component (net.ipv4.conf.eth0/100.rp_filter).
    """
    if name.startswith("/proc/sys/"):
        return name[len("/proc/sys/") :].strip("/")
    dot, slash = name.find("."), name.find("/")
    if slash != -1 and (dot == -1 or slash < dot):
        return name.strip("/")
    return "/".join(part.replace("/", ".") for part in name.split("."))


def _to_dotted(path: str) -> str:
    return ".".join(part.replace(".", "/") for part in path.split("/"))


class SysctlRegistry:
    """`k.sysctl`: every registered entry of one machine, global or per namespace.

    Global entries (`register_sysctl`) are visible in every namespace; per-net ones
    (`register_net_sysctl`) only in theirs. `net` arguments may be None for global-only views.
    """

    __slots__ = ("_global", "_pernet", "k")

    def __init__(self, k: Kernel) -> None:
        self.k = k
        self._global: dict[str, ctl_table] = {}
        self._pernet: dict[object, dict[str, ctl_table]] = {}

    def register(self, net: object | None, path: str, table: list[ctl_table]) -> ctl_table_header:
        """Add `table` under `path`; KernelBug on a duplicate. Kernel: __register_sysctl_table."""
        base = _to_path(path)
        scope = self._global if net is None else self._pernet.setdefault(net, {})
        paths = []
        for entry in table:
            full = f"{base}/{entry.procname}" if base else entry.procname
            if full in scope or full in self._global:
                raise KernelBug(f"sysctl duplicate entry: /{base}/{entry.procname}")
            paths.append(full)
        for entry, full in zip(table, paths):
            scope[full] = entry
        return ctl_table_header(self, net, paths)

    def unregister(self, header: ctl_table_header) -> None:
        """Remove a registration. Kernel: fs/proc/proc_sysctl.c unregister_sysctl_table."""
        scope = self._global if header.net is None else self._pernet.get(header.net, {})
        for full in header.paths:
            scope.pop(full, None)
        if header.net is not None and not scope:
            self._pernet.pop(header.net, None)

    def lookup(self, net: object | None, name: str) -> ctl_table | None:
        """The entry named `name` (either form) as seen from `net`, or None."""
        path = _to_path(name)
        entry = self._global.get(path)
        if entry is None and net is not None:
            entry = self._pernet.get(net, {}).get(path)
        return entry

    def _paths(self, net: object | None) -> list[str]:
        paths = list(self._global)
        if net is not None:
            paths.extend(self._pernet.get(net, {}))
        return paths

    def names(self, net: object | None) -> list[str]:
        """Every entry visible from `net`, dotted, sorted (`sysctl -a`)."""
        return sorted(_to_dotted(p) for p in self._paths(net))

    def is_dir(self, net: object | None, name: str) -> bool:
        """True if `name` is a directory (a prefix of some entry)."""
        prefix = _to_path(name) + "/"
        return any(p.startswith(prefix) for p in self._paths(net))

    def exists(self, net: object | None, name: str) -> bool:
        """True for an entry or a directory."""
        return self.lookup(net, name) is not None or self.is_dir(net, name)

    def _call(self, entry: ctl_table, write: bool, buf: ctl_buf) -> int:
        token = set_current(self.k)
        try:
            return entry.proc_handler(entry, write, buf)
        finally:
            reset_current(token)

    def _find(self, net: object | None, name: str) -> ctl_table:
        entry = self.lookup(net, name)
        if entry is None:
            raise SysctlError(errno.EISDIR if self.is_dir(net, name) else errno.ENOENT)
        return entry

    def read(self, net: object | None, name: str) -> str:
        """The value as `cat /proc/sys/...` prints it, without the newline."""
        entry = self._find(net, name)
        if not entry.mode & 0o400:
            raise SysctlError(errno.EACCES)
        buf = ctl_buf()
        ret = self._call(entry, False, buf)
        if ret < 0:
            raise SysctlError(-ret)
        return buf.text

    def write(self, net: object | None, name: str, value: str) -> None:
        """Write `value` as `echo value > /proc/sys/...` would; raises SysctlError(errno)."""
        entry = self._find(net, name)
        if not entry.mode & 0o200:
            raise SysctlError(errno.EACCES)
        old = self._snapshot(entry)
        ret = self._call(entry, True, ctl_buf(value))
        if ret < 0:
            raise SysctlError(-ret)
        if entry.on_write is not None:
            entry.on_write(net, old, self._snapshot(entry))

    @staticmethod
    def _snapshot(entry: ctl_table) -> Any:
        if entry.data is None:
            return None
        v = _load(entry.data)
        return list(v) if isinstance(v, list) else v


def register_sysctl(k: Kernel, path: str, table: list[ctl_table]) -> ctl_table_header:
    """Register global entries (visible in every netns). Kernel: fs/proc/proc_sysctl.c."""
    return k.sysctl.register(None, path, table)


def register_net_sysctl(net: Any, path: str, table: list[ctl_table]) -> ctl_table_header:
    """Register `net`'s own entries. Kernel: net/sysctl_net.c register_net_sysctl_sz."""
    registry: SysctlRegistry = net.kernel.sysctl
    return registry.register(net, path, table)


def unregister_net_sysctl_table(header: ctl_table_header) -> None:
    """Kernel: net/sysctl_net.c unregister_net_sysctl_table."""
    header.registry.unregister(header)


def unregister_sysctl_table(header: ctl_table_header) -> None:
    """Kernel: fs/proc/proc_sysctl.c unregister_sysctl_table."""
    header.registry.unregister(header)
