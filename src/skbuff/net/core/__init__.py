"""Protocol-independent core: sk_buff, devices, dst, neighbours, rules, rtnetlink.

Kernel: net/core/.
"""
