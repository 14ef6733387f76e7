"""The Subscription data type (clause 5.2.12) and its NotificationParams / Endpoint (5.2.14,
5.2.15): a request body checked member by member into the stored form, and a stored row as the
API shows it (with the read-only `status` and notification figures).

Not supported (OperationNotSupported, 422): `timeInterval` (periodic notifications), `csf`,
`temporalQ`, `scopeQ`, `lang`, `jsonldContext`, `showChanges: true`, the notification triggers
`entityDeleted` and `attributeDeleted`, and `mqtts://` endpoints."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.datastructures import QueryParams

from stadsdata.api.ngsild.attributes import date_time
from stadsdata.api.ngsild.contexts import JSON, LD_JSON
from stadsdata.api.ngsild.errors import BadRequestData, NgsiLdError, OperationNotSupported
from stadsdata.api.ngsild.geo import geo_query
from stadsdata.api.ngsild.query import parse_q

FORMATS = ("normalized", "keyValues", "concise")
TRIGGERS = ("entityCreated", "entityUpdated", "attributeCreated", "attributeUpdated")
UNSUPPORTED_TRIGGERS = ("entityDeleted", "attributeDeleted")
UNSUPPORTED = ("timeInterval", "csf", "temporalQ", "scopeQ", "lang", "jsonldContext", "datasetId")
READ_ONLY = ("status", "createdAt", "modifiedAt")
MEMBERS = (
    "id", "type", "@context", "subscriptionName", "description", "entities", "watchedAttributes",
    "notificationTrigger", "q", "geoQ", "isActive", "notification", "expiresAt", "throttling",
)  # fmt: skip
NOTIFICATION_MEMBERS = ("attributes", "format", "endpoint", "sysAttrs", "showChanges")
NOTIFICATION_READ_ONLY = ("status", "timesSent", "timesFailed", "lastNotification", "lastSuccess", "lastFailure")
ENDPOINT_MEMBERS = ("uri", "accept", "receiverInfo", "notifierInfo", "timeout", "cooldown")
SCHEMES = ("http", "https", "mqtt")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


def new_id() -> str:
    return f"urn:ngsi-ld:Subscription:{uuid.uuid4()}"


def is_uri(text: Any) -> bool:
    return isinstance(text, str) and _URI.fullmatch(text) is not None


def validated(body: Any, now: datetime, *, stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The subscription to store: `body` checked whole (a create) or, with `stored`, as a fragment
    merged over the stored one (a PATCH, clause 5.8.2: each member given replaces the stored one,
    the members of `notification` one by one; null removes an optional member)."""
    if not isinstance(body, dict):
        raise BadRequestData("a subscription is a JSON object", field="body")
    for name in body:
        if name in UNSUPPORTED:
            raise OperationNotSupported(f"{name} is not supported by this broker (docs/ngsi-ld.md)", field=name)
        if name not in MEMBERS and name not in READ_ONLY:
            raise BadRequestData(f"{name!r} is not a member of a Subscription", field=name)
    if "type" in body or stored is None:
        if body.get("type") != "Subscription":
            raise BadRequestData('type must be "Subscription"', field="type")
    given = {k: v for k, v in body.items() if k not in READ_ONLY and k != "type"}
    if stored is not None:
        if "id" in given and given.pop("id") != stored["id"]:
            raise BadRequestData("the id of a subscription cannot be changed", field="id")
        notification = given.get("notification")
        if isinstance(notification, dict) and isinstance(stored.get("notification"), dict):
            given["notification"] = {**stored["notification"], **notification}
        merged = {**stored, **given}
        merged = {k: v for k, v in merged.items() if v is not None}
    else:
        merged = dict(given)
        merged.setdefault("id", new_id())
    return _checked(merged, now)


def _checked(s: dict[str, Any], now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"id": s["id"]}
    if not is_uri(s["id"]):
        raise BadRequestData("id must be a URI", field="id")
    for name in ("subscriptionName", "description"):
        if name in s:
            if not isinstance(s[name], str):
                raise BadRequestData(f"{name} is a string", field=name)
            out[name] = s[name]
    out.update(_selection(s))
    active = s.get("isActive", True)
    if not isinstance(active, bool):
        raise BadRequestData("isActive is true or false", field="isActive")
    out["isActive"] = active
    out.update(_timing(s, now))
    if "@context" in s:
        out["@context"] = s["@context"]
    if "notification" not in s:
        raise BadRequestData("a subscription needs notification parameters", field="notification")
    out["notification"] = _notification(s["notification"])
    return out


