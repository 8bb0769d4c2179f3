"""Live prices from pricing:GetProducts, answered at the HTTP layer by a fake that serves AWS-shaped documents.

moto has no Price List service. FakeAws answers GetProducts before moto sees it, through botocore's real
parser, error mapping and retries. The fake honours the request's TERM_MATCH filters and pages its answer,
so a test that finds a row also proves the filters that selected it were sent.
"""
import json
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from sagecheck import pricing_live
from sagecheck.demo.fakes import FakeAws, FakeError, FaultPlan
from sagecheck.errors import AwsUnavailable
from sagecheck.pricing import USAGES, PriceRow, parse_csv
from sagecheck.pricing_live import PricingUnavailable, fetch, fetch_rows, live_book, pull, rows_from_price_list
from sagecheck.session import read_only_clients

FIXTURES = Path(__file__).parent / "fixtures" / "pricing"
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)


def products(name):
    return json.loads((FIXTURES / name).read_text())["products"]


PRODUCTS = products("sagemaker-products.json")
UNMAPPED = products("unmapped-products.json")

# What eu-west-1's products give: the rates of the December 2023 bill. The training row is the OnDemand rate
# (not the Reserved 0.1799); the hosting ml.m5.xlarge row is the paid rate (not the $0 free tier, nor the
# Outposts product at 0.9).
EU_WEST_1 = {
    ("training", "ml.m5.xlarge"): 0.257,
    ("training", "ml.g4dn.xlarge"): 0.822,
    ("training", "ml.g5.xlarge"): 1.57,
    ("training", "ml.p3.2xlarge"): 4.131,
    ("hosting", "ml.m5.xlarge"): 0.257,
    ("hosting", "ml.g4dn.xlarge"): 0.821,
    ("hosting", "ml.g4dn.4xlarge"): 1.678,
    ("processing", "ml.m5.xlarge"): 0.257,
    ("transform", "ml.m5.xlarge"): 0.257,
    ("notebook", "ml.t3.medium"): 0.055,
    ("studio", "ml.t3.medium"): 0.055,
    ("studio", "ml.m5.large"): 0.128,
    ("studio", "ml.g4dn.xlarge"): 0.8218,
    ("storage", ""): 0.154,
}


class PriceListService:
    """GetProducts as AWS answers it: TERM_MATCH filters honoured, pages of at most `page_size` products,
    each product a JSON string in PriceList, and an opaque NextToken while more remain."""

    def __init__(self, catalogue, page_size=2):
        self.catalogue, self.page_size = catalogue, page_size
        self.requests = []

    def __call__(self, params):
        self.requests.append(params)
        assert params["ServiceCode"] == "AmazonSageMaker"
        matching = [p for p in self.catalogue if all(self._matches(p, f) for f in params.get("Filters", []))]
        start = int(params["NextToken"].removeprefix("page-")) if params.get("NextToken") else 0
        end = start + min(self.page_size, params.get("MaxResults", 100))
        body = {"FormatVersion": "aws_v1", "PriceList": [json.dumps(p) for p in matching[start:end]]}
        if end < len(matching):
            body["NextToken"] = f"page-{end}"
        return body

    @staticmethod
    def _matches(product, term):
        assert term["Type"] == "TERM_MATCH"
        if term["Field"] == "productFamily":
            return product["product"]["productFamily"] == term["Value"]
        return product["product"]["attributes"].get(term["Field"]) == term["Value"]

    def filters(self):
        """Each request's filters as {field: value}."""
        return [{f["Field"]: f["Value"] for f in r["Filters"]} for r in self.requests]


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def live(aws, tmp_path):
    """A session with the fake installed before any client exists; clients come through the read-only guard."""
    session = boto3.Session(region_name="eu-west-1")
    fake, service = FakeAws(), PriceListService(PRODUCTS)
    fake.on("pricing", "GetProducts", service)
    fake.install(session)
    clients = read_only_clients(session)
    asked = []  # (service, region) of every client asked for
    make_client = clients.client

    def client(name, region=None):
        asked.append((name, region))
        return make_client(name, region)

    clients.client = client
    return types.SimpleNamespace(fake=fake, service=service, clients=clients, asked=asked, cache=tmp_path / "cache")


