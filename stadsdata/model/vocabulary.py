"""Words of access control that every layer shares: a dataset's access level (the EU
access-right vocabulary that DCAT-AP-NL uses) and the kinds of parties."""

ACCESS_LEVELS = ("public", "restricted", "non-public")
PARTY_KINDS = ("organisation", "department", "company", "resident")
