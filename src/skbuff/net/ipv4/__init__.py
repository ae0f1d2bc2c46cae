"""IPv4: routing, ARP, ICMP, UDP, fragments, options, devinet. Kernel: net/ipv4/."""
