"""Writing results: whole files or nothing, and emitted policies in the format asked for."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from .errors import InputError

EMIT_FORMATS = ("json", "terraform", "cloudformation")


def check_writable(path: Path) -> Path:
    """Refuse an --out that cannot be written, before any work is done for it."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"--out {path}: is a folder; give a file path")
    if not path.parent.exists():
        raise InputError(f"--out {path}: folder {path.parent} does not exist")
    return path


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file."""
    path = check_writable(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit_policy(kind: str, entries: Sequence, scope, out: Path | None, *, with_role: bool) -> str:
    """Render `entries` as `kind` and write it to `out` (stdout for JSON/CloudFormation without --out).

    Returns a one-line description of what was written, for the user."""
    from .iam import generate

    if kind not in EMIT_FORMATS:
        raise InputError(f"--emit {kind!r}: choose one of {', '.join(EMIT_FORMATS)}")
    documents = generate.policy_documents(entries, scope)
    if kind == "terraform":
        if out is None:
            raise InputError("--emit terraform needs --out DIR, the folder for the module")
        if Path(out).exists() and not Path(out).is_dir():
            raise InputError(f"--out {out}: exists and is not a folder")
        generate.write_terraform(generate.render_terraform(documents, with_role=with_role, scope=scope), Path(out))
        return f"wrote Terraform module to {out} ({len(documents)} policy document(s))"
    if kind == "json" and out is not None and len(documents) > 1:
        # Each managed policy is its own document; an array would not load as a policy anywhere.
        paths = [Path(out).with_name(f"{Path(out).stem}-{n}{Path(out).suffix}") for n in range(1, len(documents) + 1)]
        texts = [generate.render_json([doc]) for doc in documents]
        for path, text in zip(paths, texts):
            write_atomic(path, text if text.endswith("\n") else text + "\n")
        return f"wrote {len(paths)} json policies (split at AWS's 6,144-character limit): " + ", ".join(map(str, paths))
    if kind == "json":
        text = generate.render_json(documents)
    else:
        text = generate.render_cloudformation(documents, with_role=with_role, scope=scope)
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return ""
    write_atomic(Path(out), text if text.endswith("\n") else text + "\n")
    return f"wrote {kind} policy to {out} ({len(documents)} policy document(s))"
