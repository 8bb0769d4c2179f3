"""Running terraform offline in tests: the binary, the provider mirror, a clean environment, a fake provider."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

TERRAFORM = shutil.which("terraform")
PLUGINS = Path("/opt/tf-plugins")
needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
needs_plugins = pytest.mark.skipif(
    not PLUGINS.is_dir(), reason=f"no offline AWS provider mirror at {PLUGINS}, and plain init needs the registry"
)
# A provider that never talks to AWS, so `plan` runs offline on data sources such as aws_iam_policy_document.
OFFLINE_PROVIDER = """
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAFAKEFAKEFAKEFAKE"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
"""


def terraform_env(tmp_path_factory) -> dict:
    config = tmp_path_factory.mktemp("tfconfig") / "empty.tfrc"
    config.write_text("")  # TF_CLI_CONFIG_FILE may point at a missing file on these machines
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(TF_CLI_CONFIG_FILE=str(config), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
               AWS_EC2_METADATA_DISABLED="true")
    return env


def terraform(env, cwd, *args, check=True):
    result = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=300)
    if check:
        assert result.returncode == 0, f"terraform {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result
