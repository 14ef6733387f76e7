"""An example source kind for developers (docs/architecture.md): smart meters that post their
readings as JSON. It touches only this folder; the platform registers it, builds its webhook and
its MQTT subscription, and quarantines what it refuses. Not offered to operators (`example = true`
in its manifest) unless the setting `example_sources` is on."""

from stadsdata.sources.example_meter.decode import decode_reading
from stadsdata.sources.kind import SourceKind

KIND = SourceKind.from_folder(__file__, decode_reading)
