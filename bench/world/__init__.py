"""World snapshots: what AWS returns, on disk; the normalized model built from it on load."""

from bench.world.model import SCHEMA_VERSION, World

__all__ = ["SCHEMA_VERSION", "World"]
