"""The SensorThings MQTT extension (OGC 18-088 §14): creates published to a collection topic
(`creates.py`; many in one transaction: `batch.py`), the embedded broker of `stadsdata serve`
(`broker.py`) and what subscribers of the SensorThings topics receive (`subscriptions.py`).
The external-broker worker (`stadsdata ingest`) is a transport in `ingest/mqtt_worker.py`;
`creates.subscriber` is what it does with SensorThings topics."""
