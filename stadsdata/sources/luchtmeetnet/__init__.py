"""The Dutch national air quality network through the Luchtmeetnet open API (`connector.py`)."""

from stadsdata.sources.kind import SourceKind
from stadsdata.sources.luchtmeetnet.connector import Luchtmeetnet
from stadsdata.sources.luchtmeetnet.demo import LuchtmeetnetDemo

KIND = SourceKind.from_folder(__file__, connector=Luchtmeetnet(), demo=LuchtmeetnetDemo())
