"""Queueing disciplines. Kernel: net/sched/."""
