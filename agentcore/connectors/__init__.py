"""Connectors: the systems an investigation reads (logs, code and changes, topology, incidents)."""
