"""What the LoRaWAN kinds (`tts/`, `chirpstack/`) share: the radio details of an uplink."""

from __future__ import annotations

from typing import Any

from stadsdata.sources.documents import member, number


def best_gateway(rx: Any, *id_path: str) -> dict[str, Any]:
    """The gateway that heard the uplink best (highest RSSI) and how many heard it. Radio
    metadata is informative: members of the wrong type are left out, never an error."""
    gateways = [g for g in rx if isinstance(g, dict)] if isinstance(rx, list) else []
    if not gateways:
        return {}
    best = max(gateways, key=lambda g: number(g.get("rssi")) or -1_000)
    gateway = member(best, *id_path)
    out = {"gateway": gateway if isinstance(gateway, str) else None, "rssi": number(best.get("rssi")),
           "snr": number(best.get("snr")), "gateways": len(gateways)}  # fmt: skip
    return {k: v for k, v in out.items() if v is not None}


def radio(f_cnt: Any, f_port: Any, gateway: dict[str, Any]) -> dict[str, Any]:
    """The parameters stored with each reading of an uplink."""
    out = {"f_cnt": number(f_cnt), "f_port": number(f_port)} | gateway
    return {k: v for k, v in out.items() if v is not None}
