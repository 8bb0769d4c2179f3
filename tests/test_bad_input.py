"""Bad input: exit 2, one clear line on stderr, no traceback, nothing written."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LEGACY_POLICY, allow

from sagecheck.cli import main

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = {
    "action_and_notaction.json": "exactly one of Action or NotAction",
    "action_list_with_null.json": "Action must be a string",
    "action_not_string.json": "Action must be a string",
    "action_without_service.json": "not an action of the form service:Name",
    "bad_version.json": "unsupported policy Version",
    "condition_not_object.json": "Condition must be an object",
    "empty.json": "the file is empty",
    "invalid_json.json": "invalid JSON at line 1",
    "lowercase_effect.json": 'Effect must be "Allow" or "Deny"',
    "missing_effect.json": 'Effect must be "Allow" or "Deny"',
    "missing_statement.json": "no Statement",
    "no_action.json": "exactly one of Action or NotAction",
    "no_resource.json": "exactly one of Resource or NotResource",
    "not_utf8.json": "cannot be read",
    "resource_not_arn.json": "neither \"*\" nor an ARN",
    "resource_not_string.json": "Resource must be a string",
    "statement_item_not_object.json": "must be a JSON object",
    "statement_string.json": "Statement must be an object or a list",
    "top_level_list.json": "must be a JSON object",
    "top_level_string.json": "must be a JSON object",
    "unknown_action.json": "unknown action",
    "unknown_effect.json": 'Effect must be "Allow" or "Deny"',
    "unknown_service.json": "unknown service 'sagemakr'",
    "whitespace_only.json": "the file is empty",
    "wrong_arn_too_short.json": "neither \"*\" nor an ARN",
}


def assert_one_clear_line(capsys, code, fragment):
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("sagecheck: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""


def test_corpus_is_complete():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_policy_file(capsys, tmp_path, name):
    out = tmp_path / "missing.json"
    code = main(["preflight", "--policy-file", str(CORPUS / name), "--emit", "json", "--out", str(out)])
    assert_one_clear_line(capsys, code, EXPECTED[name])
    assert not out.exists(), "nothing is written when the input is bad"


@pytest.mark.parametrize("flag", ["--boundary-file", "--scp-file"])
def test_bad_boundary_and_scp_files(capsys, flag):
    code = main(["preflight", "--policy-file", str(LEGACY_POLICY),
                 flag, str(CORPUS / "unknown_effect.json")])
    assert_one_clear_line(capsys, code, "Effect must be")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--policy-file", "/nonexistent/policy.json"], "no such file"),
        (["--policy-file", "{tmp}"], "is a folder"),
        (["--policy-file", "{good}", "--regions", "mars-1"], "mars-1 is not a region"),
        (["--policy-file", "{good}", "--account-id", "12345"], "not a 12-digit AWS account id"),
        (["--policy-file", "{good}", "--principal-arn", "arn:aws:s3:::bucket"], "not an IAM user, role"),
        (["--policy-file", "{good}", "--emit", "json"], "--emit needs --out"),
        (["--policy-file", "{good}", "--emit", "yaml", "--out", "{tmp}/x"], "--emit 'yaml'"),
        (["--policy-file", "{good}", "--format", "xml"], "--format 'xml'"),
        (["--policy-file", "{good}", "--bogus"], "No such option: --bogus"),
        (["--authorization-details", "{good}", "--principal-arn", "arn:aws:iam::111122223333:role/x"],
         "not the output of 'aws iam get-account-authorization-details'"),
        (["--authorization-details", "{good}"], "needs --principal-arn"),
        (["--scp-file", "{good}"], "need --policy-file or --authorization-details"),
        (["--policy-file", "{good}", "--emit", "json", "--out", "/nonexistent-dir/p.json"], "does not exist"),
    ],
)
def test_bad_options(capsys, tmp_path, args, fragment):
    good = LEGACY_POLICY
    args = [a.format(tmp=tmp_path, good=good) for a in args]
    assert_one_clear_line(capsys, main(["preflight", *args]), fragment)


def test_installed_command_prints_no_traceback(tmp_path):
    beside_python = Path(sys.executable).parent / "sagecheck"
    exe = str(beside_python) if beside_python.exists() else shutil.which("sagecheck")
    if exe is None:
        pytest.skip("the sagecheck console script is not on PATH")
    proc = subprocess.run([exe, "preflight", "--policy-file", str(CORPUS / "invalid_json.json")],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_policy_emit_terraform_refuses_a_file_as_folder(capsys, tmp_path):
    target = tmp_path / "file.tf"
    target.write_text("keep me")
    assert_one_clear_line(capsys, main(["policy", "--emit", "terraform", "--out", str(target)]), "not a folder")
    assert target.read_text() == "keep me"


def test_allow_helper_is_valid(write_json, capsys):
    # Guards the corpus test itself: a valid file must not be rejected by the same path.
    assert main(["preflight", "--policy-file", str(write_json(allow("sagemaker:ListClusters")))]) == 1
