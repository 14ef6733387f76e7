"""Alert rules and alerts as the management API handles them: create (only over streams the owner
may read; admins for any party), list, change, delete; alerts listed, acknowledged and resolved by
the rule's owner (or an admin). What a caller sees of alerts is limited to the streams the caller
may read now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.alerts.kinds import KINDS, condition
from stadsdata.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from stadsdata.model.entities import DATASTREAM
from stadsdata.store.base import Store, Transaction

TARGETS = {"datastreamId": "datastream_id", "observedPropertyId": "observed_property_id", "datasetId": "dataset_id"}
STATES = ("open", "acknowledged", "resolved")


def rule_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """A rule as the API shows it (its evaluation state left out)."""
    return {
        "id": row["id"], "name": row["name"], "ownerPartyId": row["owner_party_id"], "kind": row["kind"],
        **{api: row[column] for api, column in TARGETS.items() if row[column] is not None},
        "params": _without_secret(row["params"]), "active": bool(row["active"]),
        "createdAt": _time(row["created_at"]), "updatedAt": _time(row["updated_at"]),
    }  # fmt: skip


def alert_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """An alert as the API shows it."""
    return {
        "id": row["id"], "ruleId": row["rule_id"], "datastreamId": row["datastream_id"], "state": row["state"],
        "phenomenonTime": _time(row["phenomenon_time"]), "value": row["value"], "late": bool(row["late"]),
        "message": row["message"], "openedAt": _time(row["opened_at"]),
        "acknowledgedBy": row["acknowledged_by"], "acknowledgedAt": _time(row["acknowledged_at"]),
        "resolvedBy": row["resolved_by"], "resolvedAt": _time(row["resolved_at"]), "delivery": row.get("delivery"),
    }  # fmt: skip


class AlertRules:
    """The alert rules and alerts of one store, under one access policy."""

    def __init__(self, store: Store, access: AccessPolicy) -> None:
        self.store, self.access = store, access

    def create(self, caller: Caller, body: Mapping[str, Any]) -> dict[str, Any]:
        _signed_in(caller)
        now = datetime.now(UTC)
        with self.store.write() as tx:
            owner = self._owner(tx, caller, body.get("ownerPartyId"))
            values = _validated(body, partial=False)
            self._check_target(tx, owner, values)
            row_id = tx.access.insert_row("alert_rules", {
                **values, "owner_party_id": owner, "state": {}, "created_at": now, "updated_at": now,
            })  # fmt: skip
            return rule_view(tx.access.rows("alert_rules", {"id": row_id})[0])

    def list(self, caller: Caller) -> list[dict[str, Any]]:
        _signed_in(caller)
        with self.store.read_only() as tx:
            where = None if caller.is_admin else {"owner_party_id": caller.party_id}
            return [rule_view(r) for r in tx.access.rows("alert_rules", where, limit=10_000)]

    def get(self, caller: Caller, rule_id: int) -> dict[str, Any]:
        with self.store.read_only() as tx:
            return rule_view(self._rule(tx, caller, rule_id))

    def update(self, caller: Caller, rule_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        with self.store.write() as tx:
            rule = self._rule(tx, caller, rule_id)
            kept = {"name": rule["name"], "kind": rule["kind"], "params": rule["params"], "active": bool(rule["active"])}
            values = _validated({**kept, **body}, partial=True)
            if values["params"] != rule["params"]:
                values["state"] = {}  # a new condition starts afresh
            tx.access.update_row("alert_rules", rule_id, {**values, "updated_at": datetime.now(UTC)})
            return rule_view(tx.access.rows("alert_rules", {"id": rule_id})[0])

    def delete(self, caller: Caller, rule_id: int) -> None:
        with self.store.write() as tx:
            self._rule(tx, caller, rule_id)
            tx.access.delete_row("alert_rules", rule_id)

    def alerts(self, caller: Caller, state: str | None, rule_id: int | None, datastream_id: int | None) -> list[dict[str, Any]]:
        _signed_in(caller)
        if state is not None and state not in STATES:
            raise BadRequest(f"state must be one of {', '.join(STATES)}", field="state")
        with self.store.read_only() as tx:
            rules = tx.access.rows("alert_rules", None if caller.is_admin else {"owner_party_id": caller.party_id}, limit=10_000)
            where: dict[str, Any] = {"rule_id": [r["id"] for r in rules if rule_id is None or r["id"] == rule_id]}
            if state is not None:
                where["state"] = state
            if datastream_id is not None:
                where["datastream_id"] = datastream_id
            rows = tx.access.rows("alerts", where, limit=1000, newest_first=True) if where["rule_id"] else []
            scope = self.access.read_scope(caller, tx)
            readable = {s for s in {r["datastream_id"] for r in rows} if tx.exists(DATASTREAM, s, scope=scope)}
            return [alert_view(r) for r in rows if r["datastream_id"] in readable]

    def acknowledge(self, caller: Caller, alert_id: int) -> dict[str, Any]:
        return self._move(caller, alert_id, "acknowledged", ("open",))

    def resolve(self, caller: Caller, alert_id: int) -> dict[str, Any]:
        return self._move(caller, alert_id, "resolved", ("open", "acknowledged"))

    # -- helpers ----------------------------------------------------------------------------
    def _move(self, caller: Caller, alert_id: int, to: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        with self.store.write() as tx:
            found = tx.access.rows("alerts", {"id": alert_id})
            if not found:
                raise NotFound(f"no alert {alert_id}")
            self._rule(tx, caller, found[0]["rule_id"], what=f"alert {alert_id}")
            if found[0]["state"] not in allowed:
                raise Conflict(f"alert {alert_id} is {found[0]['state']}; it can be {to} only when {' or '.join(allowed)}")
            by = caller.subject or "anonymous"
            column = "acknowledged" if to == "acknowledged" else "resolved"
            tx.access.update_row("alerts", alert_id, {"state": to, f"{column}_by": by, f"{column}_at": datetime.now(UTC)})
            return alert_view(tx.access.rows("alerts", {"id": alert_id})[0])

    def _rule(self, tx: Transaction, caller: Caller, rule_id: int, what: str | None = None) -> dict[str, Any]:
        _signed_in(caller)
        found = tx.access.rows("alert_rules", {"id": rule_id})
        if not found or not (caller.is_admin or found[0]["owner_party_id"] == caller.party_id):
            raise NotFound(f"no {what or f'alert rule {rule_id}'}")
        return found[0]

    def _owner(self, tx: Transaction, caller: Caller, asked: Any) -> int:
        if asked is None:
            if caller.party_id is None:
                raise BadRequest("ownerPartyId is required for a caller that acts for no party", field="ownerPartyId")
            return caller.party_id
        if isinstance(asked, bool) or not isinstance(asked, int):
            raise BadRequest("ownerPartyId must be a party's id", field="ownerPartyId")
        if asked != caller.party_id and not caller.is_admin:
            raise Forbidden("only admins may create rules for another party")
        if not tx.access.rows("parties", {"id": asked}):
            raise BadRequest(f"no party {asked}", field="ownerPartyId")
        return asked

    def _check_target(self, tx: Transaction, owner: int, values: dict[str, Any]) -> None:
        """The owner must be able to read the stream (or the dataset) the rule names, now."""
        owner_caller = Caller(subject="alert-rule-owner", party_id=owner)
        if values["datastream_id"] is not None:
            if not tx.exists(DATASTREAM, values["datastream_id"], scope=self.access.read_scope(owner_caller, tx)):
                raise BadRequest(f"no Datastream {values['datastream_id']} that the owner may read", field="datastreamId")
        if values["dataset_id"] is not None:
            readable = self.access.readable_datasets(owner_caller, tx)
            if readable is not None and values["dataset_id"] not in readable:
                raise BadRequest(f"no dataset {values['dataset_id']} that the owner may read", field="datasetId")


def _validated(body: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        raise BadRequest("name must be 1 to 200 characters", field="name")
    if not isinstance(body.get("kind"), str) or body["kind"] not in KINDS:
        raise BadRequest(f"kind must be one of {', '.join(KINDS)}", field="kind")
    params = body.get("params")
    if not isinstance(params, dict):
        raise BadRequest("params must be an object", field="params")
    condition(body["kind"], params)
    _check_webhook(params.get("webhook"))
    if not isinstance(params.get("mqtt", False), bool):
        raise BadRequest("params.mqtt must be true or false", field="params.mqtt")
    email = params.get("email")
    if email is not None and (not isinstance(email, str) or email.count("@") != 1 or not 3 <= len(email) <= 254 or any(c in email for c in " \r\n,;<>")):
        raise BadRequest("params.email must be one e-mail address", field="params.email")
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise BadRequest("active must be true or false", field="active")
    values: dict[str, Any] = {"name": name.strip(), "kind": body["kind"], "params": params, "active": active}
    if partial:
        return values
    named = [api for api in TARGETS if body.get(api) is not None]
    if len(named) != 1:
        raise BadRequest("name exactly one of datastreamId, observedPropertyId, datasetId", field="datastreamId")
    raw = body[named[0]]
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise BadRequest(f"{named[0]} must be an id", field=named[0])
    return values | {column: (raw if api == named[0] else None) for api, column in TARGETS.items()}


def _check_webhook(webhook: Any) -> None:
    if webhook is None:
        return
    if not isinstance(webhook, dict):
        raise BadRequest("params.webhook must be an object with url and secret", field="params.webhook")
    url = webhook.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 2000:
        raise BadRequest("params.webhook.url must be an http(s) URL", field="params.webhook.url")
    secret = webhook.get("secret")
    if not isinstance(secret, str) or not 16 <= len(secret) <= 200:
        raise BadRequest("params.webhook.secret must be 16 to 200 characters", field="params.webhook.secret")


def _without_secret(params: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's params as shown: a webhook's secret is never given back."""
    shown = dict(params)
    if isinstance(shown.get("webhook"), dict):
        shown["webhook"] = {"url": shown["webhook"].get("url"), "secret": "********"}
    return shown


def _signed_in(caller: Caller) -> None:
    if caller.subject is None:
        raise Unauthorized("alert rules need a signed-in caller")


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None
