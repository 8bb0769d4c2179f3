"""HyperPod clusters: hourly per node; InService with every group at zero nodes is 'stopped'."""
from .model import Call, Paginated, ResourceType

TYPES = (
    ResourceType(
        name="hyperpod-cluster",
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
        notes="Tags carry the on/off schedule and the saved counts of a stopped cluster.",
    ),
    ResourceType(
        name="training-plan",
        label="training plans",
        enumerate=Paginated("ListTrainingPlans", "TrainingPlanSummaries"),
        id_field="TrainingPlanName",
        arn_field="TrainingPlanArn",
        cost_shape="none",
        notes="Paid up front (UpfrontFee); shown, not costed per hour.",
    ),
)
