"""The one module that reaches into moto's in-process backends.

No API can set what moto fixes at creation (start = end = creation time, no billable seconds, CurrentCount
equal to TargetCount...), so the scenario states each resource's facts here in AWS's own field names and this
module translates them to moto's attributes. Everything depends on moto 5.2.5 internals: re-check on upgrade.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from moto.core.models import MockAWS
from moto.core.utils import camelcase_to_underscores
from moto.sagemaker.models import FakeTrainingJob, SageMakerModelBackend, sagemaker_backends

# registry type name -> the backend dict that holds it (keyed by name unless noted in _find)
_COLLECTIONS = {
    "training-job": "training_jobs",
    "processing-job": "processing_jobs",
    "transform-job": "transform_jobs",
    "hyperparameter-tuning-job": "hyper_parameter_tuning_jobs",
    "automl-job": "auto_ml_jobs",
    "compilation-job": "compilation_jobs",
    "endpoint": "endpoints",
    "endpoint-config": "endpoint_configs",
    "model": "_models",
    "notebook-instance": "notebook_instances",
    "notebook-lifecycle-config": "notebook_instance_lifecycle_configurations",
    "domain": "domains",
    "hyperpod-cluster": "clusters",
    "pipeline": "pipelines",
    "feature-group": "feature_groups",
}

# Objects whose Describe is a fixed dict: the field names moto's attribute names do not spell.
_FIXED_ATTRS = {
    "notebook-instance": {"NotebookInstanceStatus": "status"},
    "domain": {"Status": "status"},
    "hyperpod-cluster": {"ClusterStatus": "status"},
    "automl-job": {"AutoMLJobStatus": "auto_ml_job_status", "AutoMLJobSecondaryStatus": "auto_ml_job_secondary_status"},
}

# Search resources and the record key moto's objects call "Arn"
_SEARCHABLE = {
    "TrainingJob": "training_jobs",
    "Endpoint": "endpoints",
    "FeatureGroup": "feature_groups",
    "Pipeline": "pipelines",
    "PipelineExecution": "pipeline_executions",
}


def mock_active() -> bool:
    """True inside a mock_aws block: a simulated account started there would share its backends."""
    return MockAWS._nested_count > 0


def backend(account_id: str, region: str) -> SageMakerModelBackend:
    return sagemaker_backends[account_id][region]


def _moto_time(value: Any) -> Any:
    """moto keeps naive UTC datetimes and compares them with its own utcnow()."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _find(account_id: str, region: str, kind: str, name: str) -> Any:
    if kind == "pipeline-execution":
        return backend(account_id, region).pipeline_executions[name]
    items = getattr(backend(account_id, region), _COLLECTIONS[kind])
    if kind == "feature-group":  # keyed by ARN
        return next(fg for fg in items.values() if fg.feature_group_name == name)
    return items[name]


_SEARCHED_KINDS = {"training-job", "endpoint", "feature-group", "pipeline", "pipeline-execution"}


def _reports_any_attribute(kind: str, obj: Any) -> bool:
    """True where moto echoes every attribute (gen_response_object) in Describe or in Search."""
    if not hasattr(obj, "gen_response_object"):
        return False
    return kind in _SEARCHED_KINDS or "describe" not in type(obj).__dict__


def update(account_id: str, region: str, kind: str, name: str, **fields: Any) -> None:
    """Set fields, named as the Describe/Search response names them, on one moto object.

    None removes a field from the response. For objects with a fixed Describe, only fields moto already
    reports can be set, and setting any other raises instead of being silently lost.
    """
    obj = _find(account_id, region, kind, name)
    free = _reports_any_attribute(kind, obj)
    for field, value in fields.items():
        attr = _FIXED_ATTRS.get(kind, {}).get(field) or camelcase_to_underscores(field)
        if free and obj.camelCase(attr) != field:
            attr = field  # moto would misspell it (AutoMlJobArn); an attribute without "_" keeps its name
        elif not free and not hasattr(obj, attr):
            raise AttributeError(f"moto's {kind} does not report {field}")
        setattr(obj, attr, _moto_time(value))


def register_pipeline_execution(account_id: str, region: str, pipeline_name: str, execution_arn: str) -> None:
    """moto's StartPipelineExecution files the execution under its pipeline only, so Search never sees it."""
    b = backend(account_id, region)
    b.pipeline_executions[execution_arn] = b.pipelines[pipeline_name].pipeline_executions[execution_arn]


