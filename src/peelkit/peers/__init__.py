"""Peer groups: each force's most similar forces, from a loaded peer-group file or computed from public data.

Kept free of imports so `peel --help` stays fast: see `lookup`, `groups`, `similar` and `explain`."""
