"""Real-time inference: endpoints bill hourly per instance; configs, models and components describe them."""
from .model import Call, Paginated, ResourceType, Search

TYPES = (
    ResourceType(
        name="endpoint",
        label="endpoints",
        enumerate=Search("Endpoint"),
        id_field="EndpointName",
        arn_field="EndpointArn",
        cost_shape="hourly",
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
    ),
)
