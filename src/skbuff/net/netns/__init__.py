"""Per-namespace state structs. Kernel: include/net/netns/."""
