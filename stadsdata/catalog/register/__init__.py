"""The sensor register: every device in public space that collects data — its owner and whom to
ask, what kind of device, where, what it measures, why and on what legal ground, whether it
processes personal data, when it is active, and the Datastreams it produces — as owners register
it and the municipality reviews it. The fields follow the Dutch national register model
(Kadaster SensRNet: legal entity → device → sensor → datastream) and Amsterdam's sensor register,
so that the register can feed them (`sensrnet.py`). docs/register.md describes it all.

- `vocabulary.py`: the device types and review statuses, with labels;
- `entries.py`: a register document checked (400 naming the field) and turned into stored values;
- `devices.py`: a device as one caller is shown it;
- `visibility.py`: who sees and who manages an entry, and what of it others are shown;
- `review.py`: the review, and which changes send an approved entry back for review;
- `streams.py`: the linked Datastreams and Thing, through the caller's read scope;
- `register.py`: `Register`, the operations, each in one transaction;
- `search.py`: the filters of a listing;
- `views.py`, `geojson.py`, `csv_export.py`, `sensrnet.py`: the entry as JSON, GeoJSON, CSV and
  in the SensRNet shape."""
