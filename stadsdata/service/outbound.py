"""Where the platform may send what its users ask it to (alert webhooks, NGSI-LD notification
endpoints): by default only to public addresses. A URL a user gives that names — or resolves to —
a loopback, private, link-local or otherwise non-global address is refused at send time, so that
a rule or a subscription cannot make the server reach into its own network (SSRF). An operator whose
receivers live on the internal network allows that with the setting `notify_private_networks`.
Servers the operator configures (the SMTP server, the alert MQTT broker) are not checked."""

from __future__ import annotations

import ipaddress
import socket


def refusal(host: str | None, port: int | None, *, allow_private: bool) -> str | None:
    """Why a delivery to `host` is refused, or None when it may go (the name is resolved now:
    every address it has must be a global one)."""
    if allow_private:
        return None
    if not host:
        return "no host"
    try:
        infos = socket.getaddrinfo(host, port or 0, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return f"{host} does not resolve ({exc})"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return (f"{host} is {address}, not a public address; an operator allows internal receivers with "
                    "STADSDATA_NOTIFY_PRIVATE_NETWORKS=true")  # fmt: skip
    return None
