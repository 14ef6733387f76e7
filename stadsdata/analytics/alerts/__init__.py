"""Alert rules over Datastreams: their conditions (`threshold`), evaluation as data is committed
(`evaluator`), and alerts with their life cycle. See docs/analytics.md, section "Alerts"."""
