"""Pure SLA-clock domain: no I/O, no clock reads; every instant is passed in."""
