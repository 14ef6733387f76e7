"""Ingestion: sources → the one write path (`pipeline.py` → the SensorThings service, access
checks and pseudonymisation included) → the store; what cannot be stored goes to the quarantine.

One module per connector kind: `mqtt_broker.py` (the embedded broker of `stadsdata serve`),
`mqtt_worker.py` (`stadsdata ingest` against an external broker). A message is acknowledged only
after its data (or its quarantine row) is committed."""
