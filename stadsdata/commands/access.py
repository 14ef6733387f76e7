"""`stadsdata parties|users|keys|datasets|grants …`: manage who may see and write what.

Every command works on the database of `--database` (or STADSDATA_DATABASE), upgrading its
schema first like `serve` does. Errors (an unknown party, a duplicate name) exit with code 1
and a message; secrets are read from standard input or a prompt, never from arguments."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from stadsdata.store.base import AccessRecords
from stadsdata.store.errors import ConstraintViolated
from stadsdata.store.schema import ACCESS_LEVELS, PARTY_KINDS

DatabaseOption = Annotated[str | None, typer.Option(help="SQLite file or postgresql:// URL [env STADSDATA_DATABASE]")]

parties_app = typer.Typer(help="Organisations, departments, companies and residents.", no_args_is_help=True)
users_app = typer.Typer(help="People who log in (local accounts, argon2 passwords).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for machines (stored hashed; shown once).", no_args_is_help=True)
datasets_app = typer.Typer(help="Datasets: groups of Datastreams with an owner and an access level.", no_args_is_help=True)
grants_app = typer.Typer(help="A party's right to read a restricted or non-public dataset.", no_args_is_help=True)


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _records(database: str | None) -> Iterator[AccessRecords]:
    from stadsdata.app import open_store
    from stadsdata.settings import Settings

    store = open_store(Settings(**({"database": database} if database else {})))
    try:
        with store.write() as tx:
            yield tx.access
    except ConstraintViolated as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.close()


def _party(records: AccessRecords, name: str | None) -> int | None:
    if name is None:
        return None
    party = records.party_id(name)
    if party is None:
        typer.echo(f"error: no party named {name!r} (stadsdata parties add …)", err=True)
        raise typer.Exit(1)
    return party


def _dataset(records: AccessRecords, name: str) -> int:
    dataset = records.dataset_id(name)
    if dataset is None:
        typer.echo(f"error: no dataset named {name!r} (stadsdata datasets add …)", err=True)
        raise typer.Exit(1)
    return dataset


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
    with _records(database) as records:
        party = records.add_party(name, kind, _party(records, parent), _now())
    typer.echo(f"party {party}: {name} ({kind})")


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
    from stadsdata.access.passwords import hash_password

    password = typer.get_text_stream("stdin").readline().rstrip("\n") if password_stdin else typer.prompt(
        "password", hide_input=True, confirmation_prompt=True
    )
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    with _records(database) as records:
        user = records.add_user(username, password_hash, _party(records, party), admin, _now(), can_write=not read_only)
    role = " (admin)" if admin else " (read-only)" if read_only else ""
    typer.echo(f"user {user}: {username}{role}")


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
    from stadsdata.access.api_keys import generate_api_key

    key = generate_api_key()
    expires = _now() + timedelta(days=expires_days) if expires_days else None
    with _records(database) as records:
        records.add_api_key(
            key.prefix, key.key_hash, name, _party(records, party), is_admin=admin, can_write=write or admin,
            expires_at=expires, now=_now(),
        )  # fmt: skip
    typer.echo(key.secret_key)
    typer.echo(f"(key {key.prefix}: store it now, it is not shown again)", err=True)


@keys_app.command("revoke")
def revoke_key(prefix: str, database: DatabaseOption = None) -> None:
    """Revoke a key by its prefix (the part after `sdk_`, before the next `_`)."""
    with _records(database) as records:
        done = records.revoke_api_key(prefix, _now())
    if not done:
        typer.echo(f"error: no active key with prefix {prefix!r}", err=True)
        raise typer.Exit(1)
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
    from stadsdata.errors import BadRequest

    _choice(level, ACCESS_LEVELS, "--level")
    try:
        paths = check_paths(personal_field or [], field="--personal-field")
    except BadRequest as exc:
        raise typer.BadParameter(exc.detail) from None
    with _records(database) as records:
        dataset = records.add_dataset(name, title, level, _party(records, owner), description, _now())
        if paths:
            records.update_row("datasets", dataset, {"personal_fields": paths})
    typer.echo(f"dataset {dataset}: {name} ({level})")


@datasets_app.command("assign")
def assign(
    name: str,
    datastream: Annotated[list[int] | None, typer.Option(help="Datastream id (repeatable)")] = None,
    multi_datastream: Annotated[list[int] | None, typer.Option(help="MultiDatastream id (repeatable)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Put (Multi)Datastreams into a dataset."""
    with _records(database) as records:
        records.assign_streams(_dataset(records, name), datastream or [], multi_datastream or [])
    typer.echo(f"{len(datastream or []) + len(multi_datastream or [])} stream(s) in {name}")


