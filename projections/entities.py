"""What the charts and dashboards views share: entities kept by integer id and by uid, which
leave the view when deleted (a uid is never reused)."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def keep(by_id: dict[int, Any], by_uid: dict[str, Any], entity: Any) -> None:
    """Store what an evolve gave: nothing (None), a deleted entity (removed), or its new state."""
    if entity is None:
        return
    if entity.deleted:
        by_id.pop(entity.id, None)
        by_uid.pop(entity.uid, None)
        return
    by_id[entity.id] = entity
    by_uid[entity.uid] = entity


def of_org(by_id: dict[int, T], org_id: int, origin: str | None) -> list[T]:
    """An organization's entities in id order, optionally of one origin (the API that made them)."""
    return sorted((e for e in by_id.values() if e.org_id == org_id  # type: ignore[attr-defined]
                   and (origin is None or e.origin == origin)), key=lambda e: e.id)  # type: ignore[attr-defined]
