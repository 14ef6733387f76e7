"""The town plan of Veenhaven, drawn by hand: where the river, the harbour, the moat, the ring road,
the main streets, the railway and the parks lie, and the districts' names. Coordinates are metres
east and north of `city.CENTRE`; `basemap.py` turns them into a map. The water keeps clear of the
sensor sites of `city.sites()` (tests/unit/demo/test_basemap.py checks it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

Point = tuple[float, float]
Line = Sequence[Point]


class Waterway(NamedTuple):
    sort: str  # river, moat, harbour or canal
    line: Line  # the middle of the water
    width: float  # metres
    curved: bool  # smoothed (a river) or straight (a dug canal, a harbour basin)
    label_at: float  # where along the line its name is written, 0..1


class SideStreet(NamedTuple):
    along: str  # a waterway or the railway
    offset: float  # metres to its left (negative: to its right)
    start: float  # the part of it the street runs along, 0..1
    end: float


BOUNDARY: Line = (  # the municipality's border
    (-3300, 2600), (-2600, 3050), (-1700, 3000), (-900, 3250), (100, 3150), (900, 3350), (1900, 3050), (2700, 3550),
    (3800, 3650), (3950, 2600), (3600, 1700), (3750, 800), (3450, -300), (3650, -1300), (3350, -2200), (3300, -3150),
    (2600, -3600), (1500, -3500), (900, -4300), (0, -4250), (-700, -3500), (-1600, -3200), (-2600, -2750),
    (-3150, -2200), (-3000, -1200), (-3400, -300), (-3150, 700), (-3450, 1600),
)  # fmt: skip

WATERWAYS: dict[str, Waterway] = {
    # The river: from the west along the north of the old town, past the harbour, then south.
    "Veene": Waterway("river", (
        (-4600, 200), (-3900, 450), (-3300, 700), (-2700, 650), (-2150, 870), (-1800, 1120), (-1350, 1150),
        (-950, 1280), (-450, 1230), (80, 1240), (420, 1150), (660, 900), (740, 600), (720, 250), (760, 0), (1000, -130),
        (1220, -380), (1260, -700), (1280, -1100), (1230, -1450), (1300, -1850), (1250, -2200), (1400, -2500),
        (1750, -2850), (1850, -3400), (2000, -4000), (2300, -4700),
    ), 80, True, 0.14),  # fmt: skip
    # The moat round the old town, from the river in the north-west to the river in the east.
    "Stadsgracht": Waterway("moat", (
        (-960, 1320), (-1000, 900), (-1030, 450), (-900, 0), (-850, -350), (-450, -550), (0, -480), (350, -380),
        (650, -150), (840, 20),
    ), 30, True, 0.55),  # fmt: skip
    "Oude Haven": Waterway("harbour", ((700, 250), (1450, 250)), 110, False, 0.5),  # the harbour basin off the east bank
    "Oostervaart": Waterway("canal", ((1450, 250), (3900, 340)), 30, False, 0.6),  # the canal on from the harbour
}
PONDS: dict[str, Line] = {
    "Westerplas": ((-1750, 150), (-1600, 250), (-1450, 200), (-1480, 60), (-1650, 20)),
}

RING: Line = (  # the ring road, a closed loop
    (-300, 2300), (500, 2300), (1250, 2200), (1800, 1850), (2150, 1350), (2450, 800), (2550, -100), (2400, -850),
    (2050, -1350), (1350, -1750), (500, -1950), (-400, -2200), (-1200, -2050), (-1800, -1600), (-2150, -900),
    (-2350, -150), (-2300, 650), (-2050, 1250), (-1600, 1800), (-1000, 2150),
)  # fmt: skip
RING_NAME = "Ringweg"
RAILWAY: Line = ((-4600, -2300), (-2500, -1900), (-250, -1650), (1500, -1500), (3000, -1250), (4600, -900))

MARKET: Point = (-150, 400)  # the middle of the old town's market square, where the main streets start
SQUARES: dict[str, Line] = {"Markt": ((-215, 362), (-80, 370), (-88, 442), (-210, 434))}
MAIN_STREETS: dict[str, Line] = {  # from the Markt out to the ring and the country beyond
    "Kerkstraat": ((-150, 400), (-120, 800), (-100, 1240)),
    "Noorderbrug": ((-100, 1240), (-60, 1700), (-50, 2250)),
    "Noorderweg": ((-50, 2250), (0, 2700), (100, 3400)),
    "Stationsweg": ((-150, 400), (-120, -300), (-180, -1000), (-250, -1650)),
    "Zuiderweg": ((-250, -1650), (-200, -2150), (-100, -3000), (0, -4400)),
    "Veenweg": ((-150, 400), (-700, 700), (-1030, 800), (-1450, 1150), (-1900, 1700), (-2600, 2400), (-3400, 3000)),
    "Oosterlaan": ((-150, 400), (300, 430), (720, 470), (1500, 600), (2450, 700), (3000, 850), (3900, 950)),
    "Brugstraat": ((560, 130), (1000, -180), (1600, -600), (2100, -800), (2500, -920)),
    "Westerweg": ((-150, 400), (-600, 300), (-1030, 250), (-1600, -200), (-2270, -150), (-3600, -250)),
    "Molenstraat": ((-150, 400), (-400, -200), (-700, -600), (-1250, -1900), (-2000, -2600), (-2900, -3000)),
    "Eikenlaan": ((1200, -1950), (1900, -2600), (2600, -3200), (3400, -3700)),
    "Oosterweg": ((560, 880), (1100, 1500), (1500, 1950), (2300, 2600), (3000, 3300), (3900, 3900)),
}
SIDE_STREETS: dict[str, SideStreet] = {  # along the water and the railway
    "Havenkade": SideStreet("Oude Haven", 75, 0.05, 1.0),
    "Sluiskade": SideStreet("Oude Haven", -75, 0.05, 1.0),
    "Vaartweg": SideStreet("Oostervaart", 35, 0.0, 0.85),
    "Dijkstraat": SideStreet("Veene", -70, 0.12, 0.25),
    "Burgwal": SideStreet("Stadsgracht", -35, 0.03, 0.45),
    "Zuidwal": SideStreet("Stadsgracht", -35, 0.5, 0.95),
    "Spoorlaan": SideStreet("railway", 45, 0.27, 0.45),
}

PARKS: dict[str, Line] = {
    "Westerpark": ((-1950, 350), (-1500, 420), (-1300, 150), (-1350, -150), (-1750, -200), (-2000, 50)),
    "Julianapark": ((-900, -2050), (-600, -1900), (-450, -2100), (-650, -2400), (-950, -2350)),
    "Noorderplantsoen": ((150, 1450), (600, 1350), (800, 1650), (400, 1850), (150, 1700)),
    "Oosterpark": ((1700, 1000), (2150, 900), (2250, 1350), (1900, 1550), (1650, 1350)),
    "Veenbos": ((-2900, 2200), (-2300, 2600), (-1900, 2500), (-2300, 2000), (-2800, 1950)),
}

# Built-up land beyond the ring (inside the ring all is town): suburbs along the main roads and
# the industrial estate by the canal; the rest of the municipality is polder.
BUILT_UP: dict[str, tuple[Line, str]] = {  # name -> (outline, residential or industrial)
    "Westerveld": (((-2150, 800), (-2500, 700), (-2650, 450), (-3000, 250), (-3050, -150), (-2850, -350),
                    (-2900, -700), (-2600, -950), (-2350, -800), (-2100, -1050)), "residential"),
    "Noorderveld": (((-750, 2100), (-700, 2500), (-900, 2700), (-450, 2850), (0, 2950), (350, 2800), (800, 2850),
                     (1050, 2550), (1350, 2350), (1000, 2150)), "residential"),
    "Spoorzicht": (((-1100, -2000), (-1000, -2450), (-700, -2750), (-200, -2700), (250, -3050), (650, -2700),
                    (950, -2450), (950, -2000)), "residential"),
    "De Vaart": (((2300, 1000), (2800, 950), (3300, 800), (3400, 350), (3550, -250), (3300, -1150), (2700, -1050),
                  (2300, -1000)), "industrial"),
}

# The districts: each piece of the municipality between the ring, the water, the railway and the
# main streets (outside the old town) belongs to the district with a point in it, or else the
# nearest. The district's name is written at its first point.
DISTRICTS: dict[str, tuple[Point, ...]] = {
    "Binnenstad": ((-230, 820), (-150, 400)),
    "Noorderhaven": ((700, 1950),),
    "Veenoord": ((-1250, 1700),),
    "Westerkwartier": ((-1850, 700),),
    "Molenwijk": ((-1500, -700),),
    "Stationskwartier": ((-300, -1100), (600, -1000)),
    "Zuiderhof": ((450, -1800), (-900, -1850)),
    "Oosterhof": ((1350, 1450),),
    "Havenkwartier": ((1750, -250),),
    "Dijkhuizen": ((1750, -1100),),
    "Veenpolder": ((-2700, 1450), (-1500, 2600)),
    "Noorderveld": ((600, 2800), (-500, 2700)),
    "Oosterveen": ((3000, 2200),),
    "De Vaart": ((3000, 0), (3000, 800)),
    "Zuiderbroek": ((2500, -2500),),
    "Spoorzicht": ((-100, -3300), (-600, -2700), (400, -2800)),
    "Westerbroek": ((-2300, -2300),),
    "Westerveld": ((-2750, 100), (-2700, 600)),
}
