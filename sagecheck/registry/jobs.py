"""Transient jobs: billed once, from how long they ran."""
from ..records import Capacity, as_int, base, get
from .model import Call, Paginated, ResourceType, Search

JOB_PARENT_FIELDS = ("TuningJobArn", "AutoMLJobArn", "LabelingJobArn", "MonitoringScheduleArn")
SINCE = "LastModifiedTimeAfter"


def _single(raw, path: str) -> tuple[Capacity, ...]:
    instance_type = get(raw, f"{path}.InstanceType")
    count = as_int(get(raw, f"{path}.InstanceCount"))
    return (Capacity("", instance_type, count or 0),) if instance_type else ()


def training_record(raw, origin, rtype):
    groups = get(raw, "ResourceConfig.InstanceGroups") or []
    capacity = tuple(
        Capacity(g.get("InstanceGroupName", ""), g.get("InstanceType"), as_int(g.get("InstanceCount")) or 0)
        for g in groups
    ) or _single(raw, "ResourceConfig")
    return base(
        raw, origin, rtype,
        state=raw.get("TrainingJobStatus") or "unknown",
        started=raw.get("TrainingStartTime"),
        ended=raw.get("TrainingEndTime"),
        capacity=capacity,
        billable_seconds=as_int(raw.get("BillableTimeInSeconds")),
        run_seconds=as_int(raw.get("TrainingTimeInSeconds")),
        spot=bool(raw.get("EnableManagedSpotTraining")),
        warm_pool_seconds=as_int(get(raw, "WarmPoolStatus.ResourceRetainedBillableTimeInSeconds")),
        volume_gb=as_int(get(raw, "ResourceConfig.VolumeSizeInGB")),
        attrs={
            "network_isolation": bool(raw.get("EnableNetworkIsolation")),
            "inter_container_encryption": bool(raw.get("EnableInterContainerTrafficEncryption")),
            "volume_kms_key": get(raw, "ResourceConfig.VolumeKmsKeyId"),
            "output_kms_key": get(raw, "OutputDataConfig.KmsKeyId"),
            "vpc": bool(get(raw, "VpcConfig.Subnets")),
            "checkpointing": bool(get(raw, "CheckpointConfig.S3Uri")),
        },
    )


def processing_record(raw, origin, rtype):
    return base(
        raw, origin, rtype,
        state=raw.get("ProcessingJobStatus") or "unknown",
        started=raw.get("ProcessingStartTime"),
        ended=raw.get("ProcessingEndTime"),
        capacity=_single(raw, "ProcessingResources.ClusterConfig"),
        volume_gb=as_int(get(raw, "ProcessingResources.ClusterConfig.VolumeSizeInGB")),
        attrs={
            "network_isolation": bool(get(raw, "NetworkConfig.EnableNetworkIsolation")),
            "inter_container_encryption": bool(get(raw, "NetworkConfig.EnableInterContainerTrafficEncryption")),
            "volume_kms_key": get(raw, "ProcessingResources.ClusterConfig.VolumeKmsKeyId"),
            "output_kms_key": get(raw, "ProcessingOutputConfig.KmsKeyId"),
            "vpc": bool(get(raw, "NetworkConfig.VpcConfig.Subnets")),
        },
    )


def transform_record(raw, origin, rtype):
    return base(
        raw, origin, rtype,
        state=raw.get("TransformJobStatus") or "unknown",
        started=raw.get("TransformStartTime"),
        ended=raw.get("TransformEndTime"),
        capacity=_single(raw, "TransformResources"),
        attrs={
            "volume_kms_key": get(raw, "TransformResources.VolumeKmsKeyId"),
            "output_kms_key": get(raw, "TransformOutput.KmsKeyId"),
        },
    )


def timed_record(state: str, start: str, end: str):
    """A mapper for jobs whose summary already says when they ran."""

    def to_record(raw, origin, rtype):
        return base(raw, origin, rtype, state=raw.get(state) or "unknown", started=raw.get(start) or raw.get("CreationTime"),
                    ended=raw.get(end))

    return to_record


