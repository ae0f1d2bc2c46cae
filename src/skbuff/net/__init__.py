"""The networking stack, laid out as the kernel's net/ tree. Kernel: net/."""
