"""What a download asks for (`Selection`), read from the request's parameters and checked: the
format, the streams (by id, dataset, ObservedProperty or area) and the time range. Every refusal
is a 400 naming the parameter; whether the streams exist for the caller is `streams.py`'s."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from stadsdata.errors import BadRequest
from stadsdata.service.series import parse_time

FORMATS = ("csv", "geojson", "parquet")
BUNDLES = ("zip",)
MAX_IDS = 1000  # streams named one by one in one download
MAX_ID = 2**63 - 1

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Selection:
    """A download's selection. Within one selector the values add up (any of these streams,
    datasets or properties); the selectors narrow each other down. Without `datastreams` and
    `multi_datastreams` both kinds of stream are selected; naming ids of one kind selects only
    those. Times are of the phenomenon time's start, `start` included, `end` not."""

    format: str = "csv"
    datastreams: tuple[int, ...] = ()
    multi_datastreams: tuple[int, ...] = ()
    datasets: tuple[str, ...] = ()  # names or ids, as given
    observed_properties: tuple[str, ...] = ()  # ObservedProperty names
    start: datetime | None = None
    end: datetime | None = None
    bbox: Box | None = None  # streams whose Thing has a Location that intersects this box (WGS84)
    bundle: bool = False  # a zip with the data, a README and a datapackage.json

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of stream the selection reads: 'Datastream', 'MultiDatastream'."""
        if self.datastreams and not self.multi_datastreams:
            return ("Datastream",)
        if self.multi_datastreams and not self.datastreams:
            return ("MultiDatastream",)
        return ("Datastream", "MultiDatastream")

    @property
    def names_streams(self) -> bool:
        """Whether anything narrows the selection down from every stream there is."""
        return bool(self.datastreams or self.multi_datastreams or self.datasets or self.observed_properties or self.bbox)


def parse_selection(
    *, format: str | None, datastreams: Iterable[str] = (), multi_datastreams: Iterable[str] = (), datasets: Iterable[str] = (),
    observed_properties: Iterable[str] = (), start: str | None = None, end: str | None = None, bbox: str | None = None,
    bundle: str | None = None,
) -> Selection:  # fmt: skip
    """A Selection from the request's parameters (lists: repeated parameters or values separated by
    commas); 400 naming the parameter that is wrong."""
    code = (format or "csv").strip().lower()
    if code not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}", field="format")
    if bundle not in (None, "", *BUNDLES):
        raise BadRequest("bundle must be 'zip' (the data with a README and a datapackage.json) or absent", field="bundle")
    first = parse_time(start, "from", None)  # type: ignore[arg-type]
    last = parse_time(end, "to", None)  # type: ignore[arg-type]
    if first is not None and last is not None and last <= first:
        raise BadRequest("'to' must be after 'from'", field="to")
    return Selection(
        format=code, datastreams=_ids(datastreams, "datastreams"), multi_datastreams=_ids(multi_datastreams, "multiDatastreams"),
        datasets=tuple(dict.fromkeys(_values(datasets))), observed_properties=tuple(dict.fromkeys(_values(observed_properties))),
        start=first, end=last, bbox=parse_box(bbox), bundle=bool(bundle),
    )  # fmt: skip


def _values(given: Iterable[str]) -> list[str]:
    return [v.strip() for value in given for v in value.split(",") if v.strip()]


def _ids(given: Iterable[str], field: str) -> tuple[int, ...]:
    values = _values(given)
    if len(values) > MAX_IDS:
        raise BadRequest(f"at most {MAX_IDS} {field} in one download; select by dataset, observedProperty or bbox instead", field=field)
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
            raise BadRequest(f"{field} must be ids (whole numbers) separated by commas: {value[:40]!r} is not one", field=field)
        ids.append(int(value))
    return tuple(dict.fromkeys(ids))


def parse_box(text: str | None, field: str = "bbox") -> Box | None:
    """'minLon,minLat,maxLon,maxLat' in WGS84 (CRS84); 400 naming `field` otherwise."""
    if text is None or text.strip() == "":
        return None
    try:
        box = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise BadRequest(f"{field} must be four numbers: minLon,minLat,maxLon,maxLat", field=field) from None
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise BadRequest(f"{field} must be four numbers: minLon,minLat,maxLon,maxLat", field=field)
    if not (-180 <= box[0] <= box[2] <= 180 and -90 <= box[1] <= box[3] <= 90):
        raise BadRequest(f"{field} must be minLon,minLat,maxLon,maxLat with min ≤ max, within -180…180 and -90…90", field=field)
    return box  # type: ignore[return-value]
