"""Remote SensorThings servers (v1.0 and v1.1): mirror the selected Things with their
Locations, Sensors, ObservedProperties and Datastreams, and copy their Observations
incrementally by phenomenonTime (`connector.py`)."""

from stadsdata.sources.kind import SourceKind
from stadsdata.sources.sensorthings.connector import RemoteSensorThings
from stadsdata.sources.sensorthings.demo import SamenMetenDemo

KIND = SourceKind.from_folder(__file__, connector=RemoteSensorThings(), demo=SamenMetenDemo())
