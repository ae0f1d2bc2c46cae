"""The simulated kernel core: clock, CPUs, softirqs, timers, IRQs, sysctl, printk, notifiers."""
