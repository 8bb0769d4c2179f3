"""Notebook instances: hourly while InService, storage always."""
from .model import Call, Paginated, ResourceType

TYPES = (
    ResourceType(
        name="notebook-instance",
        label="notebook instances",
        enumerate=Paginated("ListNotebookInstances", "NotebookInstances"),
        describe=Call("DescribeNotebookInstance", (("NotebookInstanceName", "NotebookInstanceName"),)),
        id_field="NotebookInstanceName",
        arn_field="NotebookInstanceArn",
        cost_shape="hourly",
    ),
    ResourceType(
        name="notebook-lifecycle-config",
        label="notebook lifecycle configs",
        enumerate=Paginated("ListNotebookInstanceLifecycleConfigs", "NotebookInstanceLifecycleConfigs"),
        describe=Call(
            "DescribeNotebookInstanceLifecycleConfig",
            (("NotebookInstanceLifecycleConfigName", "NotebookInstanceLifecycleConfigName"),),
        ),
        id_field="NotebookInstanceLifecycleConfigName",
        arn_field="NotebookInstanceLifecycleConfigArn",
        cost_shape="none",
        notes="Read to tell whether a notebook has an auto-stop script.",
    ),
)
