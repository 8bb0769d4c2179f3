"""Registry x coverage x regions -> resource records.

Each (region, type) is one task: enumerate (Search, or a List paginator), detail what costing and checks
need, and map to records. A type whose enumerate action is not granted is never called. An AWS fault in
one task is that task's outcome, never the whole scan's.
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

import botocore
import botocore.exceptions

from .records import Capacity, Origin, ResourceRecord
from .registry import RESOURCE_TYPES, Call, ResourceType, Search
from .session import Clients, error_code

ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
NOT_FOUND = {"ResourceNotFound", "ValidationException", "ResourceNotFoundException"}
SEARCH_PAGE = 100  # Search's maximum page size


@dataclass(frozen=True)
class Uncovered:
    type: str
    region: str | None
    missing_actions: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class TypeError_:
    type: str
    region: str
    error: str


@dataclass
class DiscoveryResult:
    records: list[ResourceRecord] = field(default_factory=list)
    uncovered: list[Uncovered] = field(default_factory=list)
    errors: list[TypeError_] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.uncovered and not self.errors


class _Task:
    def __init__(self, clients: Clients, rtype: ResourceType, region: str, account: str,
                 granted: Callable[[str], bool], since: dt.datetime | None):
        self.clients, self.rtype, self.region, self.account = clients, rtype, region, account
        self.granted, self.since = granted, since
        self.client = clients.client(rtype.service, region)

    def _call(self, operation: str, **params):
        return getattr(self.client, _snake(operation))(**params)

    def _pages(self, operation: str, result_key: str, **params) -> Iterable[dict]:
        if not self.client.can_paginate(_snake(operation)):
            yield from self._call(operation, **params).get(result_key) or []
            return
        paginator = self.client.get_paginator(_snake(operation))
        for page in paginator.paginate(**params):
            yield from page.get(result_key) or []

    def summaries(self) -> list[dict]:
        how = self.rtype.enumerate
        if isinstance(how, Search):
            params: dict = {"Resource": how.resource, "MaxResults": SEARCH_PAGE}
            if self.since is not None and how.resource == "TrainingJob":
                params["SearchExpression"] = _touching_period(self.since)
            return [r[how.resource] for r in self._pages("Search", "Results", **params) if how.resource in r]
        params = dict(how.params)
        if self.since is not None and how.since_param:
            items = {self._id(s): s for s in self._pages(how.operation, how.result_key, **params, **{how.since_param: self.since})}
            if "StatusEquals" in self.client.meta.service_model.operation_model(how.operation).input_shape.members:
                # A job still running may not have changed since the period began; list those too.
                for s in self._pages(how.operation, how.result_key, **params, StatusEquals="InProgress"):
                    items.setdefault(self._id(s), s)
            return list(items.values())
        return list(self._pages(how.operation, how.result_key, **params))

    def _id(self, summary: dict) -> str:
        return summary.get(self.rtype.arn_field) or summary.get(self.rtype.id_field) or repr(summary)

    def detail(self, summary: dict) -> dict | None:
        raw = dict(summary)
        if self.rtype.describe and self.granted(f"{self.rtype.service}:{self.rtype.describe.operation}"):
            try:
                details = self._call(self.rtype.describe.operation, **_params(self.rtype.describe, summary))
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) in NOT_FOUND:
                    return None  # deleted between list and describe
                raise
            details.pop("ResponseMetadata", None)
            raw.update(details)
        for call in self.rtype.extras:
            if self.granted(f"{self.rtype.service}:{call.operation}"):
                raw[f"_{call.operation}"] = list(self._pages(call.operation, call.result_key, **_params(call, raw)))
        return raw

    def run(self) -> tuple[list[ResourceRecord], list[str]]:
        origin = Origin(self.rtype.name, self.region, self.account)
        records, malformed = [], []
        for summary in self.summaries():
            raw = self.detail(summary)
            if raw is None:
                continue
            try:
                records.append(self.rtype.record(raw, origin))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                malformed.append(f"{exc.__class__.__name__}: {exc}")
        return records, malformed


def _snake(operation: str) -> str:
    return botocore.xform_name(operation)


def _params(call: Call, raw: dict) -> dict:
    return {api: raw[field_name] for api, field_name in call.params if raw.get(field_name) is not None}


def _touching_period(since: dt.datetime) -> dict:
    """Jobs that changed since the period began, or are still running."""
    return {
        "Operator": "Or",
        "Filters": [
            {"Name": "LastModifiedTime", "Operator": "GreaterThanOrEqualTo", "Value": since.isoformat()},
            {"Name": "TrainingJobStatus", "Operator": "Equals", "Value": "InProgress"},
        ],
    }


def discover(
    clients: Clients,
    regions: Sequence[str],
    account: str,
    *,
    not_granted: Iterable[str] = (),
    types: Sequence[ResourceType] = RESOURCE_TYPES,
    since: dt.datetime | None = None,
    max_workers: int = 8,
    on_done: Callable[[str, str], None] | None = None,
) -> DiscoveryResult:
    """Discover every type in every region. `not_granted`: actions preflight found missing or inconclusive."""
    blocked = {a.lower() for a in not_granted}

    def granted(action: str) -> bool:
        return action.lower() not in blocked

    result = DiscoveryResult()
    tasks = []
    for rtype in types:
        missing = tuple(a for a in rtype.actions if not granted(a))
        if not granted(rtype.actions[0]):
            result.uncovered.append(Uncovered(rtype.name, None, missing, "not granted (preflight)"))
            continue
        tasks.extend(_Task(clients, rtype, region, account, granted, since) for region in regions)

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = {pool.submit(task.run): task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                records, malformed = future.result()
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) in ACCESS_DENIED:
                    result.uncovered.append(Uncovered(task.rtype.name, task.region, task.rtype.actions,
                                                      f"AccessDenied from AWS: {error_code(exc)}"))
                else:
                    result.errors.append(TypeError_(task.rtype.name, task.region, _one_line(exc)))
                records, malformed = [], []
            except Exception as exc:  # a fault in one type must never end the scan
                result.errors.append(TypeError_(task.rtype.name, task.region, _one_line(exc)))
                records, malformed = [], []
            result.records.extend(records)
            if malformed:
                result.errors.append(TypeError_(task.rtype.name, task.region,
                                                f"{len(malformed)} malformed record(s) skipped: {malformed[0]}"))
            if on_done:
                on_done(task.rtype.name, task.region)
    result.records = link(result.records)
    result.records.sort(key=lambda r: (r.region, r.type, r.name))
    return result


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{exc.__class__.__name__}: {exc}".split())


def link(records: list[ResourceRecord]) -> list[ResourceRecord]:
    """Join what one API spreads over two types: an endpoint's instance types live in its config."""
    configs = {(r.region, r.name): r for r in records if r.type == "endpoint-config"}
    linked = []
    for record in records:
        if record.type == "endpoint":
            config = configs.get((record.region, record.attrs.get("endpoint_config")))
            if config is not None:
                by_variant = {c.name: c for c in config.capacity}
                record = replace(record, capacity=tuple(_with_config(c, by_variant.get(c.name)) for c in record.capacity),
                                 attrs={**record.attrs, "async": bool(config.attrs.get("async"))})
        linked.append(record)
    return linked


def _with_config(variant: Capacity, configured: Capacity | None) -> Capacity:
    if configured is None:
        return variant
    return replace(variant, instance_type=configured.instance_type, serverless=variant.serverless or configured.serverless)