@pytest.fixture
def no_sleep(monkeypatch):
    """Skip the back-off between retries; the adaptive rate limiter still waits after a throttle."""
    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda _: None))


def rates(rows, region):
    return {(r.usage, r.instance_type): r.usd for r in rows if r.region == region}


def get(live, regions=("eu-west-1",), now=NOW, **kwargs):
    return fetch_rows(live.clients, list(regions), cache_dir=live.cache, now=now, **kwargs)


def test_a_region_is_priced_from_its_on_demand_terms(live):
    rows = get(live)
    assert rates(rows, "eu-west-1") == EU_WEST_1
    assert {r.unit for r in rows if r.usage == "storage"} == {"gb-month"}
    assert {r.unit for r in rows if r.usage != "storage"} == {"hour"}
    assert set(live.asked) == {("pricing", "us-east-1")}  # the Price List endpoint, whatever region is priced


def test_each_usage_is_asked_for_by_region_and_its_price_list_attribute(live):
    get(live)
    sent = live.service.filters()
    assert all(f["regionCode"] == "eu-west-1" for f in sent)
    assert {f.get("platoinstancetype") or f.get("volumeType") for f in sent} == {
        "Training", "Processing", "BatchTransform", "Hosting", "AsyncInf", "Notebook",
        "Studio-JupyterLab", "studio-codeeditor", "Studio-Notebook", "Cluster", "General Purpose-Hosting",
    }
    assert not any("instanceName" in f for f in sent)


def test_instance_types_are_sent_as_instance_name_filters(live):
    rows = get(live, instance_types=["ml.m5.xlarge", "ml.t3.medium"], usages=("training", "notebook", "storage"))
    assert rates(rows, "eu-west-1") == {
        ("training", "ml.m5.xlarge"): 0.257, ("notebook", "ml.t3.medium"): 0.055, ("storage", ""): 0.154,
    }
    sent = [(f.get("platoinstancetype") or f["volumeType"], f.get("instanceName")) for f in live.service.filters()]
    assert sorted(set(sent)) == [
        ("General Purpose-Hosting", None),  # storage has no instance type
        ("Notebook", "ml.m5.xlarge"), ("Notebook", "ml.t3.medium"),
        ("Training", "ml.m5.xlarge"), ("Training", "ml.t3.medium"),
    ]


def test_on_demand_is_read_and_reserved_and_free_tier_are_not(live):
    training_m5 = next(p for p in PRODUCTS if p["product"]["attributes"]["usagetype"] == "EU-Train:ml.m5.xlarge")
    assert "Reserved" in training_m5["terms"]  # the fixture offers a cheaper reserved rate...
    rows = rates(get(live, usages=("training", "hosting")), "eu-west-1")
    assert rows[("training", "ml.m5.xlarge")] == 0.257  # ...which is not taken
    assert rows[("hosting", "ml.m5.xlarge")] == 0.257  # the $0 free-tier dimension beside it is dropped


def test_pages_are_followed(live):
    rows = get(live, usages=("studio",))
    studio = [r for r in live.service.requests if r["Filters"][1]["Value"] == "Studio-JupyterLab"]
    assert [r.get("NextToken") for r in studio] == [None, "page-2"]  # three products, pages of two
    assert set(rates(rows, "eu-west-1")) == {("studio", "ml.t3.medium"), ("studio", "ml.m5.large"),
                                             ("studio", "ml.g4dn.xlarge")}


def test_products_that_do_not_map_are_skipped_and_say_why(live):
    result = fetch(live.clients, ["eu-west-1"], usages=("hosting",), cache_dir=live.cache, now=NOW)
    assert rates(result.rows, "eu-west-1")[("hosting", "ml.m5.xlarge")] == 0.257
    assert [reason for _, reason in result.skipped] == ["locationType AWS Outposts is not an AWS Region"]

    rows, notes, skipped = rows_from_price_list("us-east-1", [json.dumps(p) for p in UNMAPPED])
    assert rows == [] and notes == []
    reasons = dict(skipped)
    assert len(reasons) == len(UNMAPPED)
    assert sorted(reasons.values()) == sorted([
        "platoinstancetype 'SpotTraining' is not mapped",
        "platoinstancetype 'Cluster-Reserved' is not mapped",
        "platoinstancetype 'Processing_DW' is not mapped",
        "platoinstancetype 'TensorBoard' is not mapped",
        "regionCode eu-west-1 is not us-east-1",
        "platoinstancetype 'Hosting' and usagetype 'USE1-Train:ml.m5.large' disagree",
        "only $0 OnDemand prices (a free tier, not a rate)",
        "productFamily 'ML Serverless' is not mapped",
    ])


