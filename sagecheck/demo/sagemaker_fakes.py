"""SageMaker operations moto 5.2.5 lacks (or serves wrongly), answered from one in-memory store.

Each handler returns a body shaped by botocore's model: stored records are cut down to the operation's
output shape (`conform`), and fakes.py validates the result before botocore parses it. Lists page with
NextToken and MaxResults as AWS does; a filter parameter a handler does not implement raises
NotImplementedError, as moto does for operations it lacks, rather than being silently ignored.

Search is faked too, over moto's own objects: moto's Search ignores MaxResults/NextToken (one page of
everything) and treats every filter operator other than Contains/NotEquals as Equals.
"""
from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.loaders import create_loader
from botocore.model import ServiceModel

from . import moto_state
from .fakes import FakeAws, FakeError

UTC = dt.timezone.utc
DEFAULT_MAX_RESULTS = 10
MAX_RESULTS_LIMIT = 100
_PAGING = {"NextToken", "MaxResults", "SortBy", "SortOrder"}


@dataclass
class RegionState:
    """API-shaped records per type; Describe-shaped where the fake serves a Describe."""

    apps: list[dict] = field(default_factory=list)
    spaces: list[dict] = field(default_factory=list)
    user_profiles: list[dict] = field(default_factory=list)
    inference_components: list[dict] = field(default_factory=list)
    labeling_jobs: list[dict] = field(default_factory=list)
    mlflow_tracking_servers: list[dict] = field(default_factory=list)
    monitoring_schedules: list[dict] = field(default_factory=list)
    training_plans: list[dict] = field(default_factory=list)
    optimization_jobs: list[dict] = field(default_factory=list)
    inference_recommendations_jobs: list[dict] = field(default_factory=list)
    edge_packaging_jobs: list[dict] = field(default_factory=list)


class SageMakerStore:
    """The fakes' state, per region; tests and later fakes change it in place."""

    def __init__(self):
        self._regions: dict[str, RegionState] = {}
        self._snapshots: OrderedDict[str, list] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def region(self, name: str) -> RegionState:
        with self._lock:
            return self._regions.setdefault(name, RegionState())

    def save_snapshot(self, items: list) -> str:
        """Keep a Search's ordered result set so its later pages are stable, as AWS's tokens are."""
        with self._lock:
            key = f"s{next(self._ids)}"
            self._snapshots[key] = items
            while len(self._snapshots) > 64:
                self._snapshots.popitem(last=False)
            return key

    def snapshot(self, key: str) -> list | None:
        with self._lock:
            return self._snapshots.get(key)


@dataclass(frozen=True)
class _ListSpec:
    operation: str
    result_key: str
    records: Callable[[str], list[dict]]  # region -> records
    name_field: str
    status_field: str | None = None


