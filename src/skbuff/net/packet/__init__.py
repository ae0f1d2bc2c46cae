"""AF_PACKET-style capture (net/packet/): taps that receive a copy of every frame."""