def test_studio_takes_jupyterlab_then_code_editor_then_classic(live):
    rows = rates(get(live, regions=["us-east-1"], usages=("studio",)), "us-east-1")
    assert rows == {("studio", "ml.t3.medium"): 0.05,  # JupyterLab and Code Editor agree
                    ("studio", "ml.m5.large"): 0.115, ("studio", "ml.g5.8xlarge"): 3.06,
                    ("studio", "ml.m5.xlarge"): 0.23}  # only Studio Classic lists it

    jupyter, editor = _priced("Studio-JupyterLab", 0.05), _priced("studio-codeeditor", 0.07)
    assert rows_from_price_list("us-east-1", [editor, jupyter])[0] == [
        PriceRow("us-east-1", "studio", "ml.t3.medium", "hour", 0.05)]
    # Two prices at the same preference are ambiguous: no row, and a note that says so.
    rows, notes, _ = rows_from_price_list("us-east-1", [jupyter, _priced("Studio-JupyterLab", 0.06)])
    assert rows == [] and notes == ["live prices: us-east-1 studio ml.t3.medium has several on-demand prices "
                                    "(0.05, 0.06); left unpriced"]


def _priced(plato, usd):
    """The us-east-1 ml.t3.medium studio product of `plato`, at `usd`."""
    base = next(p for p in PRODUCTS if p["product"]["attributes"]["regionCode"] == "us-east-1"
                and p["product"]["attributes"]["platoinstancetype"] == "studio-codeeditor")
    doc = json.loads(json.dumps(base))
    doc["product"]["attributes"]["platoinstancetype"] = plato
    for term in doc["terms"]["OnDemand"].values():
        for dimension in term["priceDimensions"].values():
            dimension["pricePerUnit"]["USD"] = f"{usd:.10f}"
    return doc


def test_mlflow_has_no_mapping_so_it_is_not_asked_for(live):
    result = fetch(live.clients, ["eu-west-1"], usages=("mlflow",), cache_dir=live.cache, now=NOW)
    assert result.rows == [] and live.service.requests == []
    assert result.notes == ["live prices: 'mlflow' is not fetched (no public source names the Price List "
                            "attributes of MLflow tracking servers); those resources stay unpriced"]


def test_regions_are_priced_separately(live):
    rows = get(live, regions=["ap-northeast-1", "eu-west-1", "us-east-1"])
    assert rates(rows, "ap-northeast-1") == {("async-inference", "ml.g6.xlarge"): 1.6341,
                                             ("training", "ml.g6.xlarge"): 1.634}
    assert rates(rows, "eu-west-1") == EU_WEST_1
    assert rates(rows, "us-east-1")[("cluster", "ml.g5.8xlarge")] == 3.06
    assert rates(rows, "us-east-1")[("training", "ml.m5.large")] == 0.115


def test_the_cache_is_reused_while_young_and_refetched_when_old(live):
    first = get(live)
    calls = len(live.fake.calls)
    assert calls > 0
    [cached] = list(live.cache.iterdir())  # one file for the region; no temporary file left behind
    assert cached.name.startswith("eu-west-1-") and cached.suffix == ".csv"
    text = cached.read_text()
    assert text.startswith("# fetched: 2026-12-04T10:00:00Z\n")
    assert parse_csv(text, "cache") == first

    assert get(live, now=NOW + timedelta(days=6, hours=23)) == first
    assert len(live.fake.calls) == calls  # no call while the cache is younger than max_age

    assert get(live, now=NOW + timedelta(days=7)) == first
    assert len(live.fake.calls) == 2 * calls  # seven days old: asked again, and the cache renewed
    assert cached.read_text().startswith("# fetched: 2026-12-11T10:00:00Z\n")

    get(live, now=NOW + timedelta(days=7), max_age=timedelta(hours=1))
    assert len(live.fake.calls) == 2 * calls  # max_age is the caller's


