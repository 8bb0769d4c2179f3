"""SageMaker Studio: domains hold user profiles and spaces; apps bill hourly by their instance type."""
from .model import Call, Paginated, ResourceType

TYPES = (
    ResourceType(
        name="domain",
        label="Studio domains",
        enumerate=Paginated("ListDomains", "Domains"),
        describe=Call("DescribeDomain", (("DomainId", "DomainId"),)),
        id_field="DomainId",
        arn_field="DomainArn",
        cost_shape="none",
    ),
    ResourceType(
        name="user-profile",
        label="Studio user profiles",
        enumerate=Paginated("ListUserProfiles", "UserProfiles"),
        id_field="UserProfileName",
        arn_field="UserProfileArn",
        cost_shape="none",
    ),
    ResourceType(
        name="space",
        label="Studio spaces",
        enumerate=Paginated("ListSpaces", "Spaces"),
        id_field="SpaceName",
        arn_field="SpaceArn",
        cost_shape="storage",
    ),
    ResourceType(
        name="studio-app",
        label="Studio apps",
        enumerate=Paginated("ListApps", "Apps"),
        describe=Call(
            "DescribeApp",
            (
                ("DomainId", "DomainId"),
                ("AppType", "AppType"),
                ("AppName", "AppName"),
                ("UserProfileName", "UserProfileName"),
                ("SpaceName", "SpaceName"),
            ),
        ),
        id_field="AppName",
        arn_field="AppArn",
        cost_shape="hourly",
        notes="DescribeApp gives LastUserActivityTimestamp, for idle detection.",
    ),
)
