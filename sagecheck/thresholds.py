"""The thresholds every recommendation rule judges by: documented defaults, overridable from a JSON or TOML file.

Defaults (percentages are of the whole instance: summed CPU and GPU metrics are divided by the count first):
- lookback_days = 14: the window for idle and utilisation judgements; endpoints younger than it are skipped.
- idle_max_invocations = 0: an endpoint variant is idle when its Invocations sum over the lookback is at most this.
- overprovisioned_cpu_pct = 20, overprovisioned_gpu_pct = 20, overprovisioned_memory_pct = 30,
  overprovisioned_gpu_memory_pct = 30: an instance whose peaks all stay under these is over-provisioned.
- rightsize_max_peak_pct = 60: a smaller type or fewer instances are proposed only if the observed peak,
  rescaled onto them, stays at or under this.
- min_endpoint_instances = 2: fewer endpoint instances never go below this. AWS Security Hub control
  SageMaker.4 asks production variants for an initial instance count greater than 1, for availability.
- idle_notebook_days = 3: an in-service notebook with no activity for this long is idle.
- idle_app_days = 3: a Studio app with no user activity (LastUserActivityTimestamp) for this long is idle.
- idle_cluster_pct = 5: a HyperPod cluster whose every group peaks under this is idle.
- spot_default_savings_pct = 30: the managed-spot saving assumed when the account has no spot jobs of that type.
- schedule_days = Mon-Fri, schedule_start = 08:00, schedule_end = 20:00 (UTC): the nights-and-weekends window,
  on inside it and off outside.

Why 30 % for spot: AWS says managed spot training "can optimize the cost of training models up to 90% over
on-demand instances" (https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html). That is
a ceiling, not an expectation: spot discounts vary by instance type, region and hour, and interruptions add
billable restarts. A third of the ceiling is a figure few accounts will fail to reach; the account's own
observed ratio replaces it whenever spot jobs of that instance type exist.
"""
from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import InputError
from .schedule import DAYS

CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Thresholds:
    lookback_days: int = 14
    idle_max_invocations: float = 0
    overprovisioned_cpu_pct: float = 20
    overprovisioned_gpu_pct: float = 20
    overprovisioned_memory_pct: float = 30
    overprovisioned_gpu_memory_pct: float = 30
    rightsize_max_peak_pct: float = 60
    min_endpoint_instances: int = 2
    idle_notebook_days: float = 3
    idle_app_days: float = 3
    idle_cluster_pct: float = 5
    spot_default_savings_pct: float = 30
    schedule_days: tuple[str, ...] = DAYS[:5]
    schedule_start: str = "08:00"
    schedule_end: str = "20:00"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}


DEFAULTS = Thresholds()
PERCENTS = {f.name for f in fields(Thresholds) if f.name.endswith("_pct")}


def _check(name: str, value: Any, where: str) -> Any:
    if name == "schedule_days":
        if not isinstance(value, list) or not value or any(d not in DAYS for d in value):
            raise InputError(f"{where}: schedule_days must be a non-empty list of {', '.join(DAYS)}")
        return tuple(d for d in DAYS if d in value)
    if name in ("schedule_start", "schedule_end"):
        if not isinstance(value, str) or not CLOCK.match(value):
            raise InputError(f"{where}: {name} must be a 24-hour time like \"08:00\", got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise InputError(f"{where}: {name} must be a number of zero or more, got {value!r}")
    if name in PERCENTS and value > 100:
        raise InputError(f"{where}: {name} is a percentage (0-100), got {value!r}")
    if name in ("lookback_days", "min_endpoint_instances"):
        if value != int(value) or value < 1:
            raise InputError(f"{where}: {name} must be a whole number, 1 or more, got {value!r}")
        return int(value)
    return value


def from_mapping(document: Any, where: str = "thresholds", base: Thresholds = DEFAULTS) -> Thresholds:
    """Overrides from a mapping; the keys may also sit under a `thresholds` table."""
    if isinstance(document, dict) and isinstance(document.get("thresholds"), dict) and len(document) == 1:
        document = document["thresholds"]
    if not isinstance(document, dict):
        raise InputError(f"{where}: expected a table of threshold names to values")
    known = {f.name for f in fields(Thresholds)}
    unknown = sorted(set(document) - known)
    if unknown:
        raise InputError(f"{where}: unknown threshold {unknown[0]!r} (known: {', '.join(sorted(known))})")
    values = {name: _check(name, value, where) for name, value in document.items()}
    if values.get("schedule_start", base.schedule_start) == values.get("schedule_end", base.schedule_end):
        raise InputError(f"{where}: schedule_start and schedule_end must differ")
    return replace(base, **values)


def load(path: Path | str, base: Thresholds = DEFAULTS) -> Thresholds:
    """Thresholds from a .json or .toml file; anything wrong is one InputError line naming the file."""
    path = Path(path)
    where = f"thresholds file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{where}: cannot be read ({exc.__class__.__name__})") from None
    toml = path.suffix.lower() == ".toml" or (path.suffix.lower() != ".json" and not text.lstrip().startswith("{"))
    try:
        document = tomllib.loads(text) if toml else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: invalid TOML ({' '.join(str(exc).split())})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from None
    return from_mapping(document, where, base)
