"""NGSI-LD subscriptions (ETSI GS CIM 009 clauses 5.2.12, 5.8, 5.11, 6.10, 6.11): the endpoints
at /ngsi-ld/v1/subscriptions (`routes.py`), their validation (`model.py`), storage and ownership
(`records.py`), and the notifier that follows the store's commits (`changes.py`, `matching.py`,
`notifier.py`) and delivers over HTTP and MQTT (`delivery.py`). docs/ngsi-ld.md, "Subscriptions"."""
