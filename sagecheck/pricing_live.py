"""Live SageMaker list prices from the AWS Price List API (`pricing:GetProducts`), cached on disk.

What is asked
-------------
Every request goes to the Price List endpoint in us-east-1 with `ServiceCode=AmazonSageMaker` and TERM_MATCH
filters on `regionCode`, on the usage attribute below and, when the caller names instance types, on
`instanceName` (one request per region x usage value x instance type; one per region x usage value without
them). Pages are followed by NextToken. The answer's `PriceList` is a list of JSON *strings*, each a product
document: `product.{productFamily, attributes, sku}`, `serviceCode`, `terms.{OnDemand, Reserved}`, `version`,
`publicationDate` (AWS API reference, GetProducts; the AWS CLI's `pricing get-products` example output).

Only the OnDemand term is read (Reserved terms and savings plans are ignored). Of its price dimensions, those
per hour (unit "Hrs") are read for instance usages and those per GB-month ("GB-Mo") for storage. A $0
dimension beside a paid one (a free-tier allowance) is dropped; a product whose only prices are $0, or that
has two different paid prices, gives no row. So does any product that does not map cleanly below: it is
skipped, never guessed, and the resources that needed it stay unpriced.

Attribute mapping (our usage -> Price List attributes)
------------------------------------------------------
Instance usages are products with `productFamily` "ML Instance", `locationType` "AWS Region", the instance
type in `instanceName` (e.g. "ml.m5.xlarge"; `instanceType` is not used: it can carry a suffix such as
"ml.c5.4xlarge-Cluster"), and the kind of usage in `platoinstancetype`. `usagetype` is
"<region prefix>-<operation>:<instance>", e.g. "USE1-Train:ml.m5.xlarge"; it is a cross-check: a product whose
usagetype does not end with its instance name, or whose operation is one we know for *another* usage, is
skipped.

| usage           | platoinstancetype (request filter)                        | usagetype operation            |
|-----------------|-----------------------------------------------------------|--------------------------------|
| training        | Training                                                  | Train                          |
| processing      | Processing                                                | Processing                     |
| transform       | BatchTransform                                            | Tsform                         |
| hosting         | Hosting                                                   | Host                           |
| async-inference | AsyncInf                                                  | AsyncInf                       |
| notebook        | Notebook                                                  | Notebk                         |
| studio          | Studio-JupyterLab, then studio-codeeditor, Studio-Notebook | Studio (e.g. Studio:JupyterLab-ml.t3.medium) |
| cluster         | Cluster (HyperPod on-demand; not Cluster-Reserved)        | Cluster                        |
| storage         | volumeType "General Purpose-Hosting" (productFamily "Storage") | Host:VolumeUsage.gp2, GB-Mo |
| mlflow          | not mapped: no public source names its attributes; not fetched, so MLflow servers stay unpriced |

For `studio`, one rate is kept per instance type: JupyterLab's, else Code Editor's, else Studio Classic's
(platoinstancetype "Studio-Notebook"). `storage` is one GB-month rate per region: the ML storage rate of
endpoints, which a real bill shows equal to notebook and training volumes (processing volumes differ; see
sagecheck/data/README.md). Not mapped, so skipped: SpotTraining, Cluster-Reserved, Processing_DW,
Processing_Geo, Studio (Data Wrangler), RStudio:*, TensorBoard, and any "*Free*" platoinstancetype.

Sources (public material, read 2026-12):
- platoinstancetype values: vantage-sh/ec2instances.info, its SageMaker scraper, whose map from every
  `platoinstancetype` of the "ML Instance" products in the AmazonSageMaker offer file lists Processing,
  Training, Hosting, Notebook, AsyncInf, BatchTransform, RStudio:*, Studio-Notebook, TensorBoard,
  Processing_DW, Studio, SpotTraining, Cluster, Cluster-Reserved, Studio-JupyterLab and studio-codeeditor, and
  which skips Processing_Geo and "Free" values; its newer scraper keys products on `instanceName` within
  productFamily "ML Instance" and locationType "AWS Region".
- A public boto3 `PricingClient` (Amazon-copyright style; its repository was not identified) filters
  productFamily "ML Instance", regionCode, instanceName and platoinstancetype "Hosting". awslabs/llmeter
  (llmeter/callbacks/cost/providers/sagemaker.py) filters component "Hosting" + instanceName with unit "Hrs",
  and storage by volumeType "General Purpose-Hosting" with unit "GB-Mo"; infracost's SageMaker endpoint
  resource (PR #3502, not merged) filters productFamily "Storage", volumeType "General Purpose-Hosting",
  usagetype /Host:VolumeUsage.gp2/.
- usagetype operations seen in published Price List and billing data: Train, Host, Processing, Notebk,
  AsyncInf, Cluster, Studio:JupyterLab-ml.*, and Tsform (batch transform; a single source).

Uncertain: the exact strings are taken from third-party code, not from an AWS reference page. If AWS renames
a platoinstancetype, its request returns nothing and that usage is simply absent (unpriced), not wrong.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Sequence

import botocore.exceptions

from .errors import AwsUnavailable, InputError
from .output import write_atomic
from .pricing import USAGES, PriceBook, PriceRow, parse_csv, to_csv

SERVICE_CODE = "AmazonSageMaker"
PRICING_API_REGION = "us-east-1"  # the Price List API endpoint; the priced region is a filter
PAGE_SIZE = 100  # GetProducts' maximum MaxResults
DEFAULT_MAX_AGE = timedelta(days=7)
CACHE_VERSION = 1  # bump when the mapping changes, so old caches are not reused

# usage -> (request filter field, values in order of preference)
USAGE_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "training": ("platoinstancetype", ("Training",)),
    "processing": ("platoinstancetype", ("Processing",)),
    "transform": ("platoinstancetype", ("BatchTransform",)),
    "hosting": ("platoinstancetype", ("Hosting",)),
    "async-inference": ("platoinstancetype", ("AsyncInf",)),
    "notebook": ("platoinstancetype", ("Notebook",)),
    "studio": ("platoinstancetype", ("Studio-JupyterLab", "studio-codeeditor", "Studio-Notebook")),
    "cluster": ("platoinstancetype", ("Cluster",)),
    "storage": ("volumeType", ("General Purpose-Hosting",)),
}
UNMAPPED_USAGES = {"mlflow": "no public source names the Price List attributes of MLflow tracking servers"}

INSTANCE_FAMILY = "ML Instance"
STORAGE_FAMILY = "Storage"
STORAGE_USAGETYPE_SUFFIX = "Host:VolumeUsage.gp2"
# platoinstancetype -> (usage, preference rank within that usage)
PLATO_TO_USAGE = {
    value: (usage, rank)
    for usage, (attr, values) in USAGE_FILTERS.items() if attr == "platoinstancetype"
    for rank, value in enumerate(values)
}
USAGETYPE_OPERATION_TO_USAGE = {
    "Train": "training", "Processing": "processing", "Tsform": "transform", "Host": "hosting",
    "AsyncInf": "async-inference", "Notebk": "notebook", "Studio": "studio", "Cluster": "cluster",
}
HOUR_UNITS = {"hrs", "hr", "hour", "hours"}
GB_MONTH_UNITS = {"gb-mo", "gb-month", "gb-months"}
_USAGETYPE = re.compile(r"^(?:[A-Z0-9]+-)?(?P<operation>[^:]+):(?P<detail>.+)$")
_INSTANCE = re.compile(r"ml\.[a-z0-9]+\.[a-z0-9]+$")
_DENIED = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnrecognizedClientException",
           "InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken"}


class PricingUnavailable(AwsUnavailable):
    """Live prices cannot be read (denied, unreachable, no credentials). The caller falls back and says so."""

    def __init__(self, reason: str):
        super().__init__(f"live prices unavailable: {reason}")
        self.reason = reason


@dataclass
class Fetched:
    """What a fetch produced: rows, when each region's rows were fetched from AWS, and what was left out."""

    rows: list[PriceRow] = field(default_factory=list)
    fetched_at: dict[str, datetime] = field(default_factory=dict)
    from_cache: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sku, reason)

    def fetched_label(self) -> str:
        if not self.fetched_at:
            return "nothing fetched"
        times = sorted(set(self.fetched_at.values()))
        if len(times) == 1:
            return f"fetched {_iso(times[0])}"
        return f"fetched {_iso(times[0])} to {_iso(times[-1])}"


