"""The application layer every service shares: errors its use cases raise, and (see the
modules of this package) the ports and message bus they run through. Pure: no I/O."""
