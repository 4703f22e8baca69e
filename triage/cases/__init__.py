"""The case system: ports, the local SQL store and wiring."""
