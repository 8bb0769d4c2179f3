"""The preflight report as a table: coverage first, then what each gap breaks, then excess grants."""
from __future__ import annotations

from ..iam.preflight import GRANTED, PreflightResult
from ..iam.review import summarize
from .console import render, table


def preflight_table(result: PreflightResult) -> str:
    granted = len(result.with_status(GRANTED))
    missing = len(result.with_status("missing"))
    inconclusive = len(result.with_status("inconclusive"))
    header = (
        f"Preflight for {result.principal} (method: {result.method}): "
        f"{granted} granted, {missing} missing, {inconclusive} inconclusive"
    )
    parts: list = [header]
    parts.append(
        table(
            "Resource-type coverage",
            ["type", "status", "missing actions"],
            [[c.type, c.status, ", ".join(c.missing_actions) or "-"] for c in result.coverage],
        )
    )
    gaps = [
        [o.action, o.status, _breaks(result, o.action), _unusual_reason(o.reason)]
        for o in result.outcomes
        if o.status != GRANTED
    ]
    if gaps:
        parts.append(table("What each gap breaks", ["action", "status", "without it", "why (if not simply ungranted)"], gaps))
    if result.excess:
        parts.append(
            table(
                "Granted beyond what sagecheck needs (riskiest first)",
                ["access level", "count", "examples"],
                [[level, str(count), ", ".join(examples)] for level, count, examples in summarize(result.excess)],
            )
        )
    parts.extend(f"note: {note}" for note in result.notes)
    return render(*parts)


def _breaks(result: PreflightResult, action: str) -> str:
    lost = [b for c in result.coverage for a, b in zip(c.missing_actions, c.breaks) if a == action]
    lost += [g.breaks for g in result.feature_gaps if action in g.missing_actions]
    return "; ".join(lost)


def _unusual_reason(reason: str) -> str:
    # "Nothing grants it" is the common case and the JSON has it; the table keeps denials and unknowns visible.
    return "-" if reason.startswith("no statement") else reason
