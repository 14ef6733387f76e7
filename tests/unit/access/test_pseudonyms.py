"""The keyed hash that replaces personal fields at ingest (access/pseudonyms.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stadsdata.access.pseudonyms import PREFIX, Pseudonymiser, check_paths, load_key
from stadsdata.errors import BadRequest, ServiceUnavailable

P = Pseudonymiser(b"test key")


def test_same_value_same_pseudonym_other_key_other_pseudonym() -> None:
    card = P.pseudonym("NL-ABC-123")
    assert card.startswith(PREFIX) and len(card) == len(PREFIX) + 32
    assert card == P.pseudonym("NL-ABC-123") != P.pseudonym("NL-ABC-124")
    assert Pseudonymiser(b"other key").pseudonym("NL-ABC-123") != card
    assert P.pseudonym(42) == P.pseudonym("42")  # an id sent as a number by one source, a string by another
    assert P.pseudonym({"b": 1, "a": 2}) == P.pseudonym({"a": 2, "b": 1})
    assert P.pseudonym(card) == card  # a pseudonym sent back (PUT of what was read) stays itself


def test_paths_replace_only_what_is_there_and_leave_the_input_alone() -> None:
    result = {"kWh": 12.5, "card": {"id": "NL-1", "type": "rfid"}}
    parameters = {"owner": "jan", "plug": 2}
    new_result, new_parameters = P.apply(["result.card.id", "parameters.owner", "parameters.absent"], result, parameters)
    assert new_result == {"kWh": 12.5, "card": {"id": P.pseudonym("NL-1"), "type": "rfid"}}
    assert new_parameters == {"owner": P.pseudonym("jan"), "plug": 2}
    assert result["card"]["id"] == "NL-1" and parameters["owner"] == "jan"  # copies, not changed in place
    assert P.apply(["result"], "NL-1", None) == (P.pseudonym("NL-1"), None)
    assert P.apply(["result.card"], 7.5, None) == (7.5, None)  # not an object: nothing to replace
    assert P.apply(["result.card"], {"card": None}, None) == ({"card": None}, None)


def test_without_a_key_nothing_is_stored() -> None:
    with pytest.raises(ServiceUnavailable):
        Pseudonymiser(None).apply(["result"], "NL-1", None)


@pytest.mark.parametrize("bad", ["owner", "result.", "parameters", "result..x", "result x", ""])
def test_bad_paths_are_refused_naming_the_position(bad: str) -> None:
    with pytest.raises(BadRequest) as caught:
        check_paths(["result.ok", bad], field="personalFields")
    assert caught.value.field == "personalFields[1]"
    assert check_paths(["result.a", "result.a", "parameters.b"], field="f") == ["result.a", "parameters.b"]


def test_key_from_setting_file_or_made_beside_the_sqlite_database(tmp_path: Path) -> None:
    assert load_key("geheim", None, None) == b"geheim"
    (tmp_path / "key").write_text("uit bestand\n")
    assert load_key(None, str(tmp_path / "key"), None) == b"uit bestand"
    assert load_key(None, None, None) is None  # PostgreSQL without configuration
    made = load_key(None, None, str(tmp_path / "city.db"))
    key_file = tmp_path / "city.db.pseudonym-key"
    assert made and key_file.read_bytes().strip() == made
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    assert load_key(None, None, str(tmp_path / "city.db")) == made  # made once, then kept