class SageMakerFakes:
    """Registers every handler on a FakeAws and tells them which region a call is for."""

    def __init__(self, account_id: str, store: SageMakerStore, fake: FakeAws):
        self.account_id = account_id
        self.store = store
        self.fake = fake
        self.model = ServiceModel(create_loader().load_service_model("sagemaker", "service-2"), "sagemaker")
        self._local = threading.local()
        self._register()

    def install(self, session) -> None:
        """Install on a session before it creates clients (also installs the FakeAws)."""
        self.fake.install(session)
        session.events.register_first("before-parameter-build.sagemaker", self._capture_region)

    def _capture_region(self, context=None, **_: Any) -> None:
        self._local.region = (context or {}).get("client_region")

    @property
    def region(self) -> str:
        return self._local.region

    def _state(self) -> RegionState:
        return self.store.region(self.region)

    def _register(self) -> None:
        for spec in self._list_specs():
            self.fake.on("sagemaker", spec.operation, self._lister(spec))
        self.fake.on("sagemaker", "DescribeApp", self._describe_app)
        self.fake.on("sagemaker", "DescribeInferenceComponent", self._describe_inference_component)
        self.fake.on("sagemaker", "DescribeMlflowTrackingServer", self._describe_mlflow_tracking_server)
        self.fake.on("sagemaker", "Search", self._search)

    def _list_specs(self) -> list[_ListSpec]:
        def stored(attr: str) -> Callable[[str], list[dict]]:
            return lambda region: getattr(self.store.region(region), attr)

        return [
            _ListSpec("ListApps", "Apps", stored("apps"), "AppName", "Status"),
            _ListSpec("ListSpaces", "Spaces", stored("spaces"), "SpaceName", "Status"),
            _ListSpec("ListUserProfiles", "UserProfiles", stored("user_profiles"), "UserProfileName", "Status"),
            _ListSpec(
                "ListInferenceComponents",
                "InferenceComponents",
                stored("inference_components"),
                "InferenceComponentName",
                "InferenceComponentStatus",
            ),
            _ListSpec(
                "ListLabelingJobs", "LabelingJobSummaryList", stored("labeling_jobs"), "LabelingJobName", "LabelingJobStatus"
            ),
            _ListSpec(
                "ListMlflowTrackingServers",
                "TrackingServerSummaries",
                stored("mlflow_tracking_servers"),
                "TrackingServerName",
                "TrackingServerStatus",
            ),
            _ListSpec(
                "ListMonitoringSchedules",
                "MonitoringScheduleSummaries",
                stored("monitoring_schedules"),
                "MonitoringScheduleName",
                "MonitoringScheduleStatus",
            ),
            _ListSpec("ListTrainingPlans", "TrainingPlanSummaries", stored("training_plans"), "TrainingPlanName", "Status"),
            _ListSpec(
                "ListOptimizationJobs",
                "OptimizationJobSummaries",
                stored("optimization_jobs"),
                "OptimizationJobName",
                "OptimizationJobStatus",
            ),
            _ListSpec(
                "ListInferenceRecommendationsJobs",
                "InferenceRecommendationsJobs",
                stored("inference_recommendations_jobs"),
                "JobName",
                "Status",
            ),
            _ListSpec(
                "ListEdgePackagingJobs",
                "EdgePackagingJobSummaries",
                stored("edge_packaging_jobs"),
                "EdgePackagingJobName",
                "EdgePackagingJobStatus",
            ),
            _ListSpec(
                "ListNotebookInstanceLifecycleConfigs",
                "NotebookInstanceLifecycleConfigs",
                lambda region: moto_state.notebook_lifecycle_configs(self.account_id, region),
                "NotebookInstanceLifecycleConfigName",
            ),
        ]

    # --- List* -------------------------------------------------------------------------------------------

    def _lister(self, spec: _ListSpec) -> Callable[[dict], dict]:
        output = self.model.operation_model(spec.operation).output_shape
        item_shape = output.members[spec.result_key].member

        def handler(params: dict) -> dict:
            filters = _list_filters(spec, params, item_shape)
            records = [r for r in spec.records(self.region) if _list_filters_match(filters, r)]
            records = _sorted(records, _list_sort_field(spec, params.get("SortBy")), params.get("SortOrder"))
            page, token = _page(records, params, DEFAULT_MAX_RESULTS)
            body = {spec.result_key: [conform(r, item_shape) for r in page]}
            if token:
                body["NextToken"] = token
            return body

        return handler

    # --- Describe* ---------------------------------------------------------------------------------------

    def _describe(self, operation: str, record: dict | None, error: FakeError) -> dict:
        if record is None:
            raise error
        return conform(record, self.model.operation_model(operation).output_shape)

    def _describe_app(self, params: dict) -> dict:
        keys = ("DomainId", "UserProfileName", "SpaceName", "AppType", "AppName")
        wanted = {k: params.get(k) for k in keys}
        record = next((a for a in self._state().apps if {k: a.get(k) for k in keys} == wanted), None)
        owner = params.get("UserProfileName") or params.get("SpaceName")
        missing = FakeError("ResourceNotFound", f"App {params['AppName']} of {owner} does not exist.")
        return self._describe("DescribeApp", record, missing)

    def _describe_inference_component(self, params: dict) -> dict:
        name = params["InferenceComponentName"]
        record = next((c for c in self._state().inference_components if c["InferenceComponentName"] == name), None)
        arn = f"arn:aws:sagemaker:{self.region}:{self.account_id}:inference-component/{name}"
        missing = FakeError("ValidationException", f"Could not find inference component \"{arn}\".")
        return self._describe("DescribeInferenceComponent", record, missing)

    def _describe_mlflow_tracking_server(self, params: dict) -> dict:
        name = params["TrackingServerName"]
        record = next((s for s in self._state().mlflow_tracking_servers if s["TrackingServerName"] == name), None)
        missing = FakeError("ResourceNotFound", f"Tracking server {name} does not exist.")
        return self._describe("DescribeMlflowTrackingServer", record, missing)

    # --- Search ------------------------------------------------------------------------------------------

    def _search(self, params: dict) -> dict:
        resource = params["Resource"]
        if not moto_state.searchable(resource):
            raise NotImplementedError(f"the simulated account does not serve Search for {resource}")
        for unsupported in ("CrossAccountFilterOption", "VisibilityConditions"):
            if params.get(unsupported):
                raise NotImplementedError(f"the simulated Search does not implement {unsupported}")
        record_shape = self.model.shape_for("SearchRecord").members[resource]
        if params.get("NextToken"):
            key, offset = _parse_token(params["NextToken"])
            objects = self.store.snapshot(key)
            if objects is None:
                raise FakeError("ValidationException", "The NextToken has expired or is invalid.")
        else:
            objects, offset = self._search_result_set(resource, record_shape, params), 0
            key = self.store.save_snapshot(objects)
        size = _max_results(params, DEFAULT_MAX_RESULTS)
        page = objects[offset : offset + size]
        body: dict[str, Any] = {
            "Results": [{resource: conform(moto_state.search_record(resource, o), record_shape)} for o in page],
            "TotalHits": {"Value": len(objects), "Relation": "EqualTo"},
        }
        if offset + size < len(objects):
            body["NextToken"] = f"{key}:{offset + size}"
        return body

    def _search_result_set(self, resource: str, record_shape, params: dict) -> list:
        expression = params.get("SearchExpression") or {}
        pairs = [(o, moto_state.search_record(resource, o)) for o in moto_state.search_objects(
            self.account_id, self.region, resource)]
        pairs = [(o, r) for o, r in pairs if _expression_matches(r, expression, record_shape)]
        sort_by = params.get("SortBy") or "LastModifiedTime"
        descending = params.get("SortOrder", "Descending") == "Descending"
        present = [(o, r) for o, r in pairs if _lookup(r, sort_by) is not None]
        absent = [(o, r) for o, r in pairs if _lookup(r, sort_by) is None]
        present.sort(key=lambda p: str(p[1].get(f"{resource}Arn", "")))
        present.sort(key=lambda p: _sort_key(_lookup(p[1], sort_by)), reverse=descending)
        return [o for o, _ in present + absent]


