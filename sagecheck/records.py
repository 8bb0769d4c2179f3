"""Typed resource records: what discovery hands to costing, metrics, recommendations and checks.

Mappers build them from raw API dicts and tolerate missing or null optional fields; nothing past
discovery sees a boto3 dict.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Capacity:
    """One homogeneous slice of compute: an instance group, an endpoint variant, a processing cluster."""

    name: str
    instance_type: str | None
    count: int
    target: int | None = None
    serverless: bool = False


@dataclass(frozen=True)
class ResourceRecord:
    type: str
    name: str
    arn: str
    region: str
    account: str
    state: str
    created: dt.datetime | None = None
    started: dt.datetime | None = None
    ended: dt.datetime | None = None
    capacity: tuple[Capacity, ...] = ()
    billable_seconds: int | None = None
    run_seconds: int | None = None
    spot: bool = False
    warm_pool_seconds: int | None = None
    volume_gb: int | None = None
    parent_arn: str | None = None
    last_activity: dt.datetime | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    attrs: Mapping[str, Any] = field(default_factory=dict)  # settings that checks read, normalized

    @property
    def instance_type(self) -> str | None:
        types = {c.instance_type for c in self.capacity}
        return types.pop() if len(types) == 1 else None

    @property
    def instance_count(self) -> int:
        return sum(c.count for c in self.capacity)


def get(raw: Any, path: str, default: Any = None) -> Any:
    """raw['A']['B'] for path 'A.B', or default when any step is missing or null."""
    value = raw
    for key in path.split("."):
        if not isinstance(value, Mapping) or value.get(key) is None:
            return default
        value = value[key]
    return value


def as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def tags_of(raw: Mapping) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in raw.get("Tags") or [] if isinstance(t, Mapping) and "Key" in t}


@dataclass(frozen=True)
class Origin:
    """Where a raw dict came from; mappers need it for region/account and for ARNs the API omits."""

    type: str
    region: str
    account: str


def base(raw: Mapping, origin: Origin, rtype, **fields: Any) -> ResourceRecord:
    """A record with the identity fields every type shares; the mapper adds what its type needs."""
    name = raw.get(rtype.id_field)
    arn = raw.get(rtype.arn_field)
    if not name or not arn:
        raise ValueError(f"{rtype.name} record without {rtype.id_field} or {rtype.arn_field}")
    fields.setdefault("created", raw.get("CreationTime"))
    fields.setdefault("parent_arn", next((raw[f] for f in rtype.parent_fields if raw.get(f)), None))
    fields.setdefault("tags", tags_of(raw))
    return ResourceRecord(type=rtype.name, name=str(name), arn=str(arn), region=origin.region,
                          account=origin.account, **fields)
