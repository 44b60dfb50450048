"""CSV imports of the product inputs through ``metrics.imports.import_csv``: row errors by line, all or nothing,
skipping bad rows, and events stored in batches rather than one service call per row."""

import datetime
import math

import pytest
from django.db import connection

from metrics.imports import import_csv
from metrics.imports.base import import_spec, import_specs
from metrics.product import imports as product_imports
from metrics.product import services
from metrics.product.models import Customer, MarketingSpend, Order, ProductEvent, SurveyResponse
from portal.exceptions import NotAllowed
from tests.metrics.inputs_helpers import everything, refused

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

UTC = datetime.UTC


@pytest.fixture
def product(project, people):
    return services.product_create(actor=people["product"], project=project, name="Fraud scorer")


def run(kind, product, actor, data, *, commit=True, skip_invalid=False):
    return import_csv(
        import_spec(kind), actor=actor, scope=product, data=data, commit=commit, skip_invalid=skip_invalid
    )


GOOD_EVENTS = (
    "user,name,time,properties\n"
    'u1,login,2026-03-02T08:00:00+00:00,"{""model"": ""v3""}"\n'
    "u2,score,2026-03-02T09:00:00,\n"
)
BAD_EVENTS = (
    "user,name,time,properties\n"
    "u1,login,2026-03-02T08:00:00+00:00,\n"  # line 2: good
    ",login,yesterday,\n"  # line 3: no user, bad time
    'u3,score,2026-03-02T10:00:00+00:00,"[1, 2]"\n'  # line 4: properties not an object
    "u4,score,2026-03-02T11:00:00+00:00,{not json\n"  # line 5
    "u5,score,2026-03-02T12:00:00+00:00,\n"  # line 6: good
)


def test_the_five_product_imports_are_registered_on_products():
    specs = import_specs()
    kinds = {"product-events", "customers", "orders", "marketing-spend", "survey-responses"}
    assert kinds <= set(specs)
    assert {specs[kind].scope_model.__name__ for kind in kinds} == {"Product"}
    assert [c.name for c in specs["product-events"].columns] == ["user", "name", "time", "properties"]


def test_import_pages_name_the_product_and_lead_back_to_its_dashboard(product, people):
    spec = import_spec("customers")
    assert spec.scope_label(product) == "Fraud scorer (AML-001)"
    assert spec.scope_url(product) == f"/products/{product.pk}/"
    assert list(spec.visible_scopes(people["exec"])) == [product]
    assert list(spec.visible_scopes(people["outsider"])) == []


def test_events_import_stores_every_row_with_its_properties(product, people):
    result = run("product-events", product, people["product"], GOOD_EVENTS)
    assert (result.ok, result.committed, result.total, result.imported) == (True, True, 2, 2)
    assert list(ProductEvent.objects.order_by("at").values_list("user_id", "name", "at", "properties")) == [
        ("u1", "login", datetime.datetime(2026, 3, 2, 8, tzinfo=UTC), {"model": "v3"}),
        ("u2", "score", datetime.datetime(2026, 3, 2, 9, tzinfo=UTC), {}),
    ]


def test_a_malformed_events_file_changes_nothing_and_lists_rows_by_line(product, people):
    before = everything()
    result = run("product-events", product, people["product"], BAD_EVENTS)
    assert everything() == before
    assert (result.committed, result.imported, result.total) == (False, 0, 5)
    assert [(e.line, e.fields) for e in result.errors] == [
        (3, {"user": "Required.", "time": "Not a date and time (ISO 8601): 'yesterday'."}),
        (4, {"properties": "An object of event properties."}),
        (5, {"properties": 'Not JSON: write the properties as a JSON object, e.g. {"model": "v3"}.'}),
    ]
    assert result.errors[0].values == {"user": "", "name": "login", "time": "yesterday", "properties": ""}
    preview = run("product-events", product, people["product"], BAD_EVENTS, commit=False)
    assert (preview.committed, preview.imported, preview.skipped) == (False, 2, 3)
    assert everything() == before


def test_skip_invalid_imports_the_good_event_rows(product, people):
    result = run("product-events", product, people["product"], BAD_EVENTS, skip_invalid=True)
    assert (result.committed, result.imported, result.skipped) == (True, 2, 3)
    assert sorted(ProductEvent.objects.values_list("user_id", flat=True)) == ["u1", "u5"]


def test_events_import_refused_to_read_only_roles_and_outsiders(product, people):
    for who in ("exec", "ds", "outsider"):
        with refused(NotAllowed):
            run("product-events", product, people[who], GOOD_EVENTS)


