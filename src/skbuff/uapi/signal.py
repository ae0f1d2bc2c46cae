"""Signal numbers (x86-64) and what each one does to a process that keeps the default action.

Kernel: arch/x86/include/uapi/asm/signal.h (numbers), include/linux/signal.h
(SIG_KERNEL_IGNORE_MASK, SIG_KERNEL_STOP_MASK, SIG_KERNEL_COREDUMP_MASK). The descriptions are
glibc's strsignal texts (sysdeps/generic/siglist.h), which bash prints in job notices.
"""

from __future__ import annotations

SIGHUP = 1
SIGINT = 2
SIGQUIT = 3
SIGKILL = 9
SIGPIPE = 13
SIGTERM = 15
SIGCONT = 18
SIGSTOP = 19

# (number, name without "SIG", strsignal text) for the 31 classic signals.
SIGNALS: tuple[tuple[int, str, str], ...] = (
    (1, "HUP", "Hangup"), (2, "INT", "Interrupt"), (3, "QUIT", "Quit"),
    (4, "ILL", "Illegal instruction"), (5, "TRAP", "Trace/breakpoint trap"),
    (6, "ABRT", "Aborted"), (7, "BUS", "Bus error"), (8, "FPE", "Floating point exception"),
    (9, "KILL", "Killed"), (10, "USR1", "User defined signal 1"),
    (11, "SEGV", "Segmentation fault"), (12, "USR2", "User defined signal 2"),
    (13, "PIPE", "Broken pipe"), (14, "ALRM", "Alarm clock"), (15, "TERM", "Terminated"),
    (16, "STKFLT", "Stack fault"), (17, "CHLD", "Child exited"), (18, "CONT", "Continued"),
    (19, "STOP", "Stopped (signal)"), (20, "TSTP", "Stopped"),
    (21, "TTIN", "Stopped (tty input)"), (22, "TTOU", "Stopped (tty output)"),
    (23, "URG", "Urgent I/O condition"), (24, "XCPU", "CPU time limit exceeded"),
    (25, "XFSZ", "File size limit exceeded"), (26, "VTALRM", "Virtual timer expired"),
    (27, "PROF", "Profiling timer expired"), (28, "WINCH", "Window changed"),
    (29, "IO", "I/O possible"), (30, "PWR", "Power failure"), (31, "SYS", "Bad system call"),
)

# glibc's SIGRTMIN and SIGRTMAX (the kernel's first two real-time signals are glibc's own).
SIGRTMIN = 34
SIGRTMAX = 64
NSIG = 65

# Default actions other than "terminate". Kernel: include/linux/signal.h.
SIG_KERNEL_IGNORE = frozenset({SIGCONT, 17, 23, 28})
SIG_KERNEL_STOP = frozenset({SIGSTOP, 20, 21, 22})


def signal_name(sig: int) -> str | None:
    """The name without "SIG" (`RTMIN+3`, `RTMAX-1` for real-time ones), None for 32, 33 and
    out-of-range numbers."""
    if 1 <= sig <= 31:
        return SIGNALS[sig - 1][1]
    if SIGRTMIN <= sig <= SIGRTMAX:
        half = (SIGRTMIN + SIGRTMAX) // 2
        if sig == SIGRTMIN:
            return "RTMIN"
        if sig == SIGRTMAX:
            return "RTMAX"
        return f"RTMIN+{sig - SIGRTMIN}" if sig <= half else f"RTMAX-{SIGRTMAX - sig}"
    return None


def strsignal(sig: int) -> str:
    """glibc strsignal: "Killed", "Real-time signal 3", "Unknown signal 32"."""
    if 1 <= sig <= 31:
        return SIGNALS[sig - 1][2]
    if SIGRTMIN <= sig <= SIGRTMAX:
        return f"Real-time signal {sig - SIGRTMIN}"
    return f"Unknown signal {sig}"
