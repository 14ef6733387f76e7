"""The PostgreSQL + PostGIS backend."""
