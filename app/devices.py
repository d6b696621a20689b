"""Commands on M2X devices, their streams and their points: validate against the current
views, then append. Points of a device go to the stream ``series-<device id>``, one event per
accepted batch; entity changes to ``device-<device id>``.

Everything here is decided before the append: a refused request appends nothing.
"""

from __future__ import annotations

import re
import secrets

from app import accounts
from app.errors import Conflict, Invalid, NotFound
from app.runtime import Runtime
from app.times import MAX_TIME, MIN_TIME
from events import accounts as aev
from events import devices as ev
from events import series as sev
from events.base import Pending
from projections.devices import Device, Devices, Stream
from projections.series import Series

NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")  # stream names (and serials): safe in a path
VISIBILITIES = ("public", "private")
STREAM_TYPES = ("numeric", "alphanumeric")


def devices_view(rt: Runtime) -> Devices:
    return rt["devices"]  # type: ignore[no-any-return]


def series_view(rt: Runtime) -> Series:
    return rt["series"]  # type: ignore[no-any-return]


def check_name(name: str, field: str = "name") -> str:
    if not NAME.match(name):
        raise Invalid(f"{field} must be 1 to 128 of A-Z a-z 0-9 _ . -", field=field, reason="invalid")
    return name


def check_device_fields(org_id: int, devices: Devices, *, name: str, visibility: str, serial: str | None,
                        tags: list[str], device_id: str | None = None) -> None:
    if not name.strip() or len(name) > 255:
        raise Invalid("name must be 1 to 255 characters", field="name", reason="not_present" if not name.strip() else "invalid")
    if visibility not in VISIBILITIES:
        raise Invalid("visibility must be public or private", field="visibility", reason="invalid")
    if serial is not None:
        check_name(serial, "serial")
        if devices.serial_taken(org_id, serial, device_id):
            raise Conflict(f"serial {serial!r} is taken", field="serial", reason="taken")
    if any(not t.strip() or len(t) > 255 or "," in t for t in tags):
        raise Invalid("tags must be non-empty strings without commas", field="tags", reason="invalid")


DEVICE_KEY_SCOPES = ("data:read", "data:write")  # what a device key may hold at most


async def create_device(rt: Runtime, org_id: int, user_id: int, *, name: str, description: str = "",
                        visibility: str = "private", serial: str | None = None, tags: list[str] | None = None,
                        key_scopes: tuple[str, ...] = DEVICE_KEY_SCOPES, actor: str,
                        request_id: str = "") -> tuple[Device, str]:
    """The device and the raw Primary Device Key (shown once), which holds ``key_scopes``: the
    data scopes of the key that made the device, never more (a key that may not read data
    cannot mint one that may)."""
    tags = list(tags or [])
    check_device_fields(org_id, devices_view(rt), name=name, visibility=visibility, serial=serial, tags=tags)
    device_id = secrets.token_hex(16)
    event = ev.DeviceCreated(device_id=device_id, org_id=org_id, name=name, description=description,
                             visibility=visibility, serial=serial, tags=tags)
    raw, key = accounts.new_key(rt, user_id, scopes=key_scopes, name="Primary Device Key",
                                device=device_id)
    # one append: the device never exists without its key (the organization could be
    # disabled between two appends)
    await rt.create("key", lambda n: [key(n), Pending(f"device-{device_id}", (event,), 0)],
                    actor=actor, request_id=request_id)
    return devices_view(rt).device(device_id), raw  # type: ignore[return-value]


async def update_device(rt: Runtime, device: Device, *, name: str, description: str, visibility: str,
                        serial: str | None, tags: list[str], actor: str, request_id: str = "") -> Device:
    check_device_fields(device.org_id, devices_view(rt), name=name, visibility=visibility, serial=serial, tags=tags,
                        device_id=device.id)
    event = ev.DeviceUpdated(device_id=device.id, name=name, description=description, visibility=visibility,
                             serial=serial, tags=tags)
    await rt.append([Pending(f"device-{device.id}", (event,))], actor=actor, request_id=request_id)
    return devices_view(rt).device(device.id)  # type: ignore[return-value]


