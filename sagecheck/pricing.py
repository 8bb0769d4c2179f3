"""The price book: hourly and GB-month rates by (region, usage, instance type), from one chosen source.

Sources are the bundled snapshot, a user CSV, or live `pricing:GetProducts` (see pricing_live.py); a CSV of
negotiated rates can be layered over any of them. A lookup that finds no row returns None: unpriced,
never $0.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

from .errors import InputError

HEADER = ["region", "usage", "instance_type", "unit", "usd"]
INSTANCE_USAGES = ("training", "processing", "transform", "hosting", "async-inference", "notebook", "studio",
                   "cluster", "mlflow")
USAGES = (*INSTANCE_USAGES, "storage")
BUNDLED = "prices-bundled.csv"


@dataclass(frozen=True)
class PriceRow:
    region: str
    usage: str
    instance_type: str
    unit: str
    usd: float


@dataclass
class PriceBook:
    source: str
    rates: dict[tuple[str, str, str], float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def rate(self, region: str, usage: str, instance_type: str | None = "") -> float | None:
        return self.rates.get((region, usage, instance_type or ""))

    def storage_rate(self, region: str) -> float | None:
        return self.rate(region, "storage", "")

    def overlay(self, other: "PriceBook") -> "PriceBook":
        """Negotiated rates win over the chosen source, row by row."""
        merged = PriceBook(f"{self.source} + overrides ({other.source})", {**self.rates, **other.rates},
                           [*self.notes, *other.notes])
        return merged

    @classmethod
    def from_rows(cls, rows: Iterable[PriceRow], source: str) -> "PriceBook":
        return cls(source, {(r.region, r.usage, r.instance_type): r.usd for r in rows})


def parse_csv(text: str, source: str) -> list[PriceRow]:
    """Rows of a price CSV; '#' lines are comments. Any bad line is an InputError naming its line number."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise InputError(f"{source}: no price rows (expected the header {','.join(HEADER)})")
    header_no, header = lines[0]
    if [h.strip() for h in next(csv.reader([header]))] != HEADER:
        raise InputError(f"{source}: line {header_no}: header must be {','.join(HEADER)}")
    rows = []
    for number, line in lines[1:]:
        cells = [c.strip() for c in next(csv.reader(io.StringIO(line)))]
        if len(cells) != len(HEADER):
            raise InputError(f"{source}: line {number}: expected {len(HEADER)} columns, got {len(cells)}")
        region, usage, instance_type, unit, usd = cells
        if usage not in USAGES:
            raise InputError(f"{source}: line {number}: usage {usage!r} is not one of {', '.join(USAGES)}")
        expected_unit = "gb-month" if usage == "storage" else "hour"
        if unit != expected_unit:
            raise InputError(f"{source}: line {number}: unit for {usage} must be {expected_unit!r}, got {unit!r}")
        if usage == "storage" and instance_type:
            raise InputError(f"{source}: line {number}: storage rows have an empty instance_type")
        if usage != "storage" and not instance_type:
            raise InputError(f"{source}: line {number}: {usage} rows need an instance_type")
        try:
            price = float(usd)
        except ValueError:
            raise InputError(f"{source}: line {number}: usd {usd!r} is not a number") from None
        if not price >= 0:
            raise InputError(f"{source}: line {number}: usd must be zero or more, got {usd!r}")
        if not region:
            raise InputError(f"{source}: line {number}: empty region")
        rows.append(PriceRow(region, usage, instance_type, unit, price))
    return rows


def load_csv(path: Path) -> PriceBook:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"price file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"price file {path}: cannot be read ({exc.__class__.__name__})") from None
    return PriceBook.from_rows(parse_csv(text, str(path)), f"csv:{Path(path).name}")


def bundled() -> PriceBook:
    text = resources.files("sagecheck").joinpath("data", BUNDLED).read_text(encoding="utf-8")
    as_of = next((line.split(":", 1)[1].split()[0] for line in text.splitlines() if line.startswith("# as-of:")), "")
    book = PriceBook.from_rows(parse_csv(text, BUNDLED), f"bundled snapshot {as_of}".strip())
    if "# inferred:" in text:
        book.notes.append("the bundled snapshot contains inferred rows; see its header")
    return book


def to_csv(rows: Iterable[PriceRow], comments: Iterable[str] = ()) -> str:
    out = io.StringIO()
    for comment in comments:
        out.write(f"# {comment}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in sorted(rows, key=lambda r: (r.region, r.usage, r.instance_type)):
        writer.writerow([row.region, row.usage, row.instance_type, row.unit, f"{row.usd:.10g}"])
    return out.getvalue()
