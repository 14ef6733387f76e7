"""Fill a store with the demo city: parties, datasets at their access levels, every sensor site
as a Thing with its Datastreams (through the core's entity operations, as an admin would), `days`
of history (CreateObservations: the bulk ingest path), a resident's consent, a grant, an Offer,
the dashboards, the municipality's alert rules, and the HTTP push source the simulator feeds the
garages through.

Seeding is done once per database (`is_seeded`); the accounts' passwords are new at every
start (`reset_demo_accounts`) and only printed, never stored in clear."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.access.odrl import parse_policy
from stadsdata.access.passwords import hash_password
from stadsdata.access.policy import Caller
from stadsdata.demo import city
from stadsdata.demo.alert_rules import add_alert_rules
from stadsdata.demo.catalog import describe_datasets
from stadsdata.demo.dashboards import DASHBOARDS
from stadsdata.demo.register import register_devices
from stadsdata.demo.signals import in_gap
from stadsdata.model.entities import DATASTREAM, FEATURE_OF_INTEREST, THING
from stadsdata.query.ast import QueryOptions
from stadsdata.service.core import Core
from stadsdata.store.base import ObservationRow, ReadRequest, Store, Transaction

ADMIN = Caller(subject="demo:seed", is_admin=True, can_write=True)
PUSH_SOURCE = "veenhaven-garages"
# username -> (party, admin): the accounts to try the UI with.
ACCOUNTS = {
    "beheerder": (city.CITY, True),  # the municipality's administrator
    "analist": ("Team Luchtkwaliteit", False),  # a department: reads by the city's consents and grants
    "jansen": ("Bewoner Jansen", False),  # a resident who owns a sensor and gives or withdraws consent
    "laadnet": ("LaadNet Veenhaven BV", False),  # a company that owns restricted data
}
CHUNK = 40_000  # observations per CreateObservations transaction


@dataclass
class SeedReport:
    things: int
    datastreams: int
    observations: int
    start: datetime
    end: datetime


def is_seeded(store: Store) -> bool:
    with store.read_only() as tx:
        return tx.access.dataset_id("luchtkwaliteit") is not None


def holds_demo_city(store: Store) -> bool:
    """Whether this database holds the demo city (also when served without `--demo`): its data,
    and its municipality as a party."""
    from stadsdata.demo.city import CITY

    with store.read_only() as tx:
        return tx.access.dataset_id("luchtkwaliteit") is not None and tx.access.party_id(CITY) is not None


def seed(store: Store, core: Core, *, days: int = 30, end: datetime | None = None,
         progress: Callable[[str], None] | None = None) -> SeedReport:  # fmt: skip
    """Write the demo city into an empty store; its history ends at `end` (default: now)."""
    say = progress or (lambda message: None)
    end = (end or datetime.now(UTC)).replace(second=0, microsecond=0)
    start = end - timedelta(days=days)
    now = datetime.now(UTC)
    with store.write() as tx:
        parties, datasets = _add_parties_and_datasets(tx, now)

    sites = city.sites()
    say(f"{len(sites)} sensor sites")
    streams, features = _add_sites(store, core, sites)

    with store.write() as tx:
        _fill_datasets(tx, sites, streams, datasets)
        _share(tx, parties, datasets, now)
        for slug, document in DASHBOARDS.items():
            tx.access.insert_row("dashboards", {"slug": slug, "document": document, "created_at": now, "updated_at": now})
        tx.access.insert_row("push_sources", {"name": PUSH_SOURCE, "mapping": _push_mapping(sites, streams), "created_at": now})
        add_alert_rules(tx, parties, datasets, now)

    describe_datasets(store)
    register_devices(store, core)  # the sensor register's entries (`demo/register.py`)
    total = _history(store, sites, streams, features, start, end, say)
    return SeedReport(len(sites), len(streams), total, start, end)


def _add_parties_and_datasets(tx: Transaction, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """(party ids by name, dataset ids by key) of the city's parties and datasets."""
    parties: dict[str, int] = {}
    for party in city.PARTIES:
        parties[party.name] = tx.access.add_party(party.name, party.kind, parties.get(party.parent or ""), now)
    datasets = {key: tx.access.add_dataset(spec.name, spec.title, spec.level, parties[spec.owner], spec.description, now)
                for key, spec in city.DATASETS.items()}  # fmt: skip
    return parties, datasets


