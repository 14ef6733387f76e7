"""Delivery of alerts to an MQTT topic: the alert as JSON, published with QoS 1 to
`<prefix>/<rule id>` on the configured broker (settings `alert_mqtt_host`, `alert_mqtt_port`,
`alert_mqtt_topic_prefix`; by default the platform's own embedded broker's port). One short paho
connection a message: alerts are rare, and a broker that is down makes the attempt fail (retried)."""

from __future__ import annotations

from collections.abc import Callable

import paho.mqtt.client as paho


def publisher(host: str, port: int, topic: str, timeout_s: float = 5.0) -> Callable[[bytes], None]:
    """A sender that publishes the body to `topic`; raises OSError when it was not delivered to the broker."""

    def send(body: bytes) -> None:
        client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        try:
            client.connect(host, port, keepalive=30)
            client.loop_start()
            info = client.publish(topic, body, qos=1)
            info.wait_for_publish(timeout=timeout_s)
            if not info.is_published():
                raise OSError(f"MQTT publish to {host}:{port} not acknowledged")
        except (ConnectionError, TimeoutError, RuntimeError) as exc:
            raise OSError(f"MQTT {host}:{port}: {exc}") from None
        finally:
            client.loop_stop()
            client.disconnect()

    return send
