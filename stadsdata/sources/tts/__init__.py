"""The Things Stack v3: LoRaWAN uplinks by its webhook integration or its MQTT integration
(topic `v3/<application>@<tenant>/devices/<device>/up`). See manifest.toml and decode.py."""

from stadsdata.sources.kind import SourceKind
from stadsdata.sources.tts.decode import decode_uplink

KIND = SourceKind.from_folder(__file__, decode_uplink)
