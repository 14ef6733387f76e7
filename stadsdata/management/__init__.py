"""The management of who may see and write what: parties, accounts, API keys, datasets, grants,
ODRL offers, access requests, agreements, residents' consents and the audit log.

Framework-free functions over one transaction's access records, each deciding first whether
the caller may do it (`rights.py`). The HTTP face (`stadsdata/api/management/`) and the CLI
(`stadsdata/commands/access.py`, as `rights.administrator("cli")`) both call them."""
