"""HyperPod clusters: hourly per node; InService with every group at zero nodes is 'stopped'."""
from ..records import Capacity, as_int, base, tags_of
from .model import Call, Paginated, ResourceType


def cluster_record(raw, origin, rtype):
    groups = tuple(
        Capacity(
            g.get("InstanceGroupName", ""),
            g.get("InstanceType"),
            as_int(g.get("CurrentCount")) or 0,
            target=as_int(g.get("TargetCount")),
        )
        for g in raw.get("InstanceGroups") or []
    )
    state = raw.get("ClusterStatus") or "unknown"
    # AWS keeps a cluster InService at zero nodes; for cost it is stopped.
    if state == "InService" and groups and all(g.count == 0 for g in groups):
        state = "stopped"
    return base(
        raw, origin, rtype,
        state=state,
        capacity=groups,
        tags=tags_of({"Tags": raw.get("_ListTags")}),
        attrs={"vpc": bool((raw.get("VpcConfig") or {}).get("Subnets")), "nodes": len(raw.get("_ListClusterNodes") or [])},
    )


def training_plan_record(raw, origin, rtype):
    return base(
        raw, origin, rtype,
        state=raw.get("Status") or "unknown",
        started=raw.get("StartTime"),
        ended=raw.get("EndTime"),
        attrs={"upfront_fee": raw.get("UpfrontFee"), "currency": raw.get("CurrencyCode")},
    )

TYPES = (
    ResourceType(
        name="hyperpod-cluster",
        usage="cluster",
        label="HyperPod clusters",
        enumerate=Paginated("ListClusters", "ClusterSummaries"),
        describe=Call("DescribeCluster", (("ClusterName", "ClusterArn"),)),
        extras=(
            Call(
                "ListClusterNodes",
                (("ClusterName", "ClusterArn"),),
                result_key="ClusterNodeSummaries",
                purpose="nodes",
            ),
            Call(
                "ListTags",
                (("ResourceArn", "ClusterArn"),),
                result_key="Tags",
                scope="cluster",
                purpose="tags (on/off schedules and saved counts)",
            ),
        ),
        id_field="ClusterName",
        arn_field="ClusterArn",
        cost_shape="hourly",
        to_record=cluster_record,
        notes="Tags carry the on/off schedule and the saved counts of a stopped cluster.",
    ),
    ResourceType(
        name="training-plan",
        label="training plans",
        enumerate=Paginated("ListTrainingPlans", "TrainingPlanSummaries"),
        id_field="TrainingPlanName",
        arn_field="TrainingPlanArn",
        cost_shape="none",
        to_record=training_plan_record,
        notes="Paid up front (UpfrontFee); shown, not costed per hour.",
    ),
)