# ---------------------------------------------------------------------------------------------- public API

def fetch_rows(clients, regions: Iterable[str], instance_types: Iterable[str] | None = None,
               usages: Sequence[str] = USAGES, cache_dir: Path | str | None = None,
               max_age: timedelta = DEFAULT_MAX_AGE, now: datetime | None = None) -> list[PriceRow]:
    """On-demand price rows for `regions`, from a fresh enough cache or from pricing:GetProducts."""
    return fetch(clients, regions, instance_types, usages, cache_dir, max_age, now).rows


def fetch(clients, regions: Iterable[str], instance_types: Iterable[str] | None = None,
          usages: Sequence[str] = USAGES, cache_dir: Path | str | None = None,
          max_age: timedelta = DEFAULT_MAX_AGE, now: datetime | None = None) -> Fetched:
    """As fetch_rows, with when each region was fetched and what was left out."""
    now = _utc(now or datetime.now(timezone.utc))
    usages = _check_usages(usages)
    types = None if instance_types is None else sorted(set(instance_types))
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    result = Fetched()
    for usage in usages:
        if usage in UNMAPPED_USAGES:
            result.notes.append(f"live prices: '{usage}' is not fetched ({UNMAPPED_USAGES[usage]}); "
                                f"those resources stay unpriced")
    for region in sorted(set(regions)):
        path = cache / _cache_name(region, usages, types)
        cached = _read_cache(path, now, max_age)
        if cached is not None:
            rows, fetched_at = cached
            result.from_cache.add(region)
        else:
            rows, notes, skipped = _fetch_region(clients, region, usages, types)
            fetched_at = now
            rows = _write_cache(path, region, usages, types, rows, fetched_at, result.notes)
            result.notes.extend(notes)
            result.skipped.extend(skipped)
        result.rows.extend(rows)
        result.fetched_at[region] = fetched_at
    return result