# --- helpers shared by the handlers -------------------------------------------------------------------------


def conform(value: Any, shape) -> Any:
    """Cut a record down to `shape`: unknown keys, None and empty structures dropped, timestamps tz-aware."""
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for key, item in value.items():
            if key in shape.members and item is not None:
                item = conform(item, shape.members[key])
                if item != {}:
                    out[key] = item
        return out
    if kind == "list":
        return [conform(item, shape.member) for item in value if item is not None]
    if kind == "map":
        return {k: conform(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return _utc(value)
    return value


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_datetime(value: Any) -> dt.datetime:
    """A timestamp parameter as the caller gave it: datetime, epoch seconds or ISO 8601 text."""
    if isinstance(value, dt.datetime):
        return _utc(value)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, UTC)
    return _utc(dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")))


def _max_results(params: dict, default: int) -> int:
    size = params.get("MaxResults") or default
    if not 1 <= size <= MAX_RESULTS_LIMIT:
        raise FakeError("ValidationException", f"MaxResults must be between 1 and {MAX_RESULTS_LIMIT}.")
    return size


def _parse_token(token: str) -> tuple[str, int]:
    key, _, offset = token.rpartition(":")
    if not offset.isdigit():
        raise FakeError("ValidationException", "Invalid pagination token.")
    return key, int(offset)


def _page(records: list, params: dict, default_size: int) -> tuple[list, str | None]:
    offset = _parse_token(params["NextToken"])[1] if params.get("NextToken") else 0
    size = _max_results(params, default_size)
    end = offset + size
    return records[offset:end], (f"page:{end}" if end < len(records) else None)


def _sort_key(value: Any) -> Any:
    return _utc(value).timestamp() if isinstance(value, dt.datetime) else value


def _sorted(records: list[dict], field_name: str, order: str | None) -> list[dict]:
    present = [r for r in records if r.get(field_name) is not None]
    absent = [r for r in records if r.get(field_name) is None]
    present.sort(key=lambda r: _sort_key(r[field_name]), reverse=(order or "Descending") == "Descending")
    return present + absent


def _list_sort_field(spec: _ListSpec, sort_by: str | None) -> str:
    if sort_by in (None, "CreationTime", "CreationDate"):
        return "CreationTime"
    if sort_by == "Name" or (sort_by and sort_by.endswith("Name")):
        return spec.name_field
    if sort_by == "Status":
        return spec.status_field or spec.name_field
    return sort_by


def _list_filter(spec: _ListSpec, param: str) -> tuple[str, str]:
    """(record field, comparison) for one List* filter parameter."""
    if param == "NameContains":
        return spec.name_field, "contains"
    if param == "StatusEquals" and spec.status_field:
        return spec.status_field, "eq"
    for suffix, op in (("Equals", "eq"), ("Contains", "contains"), ("After", "gt"), ("Before", "lt")):
        if param.endswith(suffix):
            stem = param[: -len(suffix)]
            return {"Created": "CreationTime"}.get(stem, stem), op
    return param, "eq"  # EndpointName, TrackingServerStatus, MlflowVersion...


def _list_filters(spec: _ListSpec, params: dict, item_shape) -> list[tuple[str, str, Any]]:
    filters = []
    for param, expected in params.items():
        if param in _PAGING:
            continue
        field_name, op = _list_filter(spec, param)
        if field_name not in item_shape.members:
            raise NotImplementedError(f"the simulated {spec.operation} does not implement the {param} filter")
        filters.append((field_name, op, _as_datetime(expected) if op in ("gt", "lt") else expected))
    return filters


def _list_filters_match(filters: list[tuple[str, str, Any]], record: dict) -> bool:
    for field_name, op, expected in filters:
        actual = record.get(field_name)
        if actual is None:
            return False
        if op == "eq" and actual != expected:
            return False
        if op == "contains" and expected not in actual:
            return False
        if op == "gt" and not _utc(actual) > expected:
            return False
        if op == "lt" and not _utc(actual) < expected:
            return False
    return True


def _lookup(record: dict, name: str) -> Any:
    head, _, rest = name.partition(".")
    if head == "Tags" and rest:
        return {t["Key"]: t["Value"] for t in record.get("Tags") or []}.get(rest)
    value: Any = record.get(head)
    for part in rest.split(".") if rest else ():
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _expression_matches(record: dict, expression: dict, record_shape) -> bool:
    if expression.get("NestedFilters"):
        raise NotImplementedError("the simulated Search does not implement NestedFilters")
    results = [_filter_matches(record, f, record_shape) for f in expression.get("Filters", [])]
    results += [_expression_matches(record, sub, record_shape) for sub in expression.get("SubExpressions", [])]
    if not results:
        return True
    return all(results) if expression.get("Operator", "And") == "And" else any(results)


def _filter_matches(record: dict, search_filter: dict, record_shape) -> bool:
    name, op = search_filter["Name"], search_filter.get("Operator", "Equals")
    head = name.partition(".")[0]
    if head not in record_shape.members:
        raise FakeError("ValidationException", f"Unknown property name: {name}")
    actual, raw = _lookup(record, name), search_filter.get("Value", "")
    if op == "Exists":
        return actual is not None
    if op == "NotExists":
        return actual is None
    if actual is None:
        return False
    if op == "Contains":
        return raw in actual if isinstance(actual, str) else any(str(x) == raw for x in actual)
    if op == "In":
        return any(_coerce(v.strip(), actual) == _normal(actual) for v in raw.split(","))
    expected, actual = _coerce(raw, actual), _normal(actual)
    return {
        "Equals": actual == expected,
        "NotEquals": actual != expected,
        "GreaterThan": actual > expected,
        "GreaterThanOrEqualTo": actual >= expected,
        "LessThan": actual < expected,
        "LessThanOrEqualTo": actual <= expected,
    }[op]


def _normal(actual: Any) -> Any:
    return _utc(actual) if isinstance(actual, dt.datetime) else actual


def _coerce(raw: str, like: Any) -> Any:
    """A filter's string value, read as the type of the field it is compared with."""
    try:
        if isinstance(like, bool):
            return raw.lower() == "true"
        if isinstance(like, (int, float)):
            return float(raw)
        if isinstance(like, dt.datetime):
            return _as_datetime(float(raw) if raw.replace(".", "", 1).isdigit() else raw)
    except ValueError:
        raise FakeError("ValidationException", f"Value {raw!r} is not valid for this property.") from None
    return raw
