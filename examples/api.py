"""skbuff from Python: a World is one booted machine; run command lines, then look inside."""

from skbuff import World

w = World()
w.run("ip netns add r1")
w.run("ip -n r1 link set lo up")
print(w.run("ip -n r1 -br addr").stdout, end="")
lo = w.netns("r1").dev_base_head["lo"]  # the kernel's objects, under the kernel's names
print(lo.name, lo.ifindex, lo.mtu, lo.ip_ptr.ifa_list[0].ifa_local == 0x7F000001)
