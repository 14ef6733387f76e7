"""The catalog's parties, themes, keywords and licences as CKAN shows them: organizations (a
dataset's owner), groups (the themes of the vocabularies), tags (keywords) and licences.

Names are CKAN-style slugs (lower case, digits, '-' and '_'): a party's name is folded to one
('Gemeente Veenhaven' -> 'gemeente-veenhaven'); a theme's code becomes its group's name
('ENVI' -> 'envi', 'nl:milieu' -> 'nl-milieu'). Labels are in Dutch first, as the catalog's
titles are; the English label goes beside it."""

from __future__ import annotations

import re
from typing import Any

from stadsdata.catalog.entries import CatalogEntry, Party
from stadsdata.catalog.search import fold
from stadsdata.catalog.vocabularies import DEFAULT_LICENSE, LICENSES, Term, theme, themes

_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")


def slug(text: str, fallback: str) -> str:
    name = _NOT_SLUG.sub("-", fold(text)).strip("-")[:100]
    return name or fallback


def organization_name(party: Party) -> str:
    return slug(party.name, f"party-{party.id}")


def organization(party: Party, *, package_count: int | None = None) -> dict[str, Any]:
    """A party as a CKAN organization (a resident appears only as 'resident', `entries.py`)."""
    out: dict[str, Any] = {
        "id": str(party.id), "name": organization_name(party), "title": party.name, "display_name": party.name,
        "description": "", "type": "organization", "is_organization": True, "state": "active",
        "approval_status": "approved", "image_url": "", "image_display_url": "", "created": None,
        "party_kind": party.kind, "uri": party.uri,
    }  # fmt: skip
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_name(code: str) -> str:
    return slug(code.replace(":", "-"), code)


def group(code: str, *, package_count: int | None = None) -> dict[str, Any]:
    """A theme as a CKAN group: the name from its code, the title its Dutch label."""
    term = theme(code) or Term("", code, code)
    out: dict[str, Any] = {
        "id": group_name(code), "name": group_name(code), "title": term.nl, "display_name": term.nl,
        "title_en": term.en, "description": term.en, "type": "group", "is_organization": False, "state": "active",
        "approval_status": "approved", "image_url": "", "image_display_url": "", "created": None, "uri": term.uri,
        "theme": code,
    }  # fmt: skip
    if package_count is not None:
        out["package_count"] = package_count
    return out


def theme_codes() -> list[str]:
    """Every theme of the vocabularies, by group name."""
    return sorted(themes(), key=group_name)


def tag(keyword: str) -> dict[str, Any]:
    return {"id": keyword, "name": keyword, "display_name": keyword, "state": "active", "vocabulary_id": None}


def license_code(entry: CatalogEntry) -> str:
    """The licence the dataset is published under: its metadata's, or its access level's default."""
    code = entry.metadata.get("license")
    return code if code in LICENSES else DEFAULT_LICENSE[entry.access_level]


def is_open(code: str) -> bool:
    return code != "other-closed"


def license_dict(code: str) -> dict[str, Any]:
    term = LICENSES[code]
    return {
        "id": code, "title": term.nl, "title_en": term.en, "url": term.uri, "status": "active", "maintainer": "",
        "family": "", "is_generic": False, "is_okd_compliant": is_open(code), "is_osi_compliant": False,
        "od_conformance": "approved" if is_open(code) else "not reviewed", "osd_conformance": "not reviewed",
        "domain_content": True, "domain_data": True, "domain_software": False,
    }  # fmt: skip
