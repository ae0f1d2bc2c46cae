"""Route cache flags (`rtable.rt_flags`, `rtm_flags` of RTM_NEWROUTE replies).

Kernel: include/uapi/linux/in_route.h.
"""

from __future__ import annotations

RTCF_NOTIFY = 0x00010000
RTCF_REDIRECTED = 0x00040000
RTCF_DOREDIRECT = 0x01000000
RTCF_DIRECTSRC = 0x04000000
RTCF_DNAT = 0x08000000
RTCF_BROADCAST = 0x10000000
RTCF_MULTICAST = 0x20000000
RTCF_LOCAL = 0x80000000