def _selection(s: dict[str, Any]) -> dict[str, Any]:
    """entities, watchedAttributes, notificationTrigger, q and geoQ."""
    out: dict[str, Any] = {}
    if "entities" in s:
        out["entities"] = _entities(s["entities"])
    if "watchedAttributes" in s:
        out["watchedAttributes"] = _names(s["watchedAttributes"], "watchedAttributes")
    if not out:
        raise BadRequestData("a subscription needs entities, watchedAttributes or both", field="entities")
    if "notificationTrigger" in s:
        out["notificationTrigger"] = _triggers(s["notificationTrigger"])
    if "q" in s:
        if not isinstance(s["q"], str):
            raise BadRequestData("q is a string in the NGSI-LD query language", field="q")
        parse_q(s["q"], "q")
        out["q"] = s["q"]
    if "geoQ" in s:
        out["geoQ"] = _geo(s["geoQ"])
    return out


def _timing(s: dict[str, Any], now: datetime) -> dict[str, Any]:
    """expiresAt and throttling."""
    out: dict[str, Any] = {}
    if "expiresAt" in s:
        if expires_at(s["expiresAt"]) <= now:
            raise BadRequestData("expiresAt must be in the future", field="expiresAt")
        out["expiresAt"] = s["expiresAt"]
    if "throttling" in s:
        t = s["throttling"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t <= 0:
            raise BadRequestData("throttling is a number of seconds above 0", field="throttling")
        out["throttling"] = t
    return out


def expires_at(value: Any, field: str = "expiresAt") -> datetime:
    return date_time(value, field, field).astimezone(UTC)


def _names(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(n, str) and n for n in value):
        raise BadRequestData(f"{field} is a non-empty array of attribute names", field=field)
    return list(value)


def _entities(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise BadRequestData("entities is a non-empty array of entity selectors", field="entities")
    out = []
    for index, item in enumerate(value):
        where = f"entities[{index}]"
        if not isinstance(item, dict) or set(item) - {"type", "id", "idPattern"}:
            raise BadRequestData("an entity selector is an object of type, id and idPattern", field=where)
        if not isinstance(item.get("type"), str) or not item["type"]:
            raise BadRequestData("an entity selector needs a type", field=f"{where}.type")
        if "id" in item and not is_uri(item["id"]):
            raise BadRequestData("id must be a URI", field=f"{where}.id")
        if "idPattern" in item:
            try:
                re.compile(item["idPattern"])
            except (re.error, TypeError):
                raise BadRequestData("idPattern is a regular expression", field=f"{where}.idPattern") from None
        out.append(dict(item))
    return out


def _triggers(value: Any) -> list[str]:
    names = _names(value, "notificationTrigger")
    for name in names:
        if name in UNSUPPORTED_TRIGGERS:
            raise OperationNotSupported(f"the trigger {name} is not supported", field="notificationTrigger")
        if name not in TRIGGERS:
            raise BadRequestData(f"unknown notification trigger {name!r}", field="notificationTrigger")
    return names


def _geo(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"geometry", "coordinates", "georel", "geoproperty"}:
        raise BadRequestData("geoQ is an object of geometry, coordinates, georel and geoproperty", field="geoQ")
    coordinates = value.get("coordinates")
    params = {k: v for k, v in value.items() if k != "coordinates" and isinstance(v, str)}
    if coordinates is not None:
        params["coordinates"] = coordinates if isinstance(coordinates, str) else orjson.dumps(coordinates).decode()
    for name in ("geometry", "georel", "geoproperty"):
        if name in value and not isinstance(value[name], str):
            raise BadRequestData(f"geoQ.{name} is a string", field=f"geoQ.{name}")
    try:
        if geo_query(QueryParams(params)) is None:
            raise BadRequestData("geoQ needs geometry, coordinates and georel", field="geoQ")
    except NgsiLdError as exc:
        raise BadRequestData(exc.detail, field=f"geoQ.{exc.field}") from None
    return dict(value)


def geo_params(geo: Mapping[str, Any]) -> QueryParams:
    """A stored geoQ as the query parameters `geo.geo_query` reads."""
    params = {k: v for k, v in geo.items() if k != "coordinates"}
    coordinates = geo["coordinates"]
    params["coordinates"] = coordinates if isinstance(coordinates, str) else orjson.dumps(coordinates).decode()
    return QueryParams(params)


def _notification(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequestData("notification is an object", field="notification")
    for name in value:
        if name not in NOTIFICATION_MEMBERS and name not in NOTIFICATION_READ_ONLY:
            raise BadRequestData(f"{name!r} is not a member of notification", field=f"notification.{name}")
    out: dict[str, Any] = {}
    if "attributes" in value:
        out["attributes"] = _names(value["attributes"], "notification.attributes")
    form = value.get("format", "normalized")
    if form not in FORMATS:
        raise BadRequestData(f"notification.format is one of {', '.join(FORMATS)}", field="notification.format")
    out["format"] = form
    for name in ("sysAttrs", "showChanges"):
        if name in value and not isinstance(value[name], bool):
            raise BadRequestData(f"notification.{name} is true or false", field=f"notification.{name}")
    if value.get("showChanges") is True:
        raise OperationNotSupported("showChanges is not supported", field="notification.showChanges")
    if "sysAttrs" in value:
        out["sysAttrs"] = value["sysAttrs"]
    out["endpoint"] = _endpoint(value.get("endpoint"))
    return out


def _endpoint(value: Any) -> dict[str, Any]:
    field = "notification.endpoint"
    if not isinstance(value, dict):
        raise BadRequestData("notification.endpoint is an object with a uri", field=field)
    for name in value:
        if name not in ENDPOINT_MEMBERS:
            raise BadRequestData(f"{name!r} is not a member of an endpoint", field=f"{field}.{name}")
    uri = value.get("uri")
    if not is_uri(uri):
        raise BadRequestData("notification.endpoint.uri must be a URI", field=f"{field}.uri")
    scheme = uri.split(":", 1)[0].lower()
    if scheme == "mqtts":
        raise OperationNotSupported("mqtts endpoints are not supported (use mqtt or https)", field=f"{field}.uri")
    if scheme not in SCHEMES or not re.match(r"[a-zA-Z]+://[^/?#\s]+", uri):
        raise BadRequestData("notification.endpoint.uri is an http(s):// or mqtt:// URL", field=f"{field}.uri")
    if scheme == "mqtt" and not re.match(r"mqtt://[^/]+/.+", uri, re.IGNORECASE):
        raise BadRequestData("an MQTT endpoint names a topic: mqtt://host[:port]/topic", field=f"{field}.uri")
    try:
        parts = urlsplit(uri)
        usable = bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        usable = False
    if not usable:
        raise BadRequestData("notification.endpoint.uri has no usable host and port", field=f"{field}.uri")
    accept = value.get("accept", JSON)
    if accept not in (JSON, LD_JSON):
        raise BadRequestData(f"notification.endpoint.accept is {JSON} or {LD_JSON}", field=f"{field}.accept")
    return {"uri": uri, "accept": accept, **_endpoint_options(value)}


def _endpoint_options(value: dict[str, Any]) -> dict[str, Any]:
    """receiverInfo, notifierInfo (MQTT-QoS, MQTT-Version), timeout and cooldown."""
    field = "notification.endpoint"
    out: dict[str, Any] = {}
    for name in ("receiverInfo", "notifierInfo"):
        if name in value:
            pairs = value[name]
            if not isinstance(pairs, list) or not all(
                isinstance(p, dict) and set(p) == {"key", "value"} and all(isinstance(x, str) for x in p.values())
                for p in pairs
            ):
                raise BadRequestData(f"{name} is an array of {{key, value}} strings", field=f"{field}.{name}")
            out[name] = pairs
    qos = next((p["value"] for p in out.get("notifierInfo", []) if p["key"] == "MQTT-QoS"), "0")
    if qos not in ("0", "1", "2"):
        raise BadRequestData("MQTT-QoS is 0, 1 or 2", field=f"{field}.notifierInfo")
    for name in ("timeout", "cooldown"):
        if name in value:
            number = value[name]
            if isinstance(number, bool) or not isinstance(number, (int, float)) or number <= 0:
                raise BadRequestData(f"{name} is a number above 0", field=f"{field}.{name}")
            out[name] = number
    return out


# -- as the API shows it ---------------------------------------------------------------------
def status(row: Mapping[str, Any], now: datetime) -> str:
    """active, paused or expired (clause 5.2.12)."""
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return "expired"
    return "active" if row["active"] else "paused"


def view(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    body = dict(row["body"])
    body.pop("@context", None)
    out: dict[str, Any] = {"id": body.pop("id"), "type": "Subscription", **body}
    out["status"] = status(row, now)
    notification = dict(out["notification"])
    notification["timesSent"] = row["times_sent"]
    if row["times_failed"]:
        notification["timesFailed"] = row["times_failed"]
    for name, column in (
        ("lastNotification", "last_notification"),
        ("lastSuccess", "last_success"),
        ("lastFailure", "last_failure"),
    ):
        if row[column] is not None:
            notification[name] = _time(row[column])
    if row["last_notification"] is not None:
        notification["status"] = "failed" if row["last_failure"] is not None and (
            row["last_success"] is None or row["last_failure"] >= row["last_success"]
        ) else "ok"  # fmt: skip
    out["notification"] = notification
    return out


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