def live_book(clients, regions: Iterable[str], **kwargs) -> PriceBook:
    """A PriceBook of live on-demand rates; raises PricingUnavailable when they cannot be read."""
    fetched = fetch(clients, regions, **kwargs)
    book = PriceBook.from_rows(fetched.rows, f"live pricing:GetProducts ({fetched.fetched_label()})")
    book.notes.extend(fetched.notes)
    return book


def pull_text(clients, regions: Iterable[str], *, instance_types: Iterable[str] | None = None,
              usages: Sequence[str] = USAGES, cache_dir: Path | str | None = None,
              max_age: timedelta = timedelta(0), now: datetime | None = None) -> str:
    """The price CSV for `sagecheck prices pull`. By default it always asks AWS (max_age 0) and refreshes the cache."""
    fetched = fetch(clients, regions, instance_types, usages, cache_dir, max_age, now)
    oldest = min(fetched.fetched_at.values(), default=_utc(now or datetime.now(timezone.utc)))
    comments = [
        "sagecheck live prices: on-demand USD list rates from pricing:GetProducts (ServiceCode AmazonSageMaker)",
        f"fetched: {_iso(oldest)}",
        f"regions: {' '.join(sorted(fetched.fetched_at))}",
        "attribute mapping: see sagecheck/pricing_live.py",
        *fetched.notes,
    ]
    return to_csv(fetched.rows, comments)


def pull(clients, regions: Iterable[str], out_path: Path | str, **kwargs) -> list[PriceRow]:
    """Write the pulled CSV to `out_path` (atomically) and return its rows."""
    text = pull_text(clients, regions, **kwargs)
    out = Path(out_path)
    try:
        _atomic_write(out, text)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc.__class__.__name__}") from None
    return parse_csv(text, str(out))


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "sagecheck" / "prices"


# ---------------------------------------------------------------------------------------- reading products