def _add_sites(store: Store, core: Core, sites: list[city.Site]) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """Every site as a Thing at its Location with its Datastreams, and a FeatureOfInterest at its
    place: (Datastream ids by (site key, stream key), FeatureOfInterest ids by site key)."""
    streams: dict[tuple[str, str], int] = {}
    features: dict[str, int] = {}
    shared = _Shared()
    for site in sites:
        thing = {
            "name": site.name,
            "description": f"{site.kind} — {site.name}, {city.CITY}",
            "properties": {**site.properties, "site": site.key, "kind": site.kind},
            "Locations": [{"name": site.name, "description": f"{site.name}, {city.CITY}", "encodingType": "application/geo+json",
                           "location": {"type": "Point", "coordinates": [site.lon, site.lat]}}],
        }  # fmt: skip
        thing_id = core.entities.create(ADMIN, THING, thing)
        features[site.key] = core.entities.create(ADMIN, FEATURE_OF_INTEREST, {
            "name": site.name, "description": f"the place of {site.name}", "encodingType": "application/geo+json",
            "feature": {"type": "Point", "coordinates": [site.lon, site.lat]}})  # fmt: skip
        for stream in site.streams:
            streams[(site.key, stream.key)] = _add_stream(store, core, site, stream, thing_id, shared)
    return streams, features


@dataclass
class _Shared:
    """The Sensor of each kind of site and the ObservedProperty of each property: created with the
    first Datastream that has them, linked by the others."""

    sensors: dict[str, int] = field(default_factory=dict)  # site kind -> Sensor id
    properties: dict[str, int] = field(default_factory=dict)  # property name -> ObservedProperty id


def _add_stream(store: Store, core: Core, site: city.Site, stream: city.Stream, thing_id: int, shared: _Shared) -> int:
    sensors, properties = shared.sensors, shared.properties
    body: dict[str, Any] = {
        "name": f"{stream.property} — {site.name}",
        "description": f"{stream.property} at {site.name}",
        "unitOfMeasurement": city.UNITS[stream.unit],
        "observationType": stream.observation_type,
        "properties": {"cadenceMinutes": stream.every_minutes},
        "Thing": {"@iot.id": thing_id},
    }
    body["Sensor"] = {"@iot.id": sensors[site.kind]} if site.kind in sensors else {
        "name": f"{site.kind} sensor", "description": f"the sensor of a {site.kind}", "encodingType": "text/html",
        "metadata": "https://example.org/veenhaven/sensors"}  # fmt: skip
    body["ObservedProperty"] = {"@iot.id": properties[stream.property]} if stream.property in properties else {
        "name": stream.property, "definition": stream.definition, "description": stream.property}  # fmt: skip
    stream_id = core.entities.create(ADMIN, DATASTREAM, body)
    if site.kind not in sensors or stream.property not in properties:
        with store.read_only() as tx:
            created = tx.read(ReadRequest(DATASTREAM, QueryOptions(), id=stream_id, top=1)).records[0]["@links"]
        sensors.setdefault(site.kind, created["Sensor"])
        properties.setdefault(stream.property, created["ObservedProperty"])
    return stream_id


def _fill_datasets(tx: Transaction, sites: list[city.Site], streams: dict[tuple[str, str], int], datasets: dict[str, int]) -> None:
    """Each Datastream into the dataset of its site (or of its kind of stream, where that differs)."""
    by_dataset: dict[str, list[int]] = {}
    for site in sites:
        for stream in site.streams:
            dataset = city.STREAM_DATASET_OVERRIDES.get((site.kind, stream.key), site.dataset)
            by_dataset.setdefault(dataset, []).append(streams[(site.key, stream.key)])
    for dataset, ids in by_dataset.items():
        tx.access.assign_streams(datasets[dataset], ids, [])


