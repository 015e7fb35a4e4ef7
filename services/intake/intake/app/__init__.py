"""Use cases of intake: commands, their handlers, and the ports they depend on."""
