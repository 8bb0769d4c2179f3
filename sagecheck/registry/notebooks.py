"""Notebook instances: hourly while InService, storage always."""
import base64
import binascii

from ..records import Capacity, as_int, base
from .model import Call, Paginated, ResourceType

# Auto-stop scripts (AWS's own sample included) watch for idleness and stop the instance.
AUTO_STOP_MARKERS = ("autostop", "auto-stop", "idle", "stop_notebook_instance", "stop-notebook-instance")


def auto_stop(notebook, find_config) -> bool | None:
    """Whether something stops a notebook when idle: False without a lifecycle config, the config's own
    verdict when it was read, None (unknown) when it was not. `find_config(name)` gives the config's record."""
    name = notebook.attrs.get("lifecycle_config")
    if not name:
        return False
    config = find_config(name)
    return None if config is None else config.attrs.get("auto_stop")


def notebook_record(raw, origin, rtype):
    instance_type = raw.get("InstanceType")
    return base(
        raw, origin, rtype,
        state=raw.get("NotebookInstanceStatus") or "unknown",
        capacity=(Capacity("", instance_type, 1),) if instance_type else (),
        volume_gb=as_int(raw.get("VolumeSizeInGB")),
        started=raw.get("LastModifiedTime"),
        attrs={
            "direct_internet_access": raw.get("DirectInternetAccess") == "Enabled",
            "root_access": raw.get("RootAccess") == "Enabled",
            "kms_key": raw.get("KmsKeyId"),
            "subnet": raw.get("SubnetId"),
            "lifecycle_config": raw.get("NotebookInstanceLifecycleConfigName"),
        },
    )


def _script_text(hooks) -> str:
    text = []
    for hook in hooks or []:
        try:
            text.append(base64.b64decode(hook.get("Content", "")).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            continue
    return "\n".join(text).lower()


def lifecycle_config_record(raw, origin, rtype):
    scripts = _script_text(raw.get("OnStart")) + _script_text(raw.get("OnCreate"))
    return base(raw, origin, rtype, state="active",
                attrs={"auto_stop": any(marker in scripts for marker in AUTO_STOP_MARKERS)})

TYPES = (
    ResourceType(
        name="notebook-instance",
        usage="notebook",
        label="notebook instances",
        enumerate=Paginated("ListNotebookInstances", "NotebookInstances"),
        describe=Call("DescribeNotebookInstance", (("NotebookInstanceName", "NotebookInstanceName"),)),
        id_field="NotebookInstanceName",
        arn_field="NotebookInstanceArn",
        cost_shape="hourly",
        to_record=notebook_record,
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
        to_record=lifecycle_config_record,
        notes="Read to tell whether a notebook has an auto-stop script.",
    ),
)