def test_the_cache_is_keyed_by_region_and_filters(live):
    get(live)
    before = len(live.service.requests)
    get(live, regions=["eu-west-1", "us-east-1"])
    assert {f["regionCode"] for f in live.service.filters()[before:]} == {"us-east-1"}

    before = len(live.service.requests)
    get(live, instance_types=["ml.m5.xlarge"])  # another filter set: its own cache entry
    assert len(live.service.requests) > before
    assert len(list(live.cache.iterdir())) == 3


def test_a_stale_or_broken_cache_is_refetched(live):
    get(live)
    calls = len(live.fake.calls)
    [cached] = list(live.cache.iterdir())
    cached.write_text("# fetched: 2026-12-04T10:00:00Z\nnot,a,price,csv\n")
    assert rates(get(live), "eu-west-1") == EU_WEST_1
    assert len(live.fake.calls) == 2 * calls


def test_access_denied_is_pricing_unavailable_and_nothing_is_cached(live):
    denied = FakeError("AccessDeniedException",
                       "User: arn:aws:iam::123456789012:user/x is not authorized to perform: pricing:GetProducts")
    live.fake.faults.append(FaultPlan(1.0, denied, services=("pricing",)))
    with pytest.raises(PricingUnavailable) as caught:
        get(live)
    assert caught.value.reason.startswith("pricing:GetProducts was denied (AccessDeniedException: User: ")
    assert isinstance(caught.value, AwsUnavailable)  # uncaught, the CLI reports AWS as unavailable
    assert not live.cache.exists() or not any(live.cache.iterdir())


def test_throttling_is_retried_to_the_same_rows(live, no_sleep):
    # Few calls: after a throttle the adaptive client's rate limiter waits for real.
    usages = ("training", "hosting", "storage")
    expected = get(live, usages=usages)
    plan = FaultPlan(0.2, FakeError("ThrottlingException", "Rate exceeded"), services=("pricing",))
    live.fake.faults.append(plan)
    again = get(live, usages=usages, max_age=timedelta(0))
    assert plan.injected > 0
    assert again == expected


def test_live_book_names_its_source_and_fetch_time(live):
    book = live_book(live.clients, ["eu-west-1"], cache_dir=live.cache, now=NOW)
    assert book.source == "live pricing:GetProducts (fetched 2026-12-04T10:00:00Z)"
    assert book.rate("eu-west-1", "hosting", "ml.g4dn.xlarge") == 0.821
    assert book.storage_rate("eu-west-1") == 0.154
    assert book.rate("eu-west-1", "hosting", "ml.p3.2xlarge") is None  # not listed: unpriced, never $0
    assert any("mlflow" in note for note in book.notes)

    # A cache from another day keeps its own fetch time in the source.
    later = live_book(live.clients, ["eu-west-1", "us-east-1"], cache_dir=live.cache, now=NOW + timedelta(days=1))
    assert later.source == ("live pricing:GetProducts "
                            "(fetched 2026-12-04T10:00:00Z to 2026-12-05T10:00:00Z)")


def test_pull_writes_a_price_csv_that_parses(live, tmp_path):
    get(live)  # a fresh cache...
    calls = len(live.fake.calls)
    out = tmp_path / "prices.csv"
    rows = pull(live.clients, ["eu-west-1", "us-east-1"], out, cache_dir=live.cache, now=NOW)
    assert len(live.fake.calls) > calls  # ...does not stop a pull from asking AWS
    text = out.read_text()
    assert "# fetched: 2026-12-04T10:00:00Z\n" in text
    assert parse_csv(text, "prices.csv") == rows
    assert rates(rows, "eu-west-1") == EU_WEST_1
    assert {r.region for r in rows} == {"eu-west-1", "us-east-1"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # written via temp + rename


def test_the_default_cache_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pricing_live.default_cache_dir() == tmp_path / "sagecheck" / "prices"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path))
    assert pricing_live.default_cache_dir() == tmp_path / ".cache" / "sagecheck" / "prices"


def test_every_usage_is_mapped_or_named_as_unmapped():
    assert set(pricing_live.USAGE_FILTERS) | set(pricing_live.UNMAPPED_USAGES) == set(USAGES)