@grants_app.command("add")
def add_grant(
    dataset: str,
    party: str,
    until: Annotated[datetime | None, typer.Option(help="in force until (UTC)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Let a party read a dataset."""
    with _records(database) as records:
        grant = records.add_grant(
            _dataset(records, dataset), _party(records, party) or 0, None, until.replace(tzinfo=UTC) if until else None, _now()
        )
    typer.echo(f"grant {grant}: {party} may read {dataset}")


@grants_app.command("revoke")
def revoke_grant(grant: int, database: DatabaseOption = None) -> None:
    """End a grant now."""
    with _records(database) as records:
        done = records.revoke_grant(grant, _now())
    if not done:
        typer.echo(f"error: no grant {grant} in force", err=True)
        raise typer.Exit(1)
    typer.echo(f"grant {grant} revoked")


audit_app = typer.Typer(help="The audit log: who read records of restricted and non-public datasets.", no_args_is_help=True)


@audit_app.command("list")
def list_audit(
    dataset: Annotated[str | None, typer.Option(help="only this dataset")] = None,
    limit: Annotated[int, typer.Option(help="newest N events")] = 100,
    database: DatabaseOption = None,
) -> None:
    """Print audit events, newest first (tab-separated: time, who, party, dataset, basis, grant, records, request)."""
    with _records(database) as records:
        events = records.audit_events(_dataset(records, dataset) if dataset else None, limit)
    for e in events:
        party = "" if e.party_id is None else str(e.party_id)
        grant = "" if e.grant_id is None else str(e.grant_id)
        typer.echo("\t".join((e.time.isoformat(), e.subject, party, str(e.dataset_id), e.basis, grant, str(e.records), e.request)))


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
    with _records(database) as records:
        consent = records.add_consent(
            _dataset(records, dataset), _party(records, party) or 0, purpose, until.replace(tzinfo=UTC) if until else None, _now()
        )
    typer.echo(f"consent {consent}: {party} may read {dataset} for {purpose!r}")


@consents_app.command("withdraw")
def withdraw_consent(consent: int, database: DatabaseOption = None) -> None:
    """Withdraw a consent; it stops counting on the very next request."""
    with _records(database) as records:
        done = records.withdraw_consent(consent, _now())
    if not done:
        typer.echo(f"error: no given consent {consent}", err=True)
        raise typer.Exit(1)
    typer.echo(f"consent {consent} withdrawn")


@consents_app.command("list")
def list_consents(dataset: str, database: DatabaseOption = None) -> None:
    """Who may read the dataset by consent, and who did (tab-separated; status now)."""
    with _records(database) as records:
        rows = records.consents(_dataset(records, dataset), _now())
    for c in rows:
        until = c.expires_at.isoformat() if c.expires_at else ""
        typer.echo("\t".join((str(c.id), str(c.party_id), c.purpose, c.status, c.given_at.isoformat(), until)))


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

    try:
        document = json.loads(policy_file.read_text(encoding="utf-8"))
        policy = parse_policy(document, kind="Offer")
    except (json.JSONDecodeError, PolicyError) as exc:
        where = f" at {exc.field}" if isinstance(exc, PolicyError) else ""
        typer.echo(f"error: {policy_file}{where}: {exc}", err=True)
        raise typer.Exit(1) from None
    with _records(database) as records:
        offer = records.add_offer(_dataset(records, dataset), policy.uid, document, _now())
    typer.echo(f"offer {offer}: {policy.uid} on {dataset}")


@agreements_app.command("make")
def make_agreement(
    offer: int,
    party: str,
    purpose: Annotated[str, typer.Option(help="the purpose the party asked for; must be one the offer allows")],
    database: DatabaseOption = None,
) -> None:
    """Turn a party's request into an Agreement from the Offer (the owner's decision)."""
    from stadsdata.access.odrl import PolicyError, agreement_from_offer, parse_policy

    with _records(database) as records:
        found = records.offer(offer)
        if found is None:
            typer.echo(f"error: no offer {offer}", err=True)
            raise typer.Exit(1)
        dataset_id, document = found
        party_id = _party(records, party) or 0
        uid = f"urn:stadsdata:agreement:{uuid.uuid4()}"
        try:
            agreement_doc = agreement_from_offer(
                parse_policy(document, kind="Offer"), uid=uid, assignee=f"urn:stadsdata:party:{party}", purpose=purpose
            )
        except PolicyError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        agreement = records.add_agreement(dataset_id, party_id, offer, uid, agreement_doc, _now())
    typer.echo(f"agreement {agreement}: {party} may read under {uid}")


@agreements_app.command("end")
def end_agreement(agreement: int, database: DatabaseOption = None) -> None:
    """End an agreement now."""
    with _records(database) as records:
        done = records.end_agreement(agreement, _now())
    if not done:
        typer.echo(f"error: no active agreement {agreement}", err=True)
        raise typer.Exit(1)
    typer.echo(f"agreement {agreement} ended")


@agreements_app.command("usage")
def agreement_usage(agreement: int, database: DatabaseOption = None) -> None:
    """Records read under an agreement, its limit, and the compensation due (from the audit log)."""
    from stadsdata.access.odrl import parse_policy

    with _records(database) as records:
        found = records.agreement(agreement)
        if found is None:
            typer.echo(f"error: no agreement {agreement}", err=True)
            raise typer.Exit(1)
        _, _, document, status = found
        used = records.agreement_usage([agreement]).get(agreement, 0)
    policy = parse_policy(document, kind="Agreement")
    limit = policy.count_limit()
    typer.echo(f"agreement {agreement} ({status}): {used} records read" + (f" of {limit}" if limit is not None else ""))
    pay = policy.compensation()
    if pay is not None:
        units = -(-used // pay.per_records)  # started blocks are due
        typer.echo(f"due: {pay.amount * units} {pay.unit} ({units} × {pay.amount} per {pay.per_records} records)")