TYPES = (
    ResourceType(
        name="training-job",
        usage="training",
        label="training jobs",
        enumerate=Search("TrainingJob"),
        id_field="TrainingJobName",
        arn_field="TrainingJobArn",
        cost_shape="run-duration",
        parent_fields=JOB_PARENT_FIELDS,
        to_record=training_record,
        notes="Search returns BillableTimeInSeconds and the parent links, 100 jobs a call.",
    ),
    ResourceType(
        name="processing-job",
        usage="processing",
        label="processing jobs",
        enumerate=Paginated("ListProcessingJobs", "ProcessingJobSummaries", since_param=SINCE),
        describe=Call("DescribeProcessingJob", (("ProcessingJobName", "ProcessingJobName"),)),
        id_field="ProcessingJobName",
        arn_field="ProcessingJobArn",
        cost_shape="run-duration",
        parent_fields=JOB_PARENT_FIELDS,
        to_record=processing_record,
    ),
    ResourceType(
        name="transform-job",
        usage="transform",
        label="batch transform jobs",
        enumerate=Paginated("ListTransformJobs", "TransformJobSummaries", since_param=SINCE),
        describe=Call("DescribeTransformJob", (("TransformJobName", "TransformJobName"),)),
        id_field="TransformJobName",
        arn_field="TransformJobArn",
        cost_shape="run-duration",
        parent_fields=JOB_PARENT_FIELDS,
        to_record=transform_record,
    ),
    ResourceType(
        name="hyperparameter-tuning-job",
        label="hyperparameter tuning jobs",
        enumerate=Paginated("ListHyperParameterTuningJobs", "HyperParameterTuningJobSummaries", since_param=SINCE),
        id_field="HyperParameterTuningJobName",
        arn_field="HyperParameterTuningJobArn",
        cost_shape="roll-up",
        to_record=timed_record("HyperParameterTuningJobStatus", "CreationTime", "HyperParameterTuningEndTime"),
        notes="Children are the training jobs whose TuningJobArn names it.",
    ),
    ResourceType(
        name="automl-job",
        label="AutoML jobs",
        enumerate=Paginated("ListAutoMLJobs", "AutoMLJobSummaries", since_param=SINCE),
        id_field="AutoMLJobName",
        arn_field="AutoMLJobArn",
        cost_shape="roll-up",
        to_record=timed_record("AutoMLJobStatus", "CreationTime", "EndTime"),
        notes="Children are the jobs whose AutoMLJobArn names it.",
    ),
    ResourceType(
        name="labeling-job",
        label="labeling jobs",
        enumerate=Paginated("ListLabelingJobs", "LabelingJobSummaryList"),
        id_field="LabelingJobName",
        arn_field="LabelingJobArn",
        cost_shape="roll-up",
        state_field="LabelingJobStatus",
        notes="The instance-based part is its automated-labeling jobs; per-object labeling fees are not costed.",
    ),
    ResourceType(
        name="compilation-job",
        label="compilation jobs",
        enumerate=Paginated("ListCompilationJobs", "CompilationJobSummaries", since_param=SINCE),
        id_field="CompilationJobName",
        arn_field="CompilationJobArn",
        cost_shape="run-duration",
        to_record=timed_record("CompilationJobStatus", "CompilationStartTime", "CompilationEndTime"),
    ),
    ResourceType(
        name="optimization-job",
        label="inference optimization jobs",
        enumerate=Paginated("ListOptimizationJobs", "OptimizationJobSummaries", since_param=SINCE),
        id_field="OptimizationJobName",
        arn_field="OptimizationJobArn",
        cost_shape="run-duration",
        to_record=timed_record("OptimizationJobStatus", "OptimizationStartTime", "OptimizationEndTime"),
    ),
    ResourceType(
        name="inference-recommendations-job",
        label="inference recommender jobs",
        enumerate=Paginated("ListInferenceRecommendationsJobs", "InferenceRecommendationsJobs", since_param=SINCE),
        id_field="JobName",
        arn_field="JobArn",
        cost_shape="none",
        to_record=timed_record("Status", "CreationTime", "CompletionTime"),
        notes="Its load tests run on endpoints, which are costed as endpoints.",
    ),
    ResourceType(
        name="edge-packaging-job",
        label="edge packaging jobs",
        enumerate=Paginated("ListEdgePackagingJobs", "EdgePackagingJobSummaries", since_param=SINCE),
        id_field="EdgePackagingJobName",
        arn_field="EdgePackagingJobArn",
        cost_shape="none",
        state_field="EdgePackagingJobStatus",
    ),
)