def _share(tx: Transaction, parties: dict[str, int], datasets: dict[str, int], now: datetime) -> None:
    """The demo's ways of sharing: a consent, a grant and an Offer."""
    # A resident lets the municipality read their sensor for research; the other gives no one.
    tx.access.add_consent(datasets["bewoner-jansen"], parties[city.CITY], "luchtkwaliteitsonderzoek", None, now)
    # The municipality may read the charging sessions (a grant); others may ask under an Offer.
    tx.access.add_grant(datasets["laadsessies"], parties[city.CITY], None, None, now)
    tx.access.add_offer(datasets["laadsessies"], "urn:veenhaven:offer:laadsessies", _offer(), now)


def _push_mapping(sites: list[city.Site], streams: dict[tuple[str, str], int]) -> dict[str, Any]:
    """How the garages' pushed JSON maps onto their Datastreams (`ingest/http_push.py`)."""
    return {"records": "garages", "key": "id", "time": "updated",
            "streams": {site.key: {"vacant": streams[(site.key, "vacant")]} for site in sites if site.kind == "garage"}}  # fmt: skip


def readings(site: city.Site, stream: city.Stream, start: datetime, end: datetime) -> list[tuple[datetime, Any]]:
    """(phenomenon time, result) of a stream in (start, end], on its cadence, gaps left out."""
    step = timedelta(minutes=stream.every_minutes)
    epoch = datetime(2020, 1, 6, tzinfo=UTC)  # a Monday: cadences line up on whole hours and days
    moment = epoch + ((start - epoch) // step + 1) * step
    out = []
    while moment <= end:
        if not in_gap(site.seed, moment):
            value = stream.value(site.seed, moment)
            if value is not None:
                out.append((moment, value))
        moment += step
    return out


def _history(store: Store, sites: list[city.Site], streams: dict[tuple[str, str], int], features: dict[str, int], start: datetime, end: datetime,
             say: Callable[[str], None]) -> int:  # fmt: skip
    """The history through the store's bulk path (the one CreateObservations and the MQTT
    workers use), without a JSON round trip per reading."""
    rows: list[ObservationRow] = []
    total = 0
    for site in sites:
        for stream in site.streams:
            stream_id, feature = streams[(site.key, stream.key)], features[site.key]
            rows.extend(ObservationRow(t, t, value, feature, datastream_id=stream_id) for t, value in readings(site, stream, start, end))
            if len(rows) >= CHUNK:
                total += _store_rows(store, rows)
                say(f"{total:,} observations")
                rows = []
    total += _store_rows(store, rows)
    say(f"{total:,} observations")
    return total


def _store_rows(store: Store, rows: list[ObservationRow]) -> int:
    if rows:
        with store.write() as tx:
            tx.insert_observations(rows)
    return len(rows)


def _offer() -> dict[str, Any]:
    """Route planners may read the charging sessions: at most 10 000 records, 2.50 euro per 1 000."""
    policy = {
        "@context": "http://www.w3.org/ns/odrl.jsonld",
        "@type": "Offer",
        "uid": "urn:veenhaven:offer:laadsessies",
        "permission": [{
            "action": "read",
            "constraint": [{"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["route planning"]},
                           {"leftOperand": "count", "operator": "lteq", "rightOperand": 10000}],
            "duty": [{"action": [{"rdf:value": {"@id": "odrl:compensate"}, "refinement": [
                {"leftOperand": "payAmount", "operator": "eq", "rightOperand": {"@value": "2.50", "@type": "xsd:decimal"},
                 "unit": "http://dbpedia.org/resource/Euro"},
                {"leftOperand": "count", "operator": "eq", "rightOperand": 1000}]}]}],
        }],
    }  # fmt: skip
    parse_policy(policy, kind="Offer")  # the demo's own policy must be one the platform understands
    return policy


def reset_demo_accounts(store: Store) -> dict[str, str]:
    """Give every demo account a new random password (stored as an argon2 hash); returns them."""
    passwords = {name: secrets.token_urlsafe(9) for name in ACCOUNTS}
    now = datetime.now(UTC)
    with store.write() as tx:
        for username, (party, admin) in ACCOUNTS.items():
            existing = tx.access.rows("users", {"username": username}, limit=1)
            hashed = hash_password(passwords[username])
            if existing:
                tx.access.update_row("users", existing[0]["id"], {"password_hash": hashed})
            else:
                tx.access.add_user(username, hashed, tx.access.party_id(party), admin, now)
    return passwords
