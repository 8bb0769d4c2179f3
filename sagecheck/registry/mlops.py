"""MLOps resources: pipelines, feature store, model monitoring and MLflow."""
from .model import Call, Paginated, ResourceType, Search

TYPES = (
    ResourceType(
        name="feature-group",
        label="feature groups",
        enumerate=Search("FeatureGroup"),
        id_field="FeatureGroupName",
        arn_field="FeatureGroupArn",
        cost_shape="none",
        notes="Feature Store bills per request and GB stored, which no read API reports.",
    ),
    ResourceType(
        name="pipeline",
        label="pipelines",
        enumerate=Search("Pipeline"),
        id_field="PipelineName",
        arn_field="PipelineArn",
        cost_shape="none",
    ),
    ResourceType(
        name="pipeline-execution",
        label="pipeline executions",
        enumerate=Search("PipelineExecution"),
        id_field="PipelineExecutionArn",
        arn_field="PipelineExecutionArn",
        cost_shape="none",
        parent_fields=("PipelineArn",),
    ),
    ResourceType(
        name="monitoring-schedule",
        label="model monitoring schedules",
        enumerate=Paginated("ListMonitoringSchedules", "MonitoringScheduleSummaries"),
        id_field="MonitoringScheduleName",
        arn_field="MonitoringScheduleArn",
        cost_shape="roll-up",
        notes="Children are the processing jobs whose MonitoringScheduleArn names it.",
    ),
    ResourceType(
        name="mlflow-tracking-server",
        label="MLflow tracking servers",
        enumerate=Paginated("ListMlflowTrackingServers", "TrackingServerSummaries"),
        describe=Call("DescribeMlflowTrackingServer", (("TrackingServerName", "TrackingServerName"),)),
        id_field="TrackingServerName",
        arn_field="TrackingServerArn",
        cost_shape="hourly",
    ),
)
