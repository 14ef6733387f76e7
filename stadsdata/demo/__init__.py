"""The demo city (`stadsdata demo`, `stadsdata serve --demo`): a fictional municipality with
30 days of history and a simulator that keeps it live through the real ingest paths."""