def set_cluster_groups(account_id: str, region: str, cluster: str, counts: dict[str, tuple[int, int]]) -> None:
    """Set (CurrentCount, TargetCount) per instance group and keep exactly CurrentCount nodes per group."""
    c = backend(account_id, region).clusters[cluster]
    for group in c.instance_groups:
        current, target = counts[group["InstanceGroupName"]]
        group["CurrentCount"], group["TargetCount"] = current, target
        nodes = sorted(n for n, node in c.nodes.items() if node.instance_group_name == group["InstanceGroupName"])
        for node_id in nodes[current:]:
            del c.nodes[node_id]
        if len(nodes) < current:
            raise ValueError(f"{cluster}/{group['InstanceGroupName']}: moto created {len(nodes)} nodes, not {current}")


def grow_cluster_group(account_id: str, region: str, cluster_name: str, group_name: str, want: int) -> None:
    """Add moto ClusterNodes to one instance group until it has `want` nodes (moto has no UpdateCluster)."""
    from moto.sagemaker.models import ClusterNode

    cluster = backend(account_id, region).clusters[cluster_name]
    group = next(g for g in cluster.instance_groups if g["InstanceGroupName"] == group_name)
    ids = {n for n, node in cluster.nodes.items() if node.instance_group_name == group_name}
    index = 0
    while len(ids) < want:
        node_id = f"{group_name}-{index}"
        index += 1
        if node_id in cluster.nodes:
            continue
        cluster.nodes[node_id] = ClusterNode(
            region_name=region, account_id=account_id, cluster_name=cluster_name,
            instance_group_name=group_name, instance_type=group["InstanceType"],
            life_cycle_config=group["LifeCycleConfig"], execution_role=group["ExecutionRole"],
            node_id=node_id, threads_per_core=group.get("ThreadsPerCore"),
        )
        ids.add(node_id)


def set_cluster_node_launch_time(account_id: str, region: str, cluster: str, launched: dt.datetime) -> None:
    for node in backend(account_id, region).clusters[cluster].nodes.values():
        node.launch_time = _moto_time(launched)


def insert_training_jobs(account_id: str, region: str, jobs: Iterable[tuple[dict, dict]]) -> None:
    """Create training jobs straight in the backend, as CreateTrainingJob would, then apply their fields.

    Each job is (CreateTrainingJob request, fields for `update`). About 100x faster than the API.
    """
    b = backend(account_id, region)
    for request, fields in jobs:
        job = FakeTrainingJob(
            account_id=account_id,
            region_name=region,
            training_job_name=request["TrainingJobName"],
            hyper_parameters=request.get("HyperParameters"),
            algorithm_specification=dict(request["AlgorithmSpecification"]),
            role_arn=request["RoleArn"],
            input_data_config=request.get("InputDataConfig"),
            output_data_config=request["OutputDataConfig"],
            resource_config=request["ResourceConfig"],
            vpc_config=request.get("VpcConfig"),
            stopping_condition=request["StoppingCondition"],
            tags=request.get("Tags"),
            enable_network_isolation=request.get("EnableNetworkIsolation", False),
            enable_inter_container_traffic_encryption=request.get("EnableInterContainerTrafficEncryption", False),
            enable_managed_spot_training=request.get("EnableManagedSpotTraining", False),
            checkpoint_config=request.get("CheckpointConfig"),
            debug_hook_config=None,
            debug_rule_configurations=None,
            tensor_board_output_config=None,
            experiment_config=None,
        )
        b.training_jobs[job.training_job_name] = job
        update(account_id, region, "training-job", job.training_job_name, **fields)


def notebook_lifecycle_configs(account_id: str, region: str) -> list[dict]:
    """Summaries for ListNotebookInstanceLifecycleConfigs, which moto does not implement."""
    return [
        {
            "NotebookInstanceLifecycleConfigName": c.notebook_instance_lifecycle_config_name,
            "NotebookInstanceLifecycleConfigArn": c.arn,
            "CreationTime": c.creation_time,
            "LastModifiedTime": c.last_modified_time,
        }
        for c in backend(account_id, region).notebook_instance_lifecycle_configurations.values()
    ]


def searchable(resource: str) -> bool:
    return resource in _SEARCHABLE


def search_objects(account_id: str, region: str, resource: str) -> list[Any]:
    """moto's objects behind Search(Resource=...); turn one into a record with `search_record`."""
    return list(getattr(backend(account_id, region), _SEARCHABLE[resource]).values())


def search_record(resource: str, obj: Any) -> dict:
    """The record moto's own Search builds for one object, with its ARN under the name AWS uses."""
    record = obj.gen_response_object()
    arn = record.pop("Arn", None)
    if isinstance(arn, str):
        record.setdefault(f"{resource}Arn", arn)
    return record
