"""The parameters of one action call — CKAN's data dict, from the query string of a GET or the
JSON body of a POST — and the checks CKAN's validators make of them, with CKAN's messages
('Missing value', 'Invalid integer', 'Must be a natural number', 'Could not parse as valid
JSON', …). A value that fails is a `Validation Error` (409) naming the parameter.

From a query string every value is text (a repeated parameter gives a list); CKAN decodes some
of them as JSON (`facet.field`, the datastore's `filters` and `q`) and those are decoded here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from stadsdata.api.ckan.errors import invalid

TRUE = ("true", "yes", "on", "y", "t", "1")
FALSE = ("false", "no", "off", "n", "f", "0")


class Params:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def given(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def unknown(self, known: Iterable[str]) -> list[str]:
        """The names given that are not in `known`, sorted."""
        allowed = set(known)
        return sorted(k for k in self.data if k not in allowed)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise invalid(name, "Not a string")
        return str(value)

    def required(self, *names: str) -> str:
        """The first of `names` that is given (CKAN's `id` or `name_or_id`); 'Missing value' for the last."""
        for name in names:
            if self.given(name):
                return self.text(name) or ""
        raise invalid(names[-1], "Missing value")

    def integer(self, name: str, default: int = 0, *, maximum: int | None = None, natural: bool = True) -> int:
        """CKAN's int_validator (whole numbers, also as text) and natural_number_validator; above
        `maximum` the value is lowered to it, as CKAN's limit_to_configured_maximum does."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        number = _whole(value)
        if number is None:
            raise invalid(name, "Invalid integer")
        if natural and number < 0:
            raise invalid(name, "Must be a natural number")
        return min(number, maximum) if maximum is not None else number

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
            return value.strip().lower() in TRUE
        raise invalid(name, "Value must be one of: true, false")

    def json(self, name: str) -> Any:
        """A value that may come as JSON text (a GET's parameters are all text)."""
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise invalid(name, "Could not parse as valid JSON") from None
        return value

    def string_list(self, name: str, *, split_commas: bool = False) -> list[str] | None:
        """A list of strings: a JSON list (or JSON text of one; a text that is not JSON is one
        name), or with `split_commas` a comma-separated text (CKAN's list_of_strings_or_string)."""
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            if split_commas and not value.lstrip().startswith("["):
                return [part.strip() for part in value.split(",") if part.strip()]
            if not value.lstrip().startswith(("[", '"')):  # one name, as a GET with one value sends it
                return [value]
            value = self.json(name)
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            raise invalid(name, "Not a list")
        for item in value:
            if not isinstance(item, str):
                raise invalid(name, f"Not a string: {item!r}")
        return list(value)


def _whole(value: Any) -> int | None:
    """A whole number from a number or its text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None
