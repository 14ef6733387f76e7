"""The controlled vocabularies of the catalog's metadata: codes as users and the CKAN face see
them, with the URI DCAT publishes and labels in Dutch and English. The URIs are those DCAT-AP-NL
3.0 (Geonovum) asks for, so that data.overheid.nl and data.europa.eu recognise them:

- themes: the EU data themes (Publications Office authority table `data-theme`), which DCAT-AP
  and DCAT-AP-NL require (at least one per dataset), and beside them the Dutch overheid.nl themes
  of TOOI's thema list (the "Thema-indeling voor Officiële Publicaties", `scw_toplijst`, concepts
  `https://identifier.overheid.nl/tooi/def/thes/top/c_…`): its 16 top themes and the sub-themes
  a city's sensor and system data falls under (the others follow the same pattern when needed);
- update frequencies: the EU `frequency` authority table;
- access rights: the EU `access-right` table (PUBLIC, RESTRICTED, NON_PUBLIC), one per level;
- licences: the Creative Commons licences DCAT-AP-NL requires, by SPDX-like code, with the URIs of
  DCAT-AP-NL's examples and data.overheid.nl's licence list (`…/deed.nl`), and "niet open" from
  DCAT-AP-NL's licence list (`definities.geostandaarden.nl/dcat-ap-nl/id/waardelijst/licenties`)
  for data that is not open; ODbL is not a CC licence (DCAT-AP-NL asks for CC: prefer those);
- languages: the EU `language` authority table, for the metadata's language codes.
"""

from __future__ import annotations

from typing import NamedTuple

EU = "http://publications.europa.eu/resource/authority/"


class Term(NamedTuple):
    uri: str
    nl: str
    en: str


def _eu(table: str, terms: dict[str, tuple[str, str]]) -> dict[str, Term]:
    return {code: Term(f"{EU}{table}/{code}", nl, en) for code, (nl, en) in terms.items()}


EU_THEMES = _eu("data-theme", {
    "AGRI": ("Landbouw, visserij, bosbouw en voeding", "Agriculture, fisheries, forestry and food"),
    "ECON": ("Economie en financiën", "Economy and finance"),
    "EDUC": ("Onderwijs, cultuur en sport", "Education, culture and sport"),
    "ENER": ("Energie", "Energy"),
    "ENVI": ("Milieu", "Environment"),
    "GOVE": ("Overheid en publieke sector", "Government and public sector"),
    "HEAL": ("Gezondheid", "Health"),
    "INTR": ("Internationale vraagstukken", "International issues"),
    "JUST": ("Justitie, rechtsstelsel en openbare veiligheid", "Justice, legal system and public safety"),
    "REGI": ("Regio's en steden", "Regions and cities"),
    "SOCI": ("Bevolking en samenleving", "Population and society"),
    "TECH": ("Wetenschap en technologie", "Science and technology"),
    "TRAN": ("Vervoer", "Transport"),
})  # fmt: skip

FREQUENCIES = _eu("frequency", {
    "CONT": ("voortdurend", "continuous"),
    "UPDATE_CONT": ("voortdurend bijgewerkt", "continuously updated"),
    "10MIN": ("elke tien minuten", "every ten minutes"),
    "HOURLY": ("elk uur", "hourly"),
    "DAILY": ("dagelijks", "daily"),
    "WEEKLY": ("wekelijks", "weekly"),
    "MONTHLY": ("maandelijks", "monthly"),
    "QUARTERLY": ("per kwartaal", "quarterly"),
    "ANNUAL": ("jaarlijks", "annual"),
    "IRREG": ("onregelmatig", "irregular"),
    "NEVER": ("nooit", "never"),
    "UNKNOWN": ("onbekend", "unknown"),
})  # fmt: skip

ACCESS_RIGHTS = {
    "public": Term(f"{EU}access-right/PUBLIC", "openbaar", "public"),
    "restricted": Term(f"{EU}access-right/RESTRICTED", "beperkt", "restricted"),
    "non-public": Term(f"{EU}access-right/NON_PUBLIC", "niet openbaar", "non-public"),
}

GEONOVUM_LICENCES = "https://definities.geostandaarden.nl/dcat-ap-nl/id/waardelijst/licenties/"
LICENSES = {
    "CC0-1.0": Term("http://creativecommons.org/publicdomain/zero/1.0/deed.nl", "CC0 1.0 (publiek domein)", "CC0 1.0 (public domain)"),
    "CC-BY-4.0": Term("http://creativecommons.org/licenses/by/4.0/deed.nl", "CC BY 4.0 (naamsvermelding)", "CC BY 4.0 (attribution)"),
    "CC-BY-SA-4.0": Term("http://creativecommons.org/licenses/by-sa/4.0/deed.nl", "CC BY-SA 4.0", "CC BY-SA 4.0"),
    "ODbL-1.0": Term("http://opendatacommons.org/licenses/odbl/1.0/", "Open Database License 1.0", "Open Database License 1.0"),
    "other-closed": Term(f"{GEONOVUM_LICENCES}niet_open", "niet open (gesloten licentie)", "not open (closed licence)"),
}
# What a dataset is published under when its metadata names no licence: open data is CC0 (the
# Dutch government's default for open data); data that is not public is not licensed openly.
DEFAULT_LICENSE = {"public": "CC0-1.0", "restricted": "other-closed", "non-public": "other-closed"}

