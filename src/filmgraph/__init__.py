"""filmgraph: film records as linked data you can trust, query, publish and connect."""

__version__ = "0.1.0"
