"""Network device drivers: loopback, dummy, veth and the simulated NIC. Kernel: drivers/net/."""
