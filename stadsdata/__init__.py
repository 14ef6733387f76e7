"""stadsdata: an open urban data platform (OGC SensorThings API on SQLite or PostgreSQL)."""

__version__ = "0.1.0"
