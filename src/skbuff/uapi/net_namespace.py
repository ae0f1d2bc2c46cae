"""Network namespace ids over rtnetlink (RTM_NEWNSID/RTM_GETNSID attributes).

Kernel: include/uapi/linux/net_namespace.h.
"""

from __future__ import annotations

NETNSA_NONE = 0
NETNSA_NSID = 1
NETNSA_PID = 2
NETNSA_FD = 3
NETNSA_TARGET_NSID = 4
NETNSA_CURRENT_NSID = 5

NETNSA_NSID_NOT_ASSIGNED = -1
