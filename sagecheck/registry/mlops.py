"""MLOps resources: pipelines, feature store, model monitoring and MLflow."""
from ..records import Capacity, base, get
from .model import Call, Paginated, ResourceType, Search


def feature_group_record(raw, origin, rtype):
    return base(
        raw, origin, rtype,
        state=raw.get("FeatureGroupStatus") or "unknown",
        attrs={
            "online_store": bool(get(raw, "OnlineStoreConfig.EnableOnlineStore")),
            "offline_store": bool(raw.get("OfflineStoreConfig")),
            "online_kms_key": get(raw, "OnlineStoreConfig.SecurityConfig.KmsKeyId"),
            "offline_kms_key": get(raw, "OfflineStoreConfig.S3StorageConfig.KmsKeyId"),
        },
    )


def pipeline_execution_record(raw, origin, rtype):
    return base(raw, origin, rtype, state=raw.get("PipelineExecutionStatus") or "unknown")


def mlflow_record(raw, origin, rtype):
    size = raw.get("TrackingServerSize")
    return base(
        raw, origin, rtype,
        state=raw.get("TrackingServerStatus") or "unknown",
        capacity=(Capacity("", f"mlflow.{size}", 1),) if size else (),
        attrs={"active": raw.get("IsActive") == "Active", "size": size,
               "s3_owner_verification": raw.get("S3BucketOwnerVerification")},
    )

TYPES = (
    ResourceType(
        name="feature-group",
        label="feature groups",
        enumerate=Search("FeatureGroup"),
        id_field="FeatureGroupName",
        arn_field="FeatureGroupArn",
        cost_shape="none",
        to_record=feature_group_record,
        notes="Feature Store bills per request and GB stored, which no read API reports.",
    ),
    ResourceType(
        name="pipeline",
        label="pipelines",
        enumerate=Search("Pipeline"),
        id_field="PipelineName",
        arn_field="PipelineArn",
        cost_shape="none",
        state_field="PipelineStatus",
    ),
    ResourceType(
        name="pipeline-execution",
        label="pipeline executions",
        enumerate=Search("PipelineExecution"),
        id_field="PipelineExecutionArn",
        arn_field="PipelineExecutionArn",
        cost_shape="none",
        to_record=pipeline_execution_record,
        parent_fields=("PipelineArn",),
    ),
    ResourceType(
        name="monitoring-schedule",
        label="model monitoring schedules",
        enumerate=Paginated("ListMonitoringSchedules", "MonitoringScheduleSummaries"),
        id_field="MonitoringScheduleName",
        arn_field="MonitoringScheduleArn",
        cost_shape="roll-up",
        state_field="MonitoringScheduleStatus",
        notes="Children are the processing jobs whose MonitoringScheduleArn names it.",
    ),
    ResourceType(
        name="mlflow-tracking-server",
        usage="mlflow",
        label="MLflow tracking servers",
        enumerate=Paginated("ListMlflowTrackingServers", "TrackingServerSummaries"),
        describe=Call("DescribeMlflowTrackingServer", (("TrackingServerName", "TrackingServerName"),)),
        id_field="TrackingServerName",
        arn_field="TrackingServerArn",
        cost_shape="hourly",
        to_record=mlflow_record,
    ),
)
