"""Socket constants that Python's `socket` module does not export on every runtime.

Kernel: include/uapi/asm-generic/socket.h (SO_*), include/linux/socket.h (MSG_*). PyPy 3.9's
`socket` lacks these; the values are the kernel's, the ones CPython exports on Linux.
"""

SO_BINDTODEVICE = 25
SO_MARK = 36

MSG_PROBE = 0x10
MSG_DONTWAIT = 0x40
MSG_MORE = 0x8000
