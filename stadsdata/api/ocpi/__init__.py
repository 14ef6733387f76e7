"""The OCPI 2.2.1 face: the receiver ("eMSP"/"Other" role) interface through which charge point
operators (CPOs) push their Locations, EVSE statuses, Sessions, CDRs and Tariffs to the
platform, after the credentials handshake (docs/ocpi.md)."""
