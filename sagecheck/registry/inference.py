"""Real-time inference: endpoints bill hourly per instance; configs, models and components describe them."""
from ..records import Capacity, as_int, base, get
from .model import Call, Paginated, ResourceType, Search


def endpoint_record(raw, origin, rtype):
    # Instance types live in the endpoint config; discovery's linking step fills them in.
    variants = tuple(
        Capacity(
            v.get("VariantName", ""),
            None,
            as_int(v.get("CurrentInstanceCount")) or 0,
            target=as_int(v.get("DesiredInstanceCount")),
            serverless=bool(v.get("CurrentServerlessConfig") or v.get("DesiredServerlessConfig")),
        )
        for v in raw.get("ProductionVariants") or []
    )
    return base(
        raw, origin, rtype,
        state=raw.get("EndpointStatus") or "unknown",
        capacity=variants,
        attrs={"endpoint_config": raw.get("EndpointConfigName"),
               "data_capture": bool(get(raw, "DataCaptureConfig.EnableCapture"))},
    )


def endpoint_config_record(raw, origin, rtype):
    variants = tuple(
        Capacity(
            v.get("VariantName", ""),
            v.get("InstanceType"),
            as_int(v.get("InitialInstanceCount")) or 0,
            serverless=bool(v.get("ServerlessConfig")),
        )
        for v in raw.get("ProductionVariants") or []
    )
    return base(
        raw, origin, rtype,
        state="active",
        capacity=variants,
        attrs={
            "kms_key": raw.get("KmsKeyId"),
            # EnableCapture defaults to true when a DataCaptureConfig is present.
            "data_capture": bool(raw.get("DataCaptureConfig"))
            and raw["DataCaptureConfig"].get("EnableCapture", True) is not False,
            "async": bool(raw.get("AsyncInferenceConfig")),
        },
    )


def inference_component_record(raw, origin, rtype):
    return base(
        raw, origin, rtype,
        state=raw.get("InferenceComponentStatus") or "unknown",
        attrs={
            "endpoint_name": raw.get("EndpointName"),
            "variant": raw.get("VariantName"),
            "copies": as_int(get(raw, "RuntimeConfig.CurrentCopyCount")),
        },
    )


def model_record(raw, origin, rtype):
    return base(
        raw, origin, rtype,
        state="active",
        attrs={"network_isolation": bool(raw.get("EnableNetworkIsolation")), "vpc": bool(get(raw, "VpcConfig.Subnets"))},
    )

TYPES = (
    ResourceType(
        name="endpoint",
        usage="hosting",
        label="endpoints",
        enumerate=Search("Endpoint"),
        id_field="EndpointName",
        arn_field="EndpointArn",
        cost_shape="hourly",
        to_record=endpoint_record,
        notes="Instance types come from the endpoint-config records.",
    ),
    ResourceType(
        name="endpoint-config",
        label="endpoint configs",
        enumerate=Paginated("ListEndpointConfigs", "EndpointConfigs"),
        describe=Call("DescribeEndpointConfig", (("EndpointConfigName", "EndpointConfigName"),)),
        id_field="EndpointConfigName",
        arn_field="EndpointConfigArn",
        cost_shape="none",
        to_record=endpoint_config_record,
    ),
    ResourceType(
        name="inference-component",
        label="inference components",
        enumerate=Paginated("ListInferenceComponents", "InferenceComponents"),
        describe=Call("DescribeInferenceComponent", (("InferenceComponentName", "InferenceComponentName"),)),
        id_field="InferenceComponentName",
        arn_field="InferenceComponentArn",
        cost_shape="none",
        parent_fields=("EndpointArn",),
        to_record=inference_component_record,
        notes="Runs on its endpoint's instances, which carry the cost.",
    ),
    ResourceType(
        name="model",
        label="models",
        enumerate=Paginated("ListModels", "Models"),
        describe=Call("DescribeModel", (("ModelName", "ModelName"),)),
        id_field="ModelName",
        arn_field="ModelArn",
        cost_shape="none",
        to_record=model_record,
    ),
)
