"""`stadsdata parties|users|keys|datasets|grants …`: manage who may see and write what.

Every command works on the database of `--database` (or STADSDATA_DATABASE), upgrading its
schema first like `serve` does, and does its work through `stadsdata.management` as the
operator at the machine: an administrator (`rights.administrator("cli")`), under the same rules
as the management API. Refusals (an unknown party, a duplicate name) exit with code 1 and a
message; secrets are read from standard input or a prompt, never from arguments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from stadsdata.errors import BadRequest, Conflict, NotFound, ProblemError
from stadsdata.management import audit, consents, datasets, identities, parties, sharing
from stadsdata.management.rights import Actor, administrator
from stadsdata.model.vocabulary import ACCESS_LEVELS, PARTY_KINDS
from stadsdata.store.errors import ConstraintViolated

DatabaseOption = Annotated[str | None, typer.Option(help="SQLite file or postgresql:// URL [env STADSDATA_DATABASE]")]

parties_app = typer.Typer(help="Organisations, departments, companies and residents.", no_args_is_help=True)
users_app = typer.Typer(help="People who log in (local accounts, argon2 passwords).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for machines (stored hashed; shown once).", no_args_is_help=True)
datasets_app = typer.Typer(help="Datasets: groups of Datastreams with an owner and an access level.", no_args_is_help=True)
grants_app = typer.Typer(help="A party's right to read a restricted or non-public dataset.", no_args_is_help=True)

OPERATOR = administrator("cli")
EVERY = 10**9  # a limit no list reaches


def _now() -> datetime:
    return datetime.now(UTC)


def _fail(detail: str) -> NoReturn:
    typer.echo(f"error: {detail}", err=True)
    raise typer.Exit(1)


@contextmanager
def _operator(database: str | None) -> Iterator[Actor]:
    """The operator, in one write transaction: a refusal is `error: <detail>` and exit code 1,
    and nothing of the command is written."""
    from stadsdata.app import open_store
    from stadsdata.settings import Settings

    store = open_store(Settings(**({"database": database} if database else {})))
    try:
        with store.write() as tx:
            yield Actor(OPERATOR, tx.access, _now())
    except (ProblemError, ConstraintViolated) as exc:
        _fail(exc.detail)
    finally:
        store.close()


@contextmanager
def _refused_as(detail: str) -> Iterator[None]:
    """Say `detail` when there is no such thing, or not in a state for the command."""
    try:
        yield
    except (NotFound, Conflict):
        _fail(detail)


def _party_id(actor: Actor, name: str) -> int:
    try:
        return int(parties.party_named(actor, name)["id"])
    except NotFound as exc:
        raise NotFound(f"{exc.detail} (stadsdata parties add …)") from None


def _dataset_id(actor: Actor, name: str) -> int:
    try:
        return int(datasets.dataset_named(actor, name)["id"])
    except NotFound as exc:
        raise NotFound(f"{exc.detail} (stadsdata datasets add …)") from None


def _until(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value else None


def _time(text: str) -> str:
    """A time as management shows it ('…Z') as these commands print it ('…+00:00')."""
    return datetime.fromisoformat(text).isoformat()


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{what} must be one of {', '.join(allowed)}")
    return value


@parties_app.command("add")
def add_party(
    name: str,
    kind: Annotated[str, typer.Option(help=f"one of {', '.join(PARTY_KINDS)}")] = "organisation",
    parent: Annotated[str | None, typer.Option(help="the organisation a department belongs to")] = None,
    database: DatabaseOption = None,
) -> None:
    """Add a party."""
    _choice(kind, PARTY_KINDS, "--kind")
    with _operator(database) as actor:
        parent_id = None if parent is None else _party_id(actor, parent)
        party = parties.create_party(actor, name=name, kind=kind, parent_id=parent_id)
    typer.echo(f"party {party['id']}: {name} ({kind})")


@users_app.command("add")
def add_user(
    username: str,
    party: Annotated[str | None, typer.Option(help="the party the user acts for")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="may read and write everything")] = False,
    read_only: Annotated[bool, typer.Option("--read-only", help="a member who reads what the party may read, and writes nothing")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from standard input")] = False,
    database: DatabaseOption = None,
) -> None:
    """Add a local account; the password is prompted for (or read from stdin)."""
    password = typer.get_text_stream("stdin").readline().rstrip("\n") if password_stdin else typer.prompt(
        "password", hide_input=True, confirmation_prompt=True
    )
    with _operator(database) as actor:
        party_id = None if party is None else _party_id(actor, party)
        user = identities.create_user(
            actor, username=username, password=password, party_id=party_id, is_admin=admin, can_write=not read_only
        )
    role = " (admin)" if admin else " (read-only)" if read_only else ""
    typer.echo(f"user {user['id']}: {username}{role}")


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Argument(help="what the key is for, e.g. 'garage sensors'")],
    party: Annotated[str | None, typer.Option(help="the party the key acts for")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="may read and write everything")] = False,
    write: Annotated[bool, typer.Option("--write", help="may add Observations to its party's datasets")] = False,
    expires_days: Annotated[int | None, typer.Option(help="valid for this many days (default: until revoked)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    with _operator(database) as actor:
        party_id = None if party is None else _party_id(actor, party)
        expires = actor.now + timedelta(days=expires_days) if expires_days else None
        key = identities.create_key(actor, name=name, party_id=party_id, is_admin=admin, can_write=write, expires_at=expires)
    typer.echo(key["key"])
    typer.echo(f"(key {key['prefix']}: store it now, it is not shown again)", err=True)


@keys_app.command("revoke")
def revoke_key(prefix: str, database: DatabaseOption = None) -> None:
    """Revoke a key by its prefix (the part after `sdk_`, before the next `_`)."""
    with _operator(database) as actor:
        identities.revoke_key_with_prefix(actor, prefix)
    typer.echo(f"key {prefix} revoked")


@datasets_app.command("add")
def add_dataset(
    name: str,
    title: Annotated[str, typer.Option(help="human-readable title")],
    level: Annotated[str, typer.Option(help=f"one of {', '.join(ACCESS_LEVELS)}")],
    owner: Annotated[str | None, typer.Option(help="the owning party")] = None,
    description: str = "",
    personal_field: Annotated[
        list[str] | None, typer.Option(help="path pseudonymised at ingest, e.g. result.cardId (repeatable)")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Add a dataset."""
    from stadsdata.access.pseudonyms import check_paths

    _choice(level, ACCESS_LEVELS, "--level")
    try:  # a wrong path is a wrong option: said before the database is opened
        paths = check_paths(personal_field or [], field="--personal-field")
    except BadRequest as exc:
        raise typer.BadParameter(exc.detail) from None
    with _operator(database) as actor:
        owner_id = None if owner is None else _party_id(actor, owner)
        dataset = datasets.create_dataset(
            actor, name=name, title=title, description=description, access_level=level, owner_party_id=owner_id, personal_fields=paths
        )
    typer.echo(f"dataset {dataset['id']}: {name} ({level})")


