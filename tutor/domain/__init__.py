"""Pure domain logic: no textual, no sqlmodel, no I/O beyond what callers hand in."""
