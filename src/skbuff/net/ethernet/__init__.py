"""Ethernet link layer helpers. Kernel: net/ethernet/."""
