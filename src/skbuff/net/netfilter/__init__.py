"""Netfilter hook points. Kernel: net/netfilter/."""