def rows_from_price_list(region: str, price_list: Iterable[str | dict],
                         instance_types: Iterable[str] | None = None) -> tuple[list[PriceRow], list[str], list]:
    """Rows from GetProducts' PriceList entries for one region: (rows, notes, skipped [(sku, reason)]).

    Where two products give one (usage, instance type), the preferred platoinstancetype wins; equal
    preference with different prices is ambiguous, so that key gets no row and a note.
    """
    wanted = None if instance_types is None else set(instance_types)
    candidates: dict[tuple[str, str], list[tuple[int, float, str]]] = {}
    skipped: list[tuple[str, str]] = []
    for entry in price_list:
        doc = json.loads(entry) if isinstance(entry, str) else entry
        sku = str(_get(doc, "product", "sku") or "?")
        found = classify(doc, region)
        if isinstance(found, str):
            skipped.append((sku, found))
            continue
        usage, instance_type, rank = found
        if usage != "storage" and wanted is not None and instance_type not in wanted:
            skipped.append((sku, f"{instance_type} was not asked for"))
            continue
        price = on_demand_price(doc, GB_MONTH_UNITS if usage == "storage" else HOUR_UNITS)
        if isinstance(price, str):
            skipped.append((sku, price))
            continue
        candidates.setdefault((usage, instance_type), []).append((rank, price, sku))
    rows, notes = [], []
    for (usage, instance_type), options in sorted(candidates.items()):
        best = min(rank for rank, _, _ in options)
        prices = sorted({price for rank, price, _ in options if rank == best})
        if len(prices) > 1:
            label = f"{usage} {instance_type}".strip()
            notes.append(f"live prices: {region} {label} has several on-demand prices "
                         f"({', '.join(f'{p:g}' for p in prices)}); left unpriced")
            continue
        unit = "gb-month" if usage == "storage" else "hour"
        rows.append(PriceRow(region, usage, instance_type, unit, prices[0]))
    return rows, notes, skipped


def classify(doc: dict, region: str | None = None) -> tuple[str, str, int] | str:
    """(usage, instance type, preference rank) for one product document, or the reason it is skipped."""
    product = doc.get("product") or {}
    attrs = product.get("attributes") or {}
    family = product.get("productFamily") or attrs.get("productFamily")
    if region and attrs.get("regionCode") not in (None, region):
        return f"regionCode {attrs.get('regionCode')} is not {region}"
    if attrs.get("locationType") not in (None, "AWS Region"):
        return f"locationType {attrs.get('locationType')} is not an AWS Region"
    usagetype = attrs.get("usagetype") or ""
    if family == STORAGE_FAMILY:
        if attrs.get("volumeType") == USAGE_FILTERS["storage"][1][0] or usagetype.endswith(STORAGE_USAGETYPE_SUFFIX):
            return "storage", "", 0
        return f"storage product {attrs.get('volumeType') or usagetype!r} is not ML hosting storage"
    if family != INSTANCE_FAMILY:
        return f"productFamily {family!r} is not mapped"
    parsed = _USAGETYPE.match(usagetype)
    by_usagetype = USAGETYPE_OPERATION_TO_USAGE.get(parsed["operation"]) if parsed else None
    plato = attrs.get("platoinstancetype")
    if plato is not None:
        if plato not in PLATO_TO_USAGE:
            return f"platoinstancetype {plato!r} is not mapped"
        usage, rank = PLATO_TO_USAGE[plato]
        if by_usagetype is not None and by_usagetype != usage:
            return f"platoinstancetype {plato!r} and usagetype {usagetype!r} disagree"
    elif by_usagetype is not None:
        usage, rank = by_usagetype, 0
    else:
        return f"neither platoinstancetype nor usagetype {usagetype!r} is mapped"
    instance_type = attrs.get("instanceName") or ""
    if not instance_type and parsed:
        match = _INSTANCE.search(parsed["detail"])
        instance_type = match.group(0) if match else ""
    if not _INSTANCE.fullmatch(instance_type):
        return f"no ml.* instance name ({instance_type or usagetype!r})"
    if usagetype and not usagetype.endswith(instance_type):
        return f"usagetype {usagetype!r} does not name {instance_type}"
    return usage, instance_type, rank


