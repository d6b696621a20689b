"""M2X devices and their streams as they stand now, and the pure fold that gets them there.

``last_activity`` moves with every batch of points written for the device (from the series
events), so the device listing can show it without looking at the points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from events import devices as ev
from events import series as sev
from events.base import Envelope, Event, Recorded


class Stream(msgspec.Struct, kw_only=True):
    name: str
    type: str = "numeric"
    unit_label: str | None = None
    unit_symbol: str | None = None
    display_name: str | None = None
    created_at: int = 0  # microseconds since the epoch
    updated_at: int = 0


class Device(msgspec.Struct, kw_only=True):
    id: str
    org_id: int
    name: str
    description: str = ""
    visibility: str = "private"
    serial: str | None = None
    tags: list[str] = []
    created_at: int = 0
    updated_at: int = 0
    last_activity: int = 0
    streams: dict[str, Stream] = {}


def evolve_device(state: Device | None, e: Event, at: int) -> Device | None:
    match e:
        case ev.DeviceCreated():
            return Device(id=e.device_id, org_id=e.org_id, name=e.name, description=e.description,
                          visibility=e.visibility, serial=e.serial, tags=list(e.tags), created_at=at,
                          updated_at=at, last_activity=at)
        case ev.DeviceUpdated() if state:
            return msgspec.structs.replace(state, name=e.name, description=e.description, visibility=e.visibility,
                                           serial=e.serial, tags=list(e.tags), updated_at=at)
        case ev.DeviceDeleted():
            return None
        case ev.StreamUpserted() if state:
            old = state.streams.get(e.name)
            stream = Stream(name=e.name, type=e.type, unit_label=e.unit_label, unit_symbol=e.unit_symbol,
                            display_name=e.display_name, created_at=old.created_at if old else at, updated_at=at)
            return msgspec.structs.replace(state, streams={**state.streams, e.name: stream})
        case ev.StreamDeleted() if state:
            return msgspec.structs.replace(state, streams={k: s for k, s in state.streams.items() if k != e.name})
    return state


class DevicesState(msgspec.Struct):
    devices: dict[str, Device] = {}


class Devices:
    """View ``devices``: M2X devices by id, with a serial index per organization."""

    name = "devices"

    def __init__(self) -> None:
        self.load(None)

    def load(self, data: Any) -> None:
        self.state = msgspec.convert(data, DevicesState) if data else DevicesState()
        # (org, serial) -> the devices holding it. One at most since writes of an organization are
        # serialised (app/writes.py); a log from before may hold several, and then the lookup picks
        # by creation, so a view restored from a checkpoint answers as the live one did.
        self.by_serial: dict[tuple[int, str], set[str]] = {}
        for d in self.state.devices.values():
            if d.serial:
                self.by_serial.setdefault((d.org_id, d.serial), set()).add(d.id)

    def dump(self) -> DevicesState:
        return self.state

    def handlers(self) -> dict[type[Event], Any]:
        return {t: self._device for t in ev.EVENTS}

    def run_handlers(self) -> dict[type[Event], Any]:
        return {sev.PointsAdded: self._points}

    def _device(self, env: Envelope, e: Any) -> None:
        old = self.state.devices.get(e.device_id)
        new = evolve_device(old, e, env.recorded_at)
        if old is not None and old.serial:
            holders = self.by_serial.get((old.org_id, old.serial), set())
            holders.discard(old.id)
            if not holders:
                self.by_serial.pop((old.org_id, old.serial), None)
        if new is None:
            self.state.devices.pop(e.device_id, None)
            return
        self.state.devices[new.id] = new
        if new.serial:
            self.by_serial.setdefault((new.org_id, new.serial), set()).add(new.id)

    def _points(self, recorded: Sequence[Recorded], events: Sequence[sev.PointsAdded]) -> None:
        devices = self.state.devices
        if not devices:
            return
        for rec, e in zip(recorded, events):
            device = devices.get(e.source)
            if device is not None and device.org_id == e.org_id:
                device.last_activity = rec.recorded_at

    # -- queries -----------------------------------------------------------------------------

    def device(self, device_id: str) -> Device | None:
        return self.state.devices.get(device_id)

    def serial_taken(self, org_id: int, serial: str, device_id: str | None = None) -> bool:
        """Another device of the organization holds ``serial``, and ``device_id`` does not (a log
        from before the check may have two devices sharing one: each may keep it)."""
        holders = self.by_serial.get((org_id, serial), set())
        return device_id not in holders and bool(holders - {device_id})

    def by_serial_number(self, org_id: int, serial: str) -> Device | None:
        holders = self.by_serial.get((org_id, serial))
        if not holders:
            return None
        devices = self.state.devices
        return devices[min(holders, key=lambda i: (devices[i].created_at, i))]

    def of_org(self, org_id: int) -> list[Device]:
        return [d for d in self.state.devices.values() if d.org_id == org_id]
