"""CBS (Statistics Netherlands) key figures per region from its OData v4 API, kept as
FeaturesOfInterest — context for dashboards, not sensors (`connector.py`)."""

from stadsdata.sources.cbs.connector import CbsRegions
from stadsdata.sources.cbs.demo import CbsDemo
from stadsdata.sources.kind import SourceKind

KIND = SourceKind.from_folder(__file__, connector=CbsRegions(), demo=CbsDemo())