def on_demand_price(doc: dict, units: set[str]) -> float | str:
    """The product's OnDemand USD price per one of `units`, or the reason there is none."""
    prices = []
    for term in (_get(doc, "terms", "OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            if str(dimension.get("unit", "")).lower() not in units:
                continue
            usd = (dimension.get("pricePerUnit") or {}).get("USD")
            try:
                prices.append(float(usd))
            except (TypeError, ValueError):
                continue
    paid = {price for price in prices if price > 0}
    if len(paid) == 1:
        return paid.pop()
    if not prices:
        return f"no OnDemand USD price per {'/'.join(sorted(units))}"
    if not paid:
        return "only $0 OnDemand prices (a free tier, not a rate)"
    return f"several paid OnDemand prices ({', '.join(f'{p:g}' for p in sorted(paid))})"


# ----------------------------------------------------------------------------------------------- internals

def _fetch_region(clients, region: str, usages: Sequence[str], instance_types: list[str] | None):
    client = clients.client("pricing", PRICING_API_REGION)
    price_list: list[str] = []
    for usage in usages:
        if usage not in USAGE_FILTERS:
            continue
        attr, values = USAGE_FILTERS[usage]
        names: list[str | None] = [None] if usage == "storage" or instance_types is None else list(instance_types)
        for value in values:
            for name in names:
                filters = [_term("regionCode", region), _term(attr, value)]
                if name is not None:
                    filters.append(_term("instanceName", name))
                price_list.extend(_get_products(client, filters))
    return rows_from_price_list(region, price_list, instance_types)


def _get_products(client, filters: list[dict]) -> list[str]:
    out: list[str] = []
    token = None
    try:
        while True:
            kwargs = {"ServiceCode": SERVICE_CODE, "Filters": filters, "FormatVersion": "aws_v1",
                      "MaxResults": PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            page = client.get_products(**kwargs)
            out.extend(page.get("PriceList") or [])
            token = page.get("NextToken")
            if not token:
                return out
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Unknown"
        detail = f"{code}: {error['Message']}" if error.get("Message") else code
        verb = "was denied" if code in _DENIED else "failed"
        raise PricingUnavailable(f"pricing:GetProducts {verb} ({detail})") from None
    except botocore.exceptions.ParamValidationError:
        raise
    except botocore.exceptions.BotoCoreError as exc:
        raise PricingUnavailable(f"pricing:GetProducts could not be called ({exc})") from None


def _term(field_name: str, value: str) -> dict:
    return {"Type": "TERM_MATCH", "Field": field_name, "Value": value}


def _check_usages(usages: Sequence[str]) -> list[str]:
    unknown = [u for u in usages if u not in USAGES]
    if unknown:
        raise InputError(f"unknown usage(s) {', '.join(unknown)}; expected some of {', '.join(USAGES)}")
    return sorted(set(usages), key=USAGES.index)


def _cache_name(region: str, usages: Sequence[str], instance_types: list[str] | None) -> str:
    key = json.dumps({"v": CACHE_VERSION, "region": region, "usages": list(usages), "instance_types": instance_types},
                     sort_keys=True)
    return f"{region}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.csv"


def _read_cache(path: Path, now: datetime, max_age: timedelta) -> tuple[list[PriceRow], datetime] | None:
    """Rows and fetch time of a cache younger than max_age; None when absent, stale, in the future or unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    stamp = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# fetched:")), "")
    try:
        fetched_at = _utc(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
    except ValueError:
        return None
    if not timedelta(0) <= now - fetched_at < max_age:
        return None
    try:
        return parse_csv(text, str(path)), fetched_at
    except InputError:
        return None


def _write_cache(path: Path, region: str, usages, instance_types, rows, fetched_at: datetime,
                 notes: list[str]) -> list[PriceRow]:
    """Write the cache and return the rows as read back from its text, so a cached read gives the same rows."""
    text = to_csv(rows, [
        f"fetched: {_iso(fetched_at)}",
        f"sagecheck live price cache: pricing:GetProducts {SERVICE_CODE} region {region}",
        f"usages: {' '.join(usages)}",
        f"instance types: {' '.join(instance_types) if instance_types is not None else 'all'}",
    ])
    try:
        _atomic_write(path, text)
    except OSError as exc:
        notes.append(f"live prices: cache {path} not written ({exc.strerror or exc.__class__.__name__})")
    return parse_csv(text, str(path))


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)  # the cache folder may not exist yet
    write_atomic(path, text)


def _get(doc, *keys):
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _iso(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
