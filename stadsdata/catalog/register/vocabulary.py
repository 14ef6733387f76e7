"""The register's value lists: the kinds of device (after the types owners choose from in
Amsterdam's sensor register, each with the device category SensRNet knows: Sensor, Camera or
Beacon) and the states of the review, with Dutch and English labels."""

from __future__ import annotations

from typing import NamedTuple


class DeviceType(NamedTuple):
    nl: str
    en: str
    sensrnet_category: str  # SensRNet Device.category


TYPES: dict[str, DeviceType] = {
    "air-quality": DeviceType("Luchtkwaliteitssensor", "Air quality sensor", "Sensor"),
    "weather": DeviceType("Weerstation", "Weather station", "Sensor"),
    "sound": DeviceType("Geluidsensor", "Sound sensor", "Sensor"),
    "camera": DeviceType("Camera", "Camera", "Camera"),
    "presence": DeviceType("Aanwezigheids- of bewegingssensor", "Presence or motion sensor", "Sensor"),
    "wifi-bluetooth": DeviceType("Wifi- of bluetoothteller", "Wi-Fi or Bluetooth counter", "Sensor"),
    "beacon": DeviceType("Baken (beacon)", "Beacon", "Beacon"),
    "parking": DeviceType("Parkeersensor", "Parking sensor", "Sensor"),
    "traffic": DeviceType("Verkeersteller", "Traffic counter", "Sensor"),
    "water": DeviceType("Watersensor (peil, kwaliteit)", "Water sensor (level, quality)", "Sensor"),
    "soil": DeviceType("Bodemsensor", "Soil sensor", "Sensor"),
    "fill-level": DeviceType("Vulgraadsensor", "Fill-level sensor", "Sensor"),
    "energy": DeviceType("Energiemeter", "Energy meter", "Sensor"),
    "light": DeviceType("Lichtsensor of slimme lamp", "Light sensor or smart lamp", "Sensor"),
    "other": DeviceType("Anders", "Other", "Sensor"),
}

# The review: an owner's entry is 'submitted' until the municipality approves or rejects it.
STATUSES = {
    "submitted": ("ingediend", "submitted"),
    "approved": ("goedgekeurd", "approved"),
    "rejected": ("afgewezen", "rejected"),
}