@datasets_app.command("assign")
def assign(
    name: str,
    datastream: Annotated[list[int] | None, typer.Option(help="Datastream id (repeatable)")] = None,
    multi_datastream: Annotated[list[int] | None, typer.Option(help="MultiDatastream id (repeatable)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Put (Multi)Datastreams into a dataset."""
    with _operator(database) as actor:
        dataset_id = _dataset_id(actor, name)
        for stream in datastream or []:
            datasets.put_stream(actor, dataset_id, "datastreams", stream)
        for stream in multi_datastream or []:
            datasets.put_stream(actor, dataset_id, "multi-datastreams", stream)
    typer.echo(f"{len(datastream or []) + len(multi_datastream or [])} stream(s) in {name}")


@grants_app.command("add")
def add_grant(
    dataset: str,
    party: str,
    until: Annotated[datetime | None, typer.Option(help="in force until (UTC)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Let a party read a dataset."""
    with _operator(database) as actor:
        dataset_id = _dataset_id(actor, dataset)
        grant = datasets.create_grant(actor, dataset_id, party_id=_party_id(actor, party), valid_from=None, valid_until=_until(until))
    typer.echo(f"grant {grant['id']}: {party} may read {dataset}")


@grants_app.command("revoke")
def revoke_grant(grant: int, database: DatabaseOption = None) -> None:
    """End a grant now."""
    refusal = f"no grant {grant} in force"
    with _operator(database) as actor, _refused_as(refusal):
        if not datasets.revoke_grant(actor, grant):
            _fail(refusal)
    typer.echo(f"grant {grant} revoked")


audit_app = typer.Typer(help="The audit log: who read records of restricted and non-public datasets.", no_args_is_help=True)


@audit_app.command("list")
def list_audit(
    dataset: Annotated[str | None, typer.Option(help="only this dataset")] = None,
    limit: Annotated[int, typer.Option(help="newest N events")] = 100,
    database: DatabaseOption = None,
) -> None:
    """Print audit events, newest first (tab-separated: time, who, party, dataset, basis, grant, records, request)."""
    with _operator(database) as actor:
        dataset_id = None if dataset is None else _dataset_id(actor, dataset)
        events, _ = audit.list_audit_events(actor, dataset_id=dataset_id, since=None, limit=max(limit, 0), cursor=None)
    for e in events:
        party = "" if e["partyId"] is None else str(e["partyId"])
        grant = "" if e["grantId"] is None else str(e["grantId"])
        typer.echo("\t".join((_time(e["time"]), e["subject"], party, str(e["datasetId"]), e["basis"], grant, str(e["records"]), e["request"])))


consents_app = typer.Typer(help="A resident's consent that a party may read the resident's dataset.", no_args_is_help=True)


@consents_app.command("give")
def give_consent(
    dataset: str,
    party: str,
    purpose: Annotated[str, typer.Option(help="what the party may use the data for, e.g. 'energy advice'")],
    until: Annotated[datetime | None, typer.Option(help="expires at (UTC)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Record the resident's consent (status: given)."""
    with _operator(database) as actor:
        dataset_id = _dataset_id(actor, dataset)
        consent = consents.give_consent(
            actor, dataset_id=dataset_id, party_id=_party_id(actor, party), purpose=purpose, expires_at=_until(until)
        )
    typer.echo(f"consent {consent['id']}: {party} may read {dataset} for {purpose!r}")


@consents_app.command("withdraw")
def withdraw_consent(consent: int, database: DatabaseOption = None) -> None:
    """Withdraw a consent; it stops counting on the very next request."""
    with _operator(database) as actor, _refused_as(f"no given consent {consent}"):
        consents.withdraw_consent(actor, consent)
    typer.echo(f"consent {consent} withdrawn")


@consents_app.command("list")
def list_consents(dataset: str, database: DatabaseOption = None) -> None:
    """Who may read the dataset by consent, and who did (tab-separated; status now)."""
    with _operator(database) as actor:
        found, _ = consents.list_consents(actor, dataset_id=_dataset_id(actor, dataset), limit=EVERY, cursor=None)
    for c in reversed(found):  # newest first
        until = _time(c["expiresAt"]) if c["expiresAt"] else ""
        typer.echo("\t".join((str(c["id"]), str(c["partyId"]), c["purpose"], c["status"], _time(c["givenAt"]), until)))


offers_app = typer.Typer(help="ODRL Offers a dataset owner publishes (JSON-LD files).", no_args_is_help=True)
agreements_app = typer.Typer(help="ODRL Agreements made from Offers, one party each; usage and amounts due.", no_args_is_help=True)


@offers_app.command("add")
def add_offer(
    dataset: str,
    policy_file: Annotated[Path, typer.Argument(help="an ODRL Offer as JSON-LD", exists=True, dir_okay=False)],
    database: DatabaseOption = None,
) -> None:
    """Publish an Offer on a dataset (checked against the understood ODRL subset first)."""
    from stadsdata.access.odrl import PolicyError, parse_policy

    try:  # said with the file's name, before the database is opened
        document = json.loads(policy_file.read_text(encoding="utf-8"))
        parse_policy(document, kind="Offer")
    except (json.JSONDecodeError, PolicyError) as exc:
        where = f" at {exc.field}" if isinstance(exc, PolicyError) else ""
        _fail(f"{policy_file}{where}: {exc}")
    with _operator(database) as actor:
        offer = sharing.create_offer(actor, _dataset_id(actor, dataset), policy=document, auto_accept=False)
    typer.echo(f"offer {offer['id']}: {offer['uid']} on {dataset}")


@agreements_app.command("make")
def make_agreement(
    offer: int,
    party: str,
    purpose: Annotated[str, typer.Option(help="the purpose the party asked for; must be one the offer allows")],
    database: DatabaseOption = None,
) -> None:
    """Turn a party's request into an Agreement from the Offer (the owner's decision)."""
    with _operator(database) as actor:
        made = sharing.make_agreement(actor, offer, party_id=_party_id(actor, party), purpose=purpose)
    typer.echo(f"agreement {made['id']}: {party} may read under {made['uid']}")


@agreements_app.command("end")
def end_agreement(agreement: int, database: DatabaseOption = None) -> None:
    """End an agreement now."""
    with _operator(database) as actor, _refused_as(f"no active agreement {agreement}"):
        sharing.end_agreement(actor, agreement)
    typer.echo(f"agreement {agreement} ended")


@agreements_app.command("usage")
def agreement_usage(agreement: int, database: DatabaseOption = None) -> None:
    """Records read under an agreement, its limit, and the compensation due (from the audit log)."""
    from stadsdata.access.odrl import parse_policy

    with _operator(database) as actor:
        found = sharing.get_agreement(actor, agreement)
    used, limit = found["usage"]["recordsRead"], found["usage"]["countLimit"]
    typer.echo(f"agreement {agreement} ({found['status']}): {used} records read" + (f" of {limit}" if limit is not None else ""))
    pay = parse_policy(found["policy"], kind="Agreement").compensation()
    if pay is not None:
        units = -(-used // pay.per_records)  # started blocks are due
        typer.echo(f"due: {pay.amount * units} {pay.unit} ({units} × {pay.amount} per {pay.per_records} records)")
