"""The NGSI-LD face (ETSI GS CIM 009): the platform's Things as Smart Data Models entities at
/ngsi-ld/v1 (docs/ngsi-ld.md)."""