async def delete_device(rt: Runtime, device: Device, *, actor: str, request_id: str = "") -> None:
    """The device, its points and its keys go together, in one atomic append."""
    batches = [Pending(f"device-{device.id}", (ev.DeviceDeleted(device_id=device.id),))]
    gone = [sev.PointsDeleted(org_id=device.org_id, source=device.id, metric=m, start=MIN_TIME, end=MAX_TIME)
            for m in sorted(device.streams)]
    if gone:
        batches.append(Pending(f"series-{device.id}", tuple(gone)))
    for key in rt["accounts"].state.keys.values():
        if key.device == device.id and key.enabled:
            batches.append(Pending(f"key-{key.id}", (aev.KeyDisabled(key_id=key.id),)))
    await rt.append(batches, actor=actor, request_id=request_id)


def stream_event(device: Device, name: str, *, type_: str | None, unit_label: str | None, unit_symbol: str | None,
                 display_name: str | None, has_points: bool) -> ev.StreamUpserted:
    """The upsert of a stream, keeping what the request leaves out. A stream holding points
    keeps its type."""
    check_name(name)
    old = device.streams.get(name)
    chosen = type_ or (old.type if old else "numeric")
    if chosen not in STREAM_TYPES:
        raise Invalid("type must be numeric or alphanumeric", field="type", reason="invalid")
    if old is not None and chosen != old.type and has_points:
        raise Invalid("the type of a stream holding values cannot change", field="type", reason="invalid")
    if display_name is not None and len(display_name) > 255:
        raise Invalid("display_name is longer than 255 characters", field="display_name", reason="invalid")
    return ev.StreamUpserted(device_id=device.id, name=name, type=chosen,
                             unit_label=unit_label if unit_label is not None else (old.unit_label if old else None),
                             unit_symbol=unit_symbol if unit_symbol is not None else (old.unit_symbol if old else None),
                             display_name=display_name if display_name is not None else (old.display_name if old else None))


async def upsert_stream(rt: Runtime, device: Device, event: ev.StreamUpserted, *, actor: str,
                        request_id: str = "") -> Stream:
    await rt.append([Pending(f"device-{device.id}", (event,))], actor=actor, request_id=request_id)
    return devices_view(rt).device(device.id).streams[event.name]  # type: ignore[union-attr]


def find_stream(device: Device, name: str) -> Stream:
    stream = device.streams.get(name)
    if stream is None:
        raise NotFound("Stream Not Found")
    return stream


async def delete_stream(rt: Runtime, device: Device, name: str, *, actor: str, request_id: str = "") -> None:
    find_stream(device, name)
    await rt.append([
        Pending(f"device-{device.id}", (ev.StreamDeleted(device_id=device.id, name=name),)),
        Pending(f"series-{device.id}", (sev.PointsDeleted(org_id=device.org_id, source=device.id, metric=name,
                                                          start=MIN_TIME, end=MAX_TIME),)),
    ], actor=actor, request_id=request_id)


async def add_points(rt: Runtime, device: Device, chunks: list[sev.SeriesPoints],
                     new_streams: list[ev.StreamUpserted] | None = None, *, actor: str, request_id: str = "") -> None:
    """One validated batch: ONE PointsAdded event (plus the streams it creates, atomically)."""
    batches = [Pending(f"series-{device.id}", (sev.points_added(device.org_id, chunks),))]
    if new_streams:
        batches.insert(0, Pending(f"device-{device.id}", tuple(new_streams)))
    await rt.append(batches, actor=actor, request_id=request_id)


async def delete_points(rt: Runtime, device: Device, name: str, start: float, end: float, *, actor: str,
                        request_id: str = "") -> None:
    find_stream(device, name)
    if end < start:
        raise Invalid("end is before from", field="end", reason="invalid")
    await rt.append([Pending(f"series-{device.id}", (sev.PointsDeleted(
        org_id=device.org_id, source=device.id, metric=name, start=start, end=end),))],
        actor=actor, request_id=request_id)
