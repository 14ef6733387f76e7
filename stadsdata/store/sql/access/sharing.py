"""How a dataset is shared: grants, residents' consents, ODRL offers and the agreements made
from them, with the records read under each agreement (from the audit log)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from stadsdata.store.base import Consent, SharingRecords
from stadsdata.store.schema import agreements, audit_events, consents, dataset_grants, offers
from stadsdata.store.sql.access.changes import SqlRecords


class SqlSharingRecords(SqlRecords, SharingRecords):
    # -- grants -----------------------------------------------------------------------------
    def add_grant(self, dataset_id: int, party_id: int, valid_from: datetime | None, valid_until: datetime | None, now: datetime) -> int:
        return self._insert(
            dataset_grants, dataset_id=dataset_id, party_id=party_id, valid_from=valid_from, valid_until=valid_until,
            created_at=now,
        )  # fmt: skip

    def revoke_grant(self, grant_id: int, now: datetime) -> bool:
        self._changed()
        g = dataset_grants.c
        result = self.conn.execute(update(dataset_grants).where(g.id == grant_id, g.revoked_at.is_(None)).values(revoked_at=now))
        return bool(result.rowcount)

    # -- consents ---------------------------------------------------------------------------
    def add_consent(self, dataset_id: int, party_id: int, purpose: str, expires_at: datetime | None, now: datetime) -> int:
        return self._insert(
            consents, dataset_id=dataset_id, party_id=party_id, purpose=purpose, status="given", given_at=now,
            expires_at=expires_at,
        )  # fmt: skip

    def withdraw_consent(self, consent_id: int, now: datetime) -> bool:
        self._changed()
        c = consents.c
        result = self.conn.execute(
            update(consents).where(c.id == consent_id, c.status == "given").values(status="withdrawn", withdrawn_at=now)
        )
        return bool(result.rowcount)

    def consents(self, dataset_id: int, now: datetime) -> list[Consent]:
        c = consents.c
        rows = self.conn.execute(select(consents).where(c.dataset_id == dataset_id).order_by(c.id.desc())).mappings()
        out = []
        for row in rows:
            status = row["status"]
            if status == "given" and row["expires_at"] is not None and row["expires_at"] <= now:
                status = "expired"
            out.append(Consent(**{**row, "status": status}))
        return out

    # -- offers and agreements --------------------------------------------------------------
    def add_offer(self, dataset_id: int, uid: str, policy: dict[str, Any], now: datetime) -> int:
        return self._insert(offers, dataset_id=dataset_id, uid=uid, policy=policy, created_at=now)

    def offer(self, offer_id: int) -> tuple[int, dict[str, Any]] | None:
        row = self.conn.execute(select(offers.c.dataset_id, offers.c.policy).where(offers.c.id == offer_id)).first()
        return (row[0], row[1]) if row else None

    def add_agreement(self, dataset_id: int, party_id: int, offer_id: int | None, uid: str, policy: dict[str, Any], now: datetime) -> int:
        return self._insert(
            agreements, dataset_id=dataset_id, party_id=party_id, offer_id=offer_id, uid=uid, policy=policy,
            status="active", created_at=now,
        )  # fmt: skip

    def end_agreement(self, agreement_id: int, now: datetime) -> bool:
        self._changed()
        a = agreements.c
        result = self.conn.execute(
            update(agreements).where(a.id == agreement_id, a.status == "active").values(status="ended", ended_at=now)
        )
        return bool(result.rowcount)

    def agreement(self, agreement_id: int) -> tuple[int, int, dict[str, Any], str] | None:
        a = agreements.c
        row = self.conn.execute(select(a.dataset_id, a.party_id, a.policy, a.status).where(a.id == agreement_id)).first()
        return (row[0], row[1], row[2], row[3]) if row else None

    def agreement_usage(self, agreement_ids: Sequence[int]) -> dict[int, int]:
        return read_agreement_usage(self.conn, agreement_ids)


def read_agreement_usage(conn: Connection, agreement_ids: Sequence[int]) -> dict[int, int]:
    """Records read under each agreement so far, summed from the audit log."""
    if not agreement_ids:
        return {}
    e = audit_events.c
    stmt = (
        select(e.grant_id, func.sum(e.records))
        .where(e.basis == "agreement", e.grant_id.in_(list(agreement_ids)))
        .group_by(e.grant_id)
    )
    return {r[0]: int(r[1]) for r in conn.execute(stmt)}
