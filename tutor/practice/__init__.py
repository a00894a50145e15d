"""Chat practice: marking free-text answers and the dialogue engine. Pure: no textual, no sqlmodel."""
