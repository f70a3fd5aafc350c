"""Use cases: one function per user action, and the only layer that opens a transaction."""
