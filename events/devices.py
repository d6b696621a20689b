"""M2X devices and their streams. Stream ``device-<32 hex id>``; a device's points live in the
series view (events/series.py), written to ``series-<device id>``."""

from __future__ import annotations

from events.base import Event


class DeviceCreated(Event, frozen=True, tag="device.created"):
    device_id: str  # 32 hex
    org_id: int
    name: str
    description: str = ""
    visibility: str = "private"  # "public" | "private"
    serial: str | None = None
    tags: list[str] = []


class DeviceUpdated(Event, frozen=True, tag="device.updated"):
    """The device's descriptive fields as they are after the update (all of them)."""

    device_id: str
    name: str
    description: str = ""
    visibility: str = "private"
    serial: str | None = None
    tags: list[str] = []


class DeviceDeleted(Event, frozen=True, tag="device.deleted"):
    device_id: str


class StreamUpserted(Event, frozen=True, tag="stream.upserted"):
    """A stream created, or its settings replaced."""

    device_id: str
    name: str
    type: str = "numeric"  # "numeric" | "alphanumeric"
    unit_label: str | None = None
    unit_symbol: str | None = None
    display_name: str | None = None


class StreamDeleted(Event, frozen=True, tag="stream.deleted"):
    device_id: str
    name: str


EVENTS = (DeviceCreated, DeviceUpdated, DeviceDeleted, StreamUpserted, StreamDeleted)