# The Dutch overheid.nl themes (TOOI thema list), by a short code of ours ('nl:' and the Dutch
# label). The URIs are the TOOI concept identifiers; `api/dcat` publishes them beside the EU themes.
TOOI = "https://identifier.overheid.nl/tooi/def/thes/top/"
NL_THEMES: dict[str, Term] = {code: Term(f"{TOOI}{concept}", nl, en) for code, (concept, nl, en) in {
    # the top themes
    "nl:cultuur-en-recreatie": ("c_0361ffb3", "Cultuur en recreatie", "Culture and recreation"),
    "nl:economie": ("c_d363776f", "Economie", "Economy"),
    "nl:internationaal": ("c_f47ad6ca", "Internationaal", "International"),
    "nl:migratie-en-integratie": ("c_399f194b", "Migratie en integratie", "Migration and integration"),
    "nl:natuur-en-milieu": ("c_afa30a11", "Natuur en milieu", "Nature and environment"),
    "nl:onderwijs-en-wetenschap": ("c_c232ae4a", "Onderwijs en wetenschap", "Education and science"),
    "nl:openbare-orde-en-veiligheid": ("c_d58b78ca", "Openbare orde en veiligheid", "Public order and safety"),
    "nl:organisatie-en-bedrijfsvoering": ("c_3eb6243b", "Organisatie en bedrijfsvoering", "Organisation and operations"),
    "nl:overheidsfinancien": ("c_391585db", "Overheidsfinanciën", "Public finance"),
    "nl:recht": ("c_f4679acc", "Recht", "Law"),
    "nl:ruimte-en-infrastructuur": ("c_cfc7d5ab", "Ruimte en infrastructuur", "Spatial planning and infrastructure"),
    "nl:sociale-zekerheid": ("c_d4890526", "Sociale zekerheid", "Social security"),
    "nl:verkeer": ("c_849842ac", "Verkeer", "Traffic and transport"),
    "nl:werk": ("c_9d1917e9", "Werk", "Work"),
    "nl:wonen": ("c_124eaf3a", "Wonen", "Housing"),
    "nl:zorg-en-gezondheid": ("c_d0463fb7", "Zorg en gezondheid", "Care and health"),
    # sub-themes of a city's sensor and system data
    "nl:lucht": ("c_28ddcea5", "Lucht", "Air"),
    "nl:water": ("c_389a72e6", "Water", "Water"),
    "nl:geluid": ("c_9f410ab6", "Geluid", "Noise"),
    "nl:bodem": ("c_7ce8a10c", "Bodem", "Soil"),
    "nl:afval": ("c_d96f9cd3", "Afval", "Waste"),
    "nl:stoffen": ("c_61d3e636", "Stoffen", "Substances"),
    "nl:klimaatverandering": ("c_79010191", "Klimaatverandering", "Climate change"),
    "nl:natuur-en-landschapsbeheer": ("c_db2fbedb", "Natuur- en landschapsbeheer", "Nature and landscape management"),
    "nl:energie": ("c_f4f1867a", "Energie", "Energy"),
    "nl:transport": ("c_195b5b5e", "Transport", "Transport (economy)"),
    "nl:openbaar-vervoer": ("c_319461d7", "Openbaar vervoer", "Public transport"),
    "nl:rail-en-wegverkeer": ("c_f411e390", "Rail- en wegverkeer", "Rail and road traffic"),
    "nl:scheepvaart": ("c_d3b599f8", "Scheepvaart", "Shipping"),
    "nl:ruimtelijke-ordening": ("c_9af4b880", "Ruimtelijke ordening", "Spatial planning"),
    "nl:waterbeheer": ("c_a71dc533", "Waterbeheer", "Water management"),
    "nl:netwerken": ("c_85a72eb3", "Netwerken", "Networks (utilities)"),
    "nl:bouwen-en-verbouwen": ("c_a6a9eddd", "Bouwen en verbouwen", "Building and renovation"),
    "nl:recreatie": ("c_a6c5e5b8", "Recreatie", "Recreation"),
    "nl:evenementen": ("c_70e03904", "Evenementen", "Events"),
    "nl:veiligheid": ("c_d772bf06", "Veiligheid", "Safety"),
    "nl:gezondheidsrisicos": ("c_8b081a63", "Gezondheidsrisico's", "Health risks"),
    "nl:informatievoorziening-en-ict": ("c_ee06665e", "Informatievoorziening en ICT", "Information management and ICT"),
}.items()}  # fmt: skip

# The EU language authority table, by the metadata's language codes (`metadata.LANGUAGES`).
EU_LANGUAGES = _eu("language", {"NLD": ("Nederlands", "Dutch"), "ENG": ("Engels", "English"), "DEU": ("Duits", "German"),
                                "FRA": ("Frans", "French"), "FRY": ("Fries", "Western Frisian")})  # fmt: skip
LANGUAGE_CODES = {"nl": "NLD", "en": "ENG", "de": "DEU", "fr": "FRA", "fy": "FRY"}


def language(code: str) -> Term | None:
    """The EU language term of a metadata language code ('nl' -> …/language/NLD)."""
    return EU_LANGUAGES.get(LANGUAGE_CODES.get(code, ""))


def theme(code: str) -> Term | None:
    """An EU theme by its code ('ENVI') or a Dutch one by ours ('nl:milieu')."""
    return EU_THEMES.get(code) or NL_THEMES.get(code)


def themes() -> dict[str, Term]:
    return EU_THEMES | NL_THEMES
