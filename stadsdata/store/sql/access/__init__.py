"""The access records in SQL (both backends): what the access layer (`stadsdata/access/`) and
management (`stadsdata/management/`) decide with and write. No decisions are made here.

One object per transaction (`Transaction.access`), made of one part per area:

- `changes.py`   the transaction's connection, and the change counter every change raises
- `snapshot.py`  the snapshot access decisions are made on, cached per database until a change
- `parties.py`   parties, local accounts, API keys, browser sessions
- `datasets.py`  datasets and the streams in them
- `sharing.py`   grants, residents' consents, ODRL offers and agreements
- `audit.py`     the audit log
- `rows.py`      the management API's generic rows of these tables (and a few others)
"""

from __future__ import annotations

from stadsdata.store.base import AccessRecords
from stadsdata.store.sql.access.audit import SqlAuditRecords
from stadsdata.store.sql.access.datasets import SqlDatasetRecords
from stadsdata.store.sql.access.parties import SqlPartyRecords
from stadsdata.store.sql.access.rows import MANAGED_TABLES, SqlManagedRows
from stadsdata.store.sql.access.sharing import SqlSharingRecords
from stadsdata.store.sql.access.snapshot import SqlAccessSnapshots

__all__ = ["MANAGED_TABLES", "SqlAccessRecords"]


class SqlAccessRecords(
    SqlAccessSnapshots, SqlPartyRecords, SqlDatasetRecords, SqlSharingRecords, SqlAuditRecords, SqlManagedRows, AccessRecords
):
    """The access records of one transaction."""
