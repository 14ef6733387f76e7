"""ChirpStack v4: LoRaWAN `up` events by its HTTP integration (`?event=up`) or its MQTT
integration (topic `application/<application>/device/<DevEUI>/event/up`). See manifest.toml and
decode.py."""

from stadsdata.sources.chirpstack.decode import decode_up_event
from stadsdata.sources.kind import SourceKind

KIND = SourceKind.from_folder(__file__, decode_up_event)