def test_ten_thousand_events_take_one_service_call(product, people, monkeypatch):
    calls = []
    real = services.product_events_add

    def counting(**kwargs):
        calls.append(len(kwargs["events"]))
        return real(**kwargs)

    monkeypatch.setattr(product_imports.services, "product_events_add", counting)
    rows = "\n".join(f"u{i % 700},e{i % 5},2026-03-{1 + i % 28:02d}T10:00:00+00:00," for i in range(10_000))
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        if "SAVEPOINT" not in sql:
            statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        result = run("product-events", product, people["product"], "user,name,time,properties\n" + rows)
    assert (result.committed, result.imported) == (True, 10_000)
    assert calls == [10_000]
    assert ProductEvent.objects.filter(product=product).count() == 10_000
    # Besides the framework's savepoint per row: the INSERTs of the batches (2,000 events each on PostgreSQL,
    # fewer where the database caps query parameters) and a fixed number of other statements.
    fields = [f for f in ProductEvent._meta.concrete_fields if not f.primary_key]
    per_insert = min(services.EVENT_BATCH_SIZE, connection.ops.bulk_batch_size(fields, [None] * 10_000))
    inserts = sum(1 for sql in statements if sql.startswith('INSERT INTO "metrics_productevent"'))
    assert inserts == math.ceil(10_000 / per_insert)
    assert len(statements) - inserts < 15


def test_events_are_stored_in_chunks_and_skipping_keeps_every_good_row(product, people, monkeypatch):
    monkeypatch.setattr(product_imports, "EVENTS_PER_CALL", 2)
    calls = []
    real = services.product_events_add
    monkeypatch.setattr(
        product_imports.services, "product_events_add", lambda **kw: calls.append(len(kw["events"])) or real(**kw)
    )
    result = run("product-events", product, people["product"], BAD_EVENTS + "u6,x,2026-03-03T00:00:00+00:00,\n",
                 skip_invalid=True)  # fmt: skip
    assert (result.imported, [e.line for e in result.errors]) == (3, [3, 4, 5])
    assert calls == [2, 1]
    assert sorted(ProductEvent.objects.values_list("user_id", flat=True)) == ["u1", "u5", "u6"]


def test_customers_orders_spend_and_surveys_imports(product, people):
    actor = people["product"]
    customers = "external_id,acquired_on,channel\nc1,2026-03-01,ads\nc2,2026-03-02,\n"
    assert run("customers", product, actor, customers).imported == 2
    orders = (
        "customer,placed_at,revenue,gross_margin\n"
        "c1,2026-03-05T10:00:00+00:00,120.00,0.4\n"
        "c2,2026-03-06T10:00:00+00:00,80,0.5\n"
    )
    assert run("orders", product, actor, orders).imported == 2
    spend = "channel,period_start,period_end,amount\nads,2026-03-01,2026-03-31,500\ntv,2026-03-01,2026-03-31,250.5\n"
    assert run("marketing-spend", product, actor, spend).imported == 2
    surveys = "kind,score,at,respondent\nnps,9,2026-03-06T12:00:00+00:00,c1\nCSAT,4,2026-03-06T12:00:00+00:00,\n"
    assert run("survey-responses", product, actor, surveys).imported == 2
    assert list(Customer.objects.order_by("external_id").values_list("external_id", "channel")) == [
        ("c1", "ads"),
        ("c2", ""),
    ]
    assert sorted(float(v) for v in Order.objects.values_list("revenue", flat=True)) == [80.0, 120.0]
    assert sorted(float(v) for v in MarketingSpend.objects.values_list("amount", flat=True)) == [250.5, 500.0]
    assert sorted(SurveyResponse.objects.values_list("kind", "score")) == [("csat", 4), ("nps", 9)]


@pytest.mark.parametrize(
    ("kind", "data", "errors"),
    [
        (
            "customers",
            "external_id,acquired_on,channel\nc1,2026-03-01,\nc1,2026-03-02,\n,soon,\n",
            [(3, {"external_id": "The product already has a customer 'c1'."}),
             (4, {"external_id": "Required.", "acquired_on": "Not a date (YYYY-MM-DD): 'soon'."})],
        ),
        (
            "orders",
            "customer,placed_at,revenue,gross_margin\nnobody,2026-03-05T10:00:00+00:00,1,0.5\n",
            [(2, {"customer": "No customer 'nobody' in this product: import or add the customer first."})],
        ),
        (
            "marketing-spend",
            "channel,period_start,period_end,amount\nads,2026-03-31,2026-03-01,-5\n",
            [(2, {"period_end": "The period ends (2026-03-01) before it starts (2026-03-31).",
                  "amount": "Must be at least 0."})],
        ),
        (
            "survey-responses",
            "kind,score,at\nnps,11,2026-03-06T12:00:00+00:00\ncsat,3,2026-03-06T12:00:00+00:00\n",
            [(2, {"score": "A NPS score is a whole number from 0 to 10."})],
        ),
    ],
)  # fmt: skip
def test_malformed_files_change_nothing(product, people, kind, data, errors):
    before = everything()
    result = run(kind, product, people["pm"], data)
    assert everything() == before
    assert not result.committed
    assert [(e.line, e.fields) for e in result.errors] == errors


def test_a_file_missing_a_column_is_refused_as_a_whole(product, people):
    before = everything()
    result = run("product-events", product, people["pm"], "user,time\nu1,2026-03-02T08:00:00+00:00\n")
    assert result.file_error == "Missing column(s): name. Expected: user, name, time, properties."
    assert everything() == before
