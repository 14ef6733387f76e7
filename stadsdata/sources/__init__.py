"""Source kinds: what kinds of systems data comes from, one folder each (a `manifest.toml` — name,
version, config schema, what it produces, how it receives — its code, its recorded payloads and
its tests), found through one registry (`registry.py`): the folders here, and packages that
declare a `stadsdata.sources` entry point. The platform builds the webhooks, the MQTT
subscriptions of `stadsdata ingest --source <kind>` and the quarantine's replays from it.
docs/architecture.md shows how to add one."""
