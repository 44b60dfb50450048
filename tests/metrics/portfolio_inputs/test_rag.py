"""The overall RAG: computed as the worst of the four dimensions, the PM's report beside it, a manager's override
(reason and last day, audited, expiring, revocable), and the project's stored RAG following the snapshot."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from lifecycle.models import AuditRecord, Project
from metrics.formulas.bands import worst_rag
from metrics.portfolio_inputs.models import BudgetPeriod, CostEntry, Issue, RagOverride, Risk, StatusReport
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from metrics.snapshots.services import scope_compute

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()
DIMENSION_METRICS = ("schedule_health", "cost_health", "risk_health", "issue_health")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _inputs(project, author, *, percent, cost, reported="green", risk=None, severities=()):
    """BAC 10,000 all planned by today (PV = BAC), so SPI = percent and CPI = percent x 10,000 / cost."""
    BudgetPeriod.objects.create(project=project, period_start=datetime.date(2026, 1, 1), amount=Decimal(10_000))
    CostEntry.objects.create(project=project, day=datetime.date(2026, 2, 1), amount=Decimal(cost), created_by=author)
    StatusReport.objects.create(
        project=project,
        as_of=datetime.date(2026, 6, 1),
        **{f"{name}_rag": reported for name in ("schedule", "cost", "risk", "issues")},
        derived_rag=reported,
        overall_rag=reported,
        percent_complete=Decimal(percent),
        author=author,
    )
    if risk:
        Risk.objects.create(project=project, title="Risk", probability=risk[0], impact=risk[1], opened_on=TODAY)
    for severity in severities:
        Issue.objects.create(project=project, title="Issue", severity=severity, opened_on=TODAY)


def _reset(project):
    for model in (BudgetPeriod, CostEntry, StatusReport, Risk, Issue):
        model.objects.filter(project=project).delete()


def _compute(project) -> dict[str, dict]:
    scope_compute(ScopeType.PROJECT, project.pk)
    project.refresh_from_db()
    rows = MetricSnapshot.objects.filter(scope_type=ScopeType.PROJECT, scope_id=project.pk, period="")
    return {row.metric: row.detail for row in rows}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(project) -> str:
    return f"/api/v1/projects/{project.pk}/rag-override/"


# --- the rule ---------------------------------------------------------------------------------------------------


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    percent=st.sampled_from(["0.30", "0.85", "0.92", "0.97", "1.00"]),
    cost=st.integers(min_value=3_000, max_value=15_000),
    reported=st.sampled_from(["green", "yellow", "red"]),
    risk=st.none() | st.tuples(st.sampled_from(["0.1", "0.5", "0.9"]), st.integers(min_value=1, max_value=5)),
    severities=st.lists(st.sampled_from(["low", "medium", "high", "critical"]), max_size=3),
)
def test_overall_is_the_worst_computed_dimension_whatever_the_pm_reported(
    project, people, percent, cost, reported, risk, severities
):
    _reset(project)
    _inputs(project, people["pm"], percent=percent, cost=cost, reported=reported, risk=risk, severities=severities)
    details = _compute(project)
    dimensions = [details[metric]["rag"] for metric in DIMENSION_METRICS]
    expected = worst_rag(dimensions)
    assert expected is not None
    assert details["overall_rag"]["rag"] == details["overall_rag"]["derived"] == expected.value
    assert (project.overall_rag, project.computed_rag, project.reported_rag) == (expected, expected, reported)
    assert project.rag_differs == (reported != expected)
    assert details["overall_rag"]["differs"] == (reported != expected)


def test_spi_043_cpi_028_is_red_although_the_pm_reports_green_and_the_difference_is_flagged(client, project, people):
    _inputs(project, people["pm"], percent="0.43", cost="15357.15", reported="green")
    details = _compute(project)
    assert round(MetricSnapshot.objects.get(metric="spi", scope_id=project.pk, period="").value, 2) == 0.43
    assert round(MetricSnapshot.objects.get(metric="cpi", scope_id=project.pk, period="").value, 2) == 0.28
    assert (details["schedule_health"]["rag"], details["cost_health"]["rag"]) == ("red", "red")
    assert (details["overall_rag"]["rag"], details["overall_rag"]["reported"]) == ("red", "green")
    assert (project.overall_rag, project.reported_rag, project.rag_differs) == ("red", "green", True)
    record = AuditRecord.objects.get(action="project.rag_recompute")
    assert (record.actor, record.before["overall_rag"], record.after["overall_rag"]) == (None, "not_assessed", "red")
    client.force_login(people["ds"])
    for url in (
        reverse("project-detail", args=[project.pk]),
        reverse("dashboard-project", args=[project.pk]),
        reverse("project-input-section", args=[project.pk, "status"]),
    ):
        html = client.get(url).content.decode()
        assert 'data-rag="red"' in html, url
        assert 'data-testid="rag-differs"' in html, url
        assert "PM reported Green ≠ computed Red" in html, url
    dashboard = client.get(reverse("dashboard-project", args=[project.pk])).content.decode()
    assert 'data-kpi="overall">red<' in dashboard
    assert "PM reported green; differs from computed red" in dashboard
    assert _compute(project) and AuditRecord.objects.filter(action="project.rag_recompute").count() == 1  # idempotent


# --- the override -----------------------------------------------------------------------------------------------

VALID = {"rag": "green", "reason": "Vendor invoice booked twice", "expires_on": "2026-07-15"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALID, "reason": ""}, "reason"),
        ({"rag": "green", "expires_on": "2026-07-15"}, "reason"),
        ({**VALID, "reason": "x" * 2001}, "reason"),
        ({"rag": "green", "reason": "Why"}, "expires_on"),
        ({**VALID, "expires_on": "2026-06-15"}, "expires_on"),  # today: not in the future
        ({**VALID, "expires_on": "2026-12-13"}, "expires_on"),  # 181 days ahead
        ({**VALID, "rag": "not_assessed"}, "rag"),
    ],
)
def test_an_override_needs_a_rag_a_reason_and_a_near_future_last_day(project, people, body, field):
    response = _api(people["pm"]).post(_url(project), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not RagOverride.objects.exists()
    assert not AuditRecord.objects.filter(action__startswith="rag_override").exists()


def test_an_override_replaces_the_computed_rag_until_it_expires(client, project, people):
    _inputs(project, people["pm"], percent="0.43", cost="15357.15", reported="yellow")
    _compute(project)
    response = _api(people["pm"]).post(_url(project), VALID, format="json")
    assert response.status_code == 201
    assert (response.json()["rag"], response.json()["expires_on"]) == ("green", "2026-07-15")
    record = AuditRecord.objects.get(action="rag_override.set")
    assert (record.actor, record.reason, record.after["rag"], record.after["computed_rag"]) == (
        people["pm"], "Vendor invoice booked twice", "green", "red"
    )  # fmt: skip
    details = _compute(project)
    assert (details["overall_rag"]["rag"], details["overall_rag"]["derived"]) == ("green", "red")
    assert details["overall_rag"]["override_until"] == "2026-07-15"
    assert (project.overall_rag, project.computed_rag, project.rag_override_until) == (
        "green", "red", datetime.date(2026, 7, 15)
    )  # fmt: skip
    assert _api(people["ds"]).get(f"/api/v1/projects/{project.pk}/").json()["rag_override_reason"] == VALID["reason"]
    client.force_login(people["ds"])
    html = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "overridden until 2026-07-15: Vendor invoice booked twice" in html
    assert "overridden until 2026-07-15" in client.get(reverse("project-list")).content.decode()
    with time_machine.travel(datetime.datetime(2026, 7, 15, 12, tzinfo=datetime.UTC), tick=False):
        assert _compute(project)["overall_rag"]["rag"] == "green"  # its last day: still in force
    with time_machine.travel(datetime.datetime(2026, 7, 16, 12, tzinfo=datetime.UTC), tick=False):
        details = _compute(project)
    assert (details["overall_rag"]["rag"], details["overall_rag"]["overridden"]) == ("red", False)
    assert (project.overall_rag, project.rag_override_until, project.rag_override_reason) == ("red", None, "")


def test_revoke_ends_the_override_and_is_audited(project, people):
    _inputs(project, people["pm"], percent="0.43", cost="15357.15")
    pm = _api(people["pm"])
    assert pm.post(_url(project), {**VALID, "rag": "yellow"}, format="json").status_code == 201
    assert _compute(project)["overall_rag"]["rag"] == "yellow"
    response = pm.delete(_url(project), {"reason": "Inputs corrected"}, format="json")
    assert response.status_code == 200 and response.json()["revoked_at"]
    record = AuditRecord.objects.get(action="rag_override.revoke")
    assert (record.reason, record.before["revoked_at"], record.after["rag"]) == ("Inputs corrected", None, "yellow")
    assert _compute(project)["overall_rag"]["rag"] == "red"
    assert project.overall_rag == "red"
    assert pm.delete(_url(project), format="json").status_code == 409  # nothing in force


def test_a_new_override_replaces_the_one_in_force(project, people):
    pm = _api(people["pm"])
    assert pm.post(_url(project), VALID, format="json").status_code == 201
    assert pm.post(_url(project), {**VALID, "rag": "red"}, format="json").status_code == 201
    rows = RagOverride.objects.order_by("id").values_list("rag", "revoked_at")
    assert [(rag, revoked is None) for rag, revoked in rows] == [("green", False), ("red", True)]
    assert AuditRecord.objects.filter(action="rag_override.set").order_by("id").last().before["rag"] == "green"


@pytest.mark.parametrize(("who", "status"), [("ds", 403), ("exec", 403), ("product", 403), ("outsider", 404)])
def test_only_the_portfolio_managers_override_and_a_refusal_writes_nothing(project, people, who, status):
    _api(people["pm"]).post(_url(project), VALID, format="json")
    before = (list(RagOverride.objects.values_list("pk", "revoked_at")), AuditRecord.objects.count())
    client = _api(people[who])
    assert client.post(_url(project), {**VALID, "rag": "red"}, format="json").status_code == status
    assert client.delete(_url(project), format="json").status_code == status
    assert (list(RagOverride.objects.values_list("pk", "revoked_at")), AuditRecord.objects.count()) == before


def test_the_status_page_form_sets_and_revokes_an_override(client, project, people):
    client.force_login(people["pm"])
    page = client.get(reverse("project-input-section", args=[project.pk, "status"])).content.decode()
    assert 'data-testid="rag-override-form"' in page
    refused = client.post(reverse("rag-override-set", args=[project.pk]), {"rag": "red", "expires_on": "2026-07-01"})
    assert refused.status_code == 400 and not RagOverride.objects.exists()
    saved = client.post(reverse("rag-override-set", args=[project.pk]), {**VALID, "rag": "red"})
    assert saved.status_code == 302
    assert RagOverride.objects.get().rag == "red"
    assert client.post(reverse("rag-override-revoke", args=[project.pk]), {"reason": ""}).status_code == 302
    assert RagOverride.objects.get().revoked_at is not None
    client.force_login(people["ds"])
    assert client.post(reverse("rag-override-set", args=[project.pk]), VALID).status_code == 403
    assert RagOverride.objects.count() == 1


def test_status_reports_no_longer_set_the_project_rag(project, people):
    from metrics.portfolio_inputs.services import health

    health.status_report_submit(actor=people["pm"], project=project, as_of=TODAY, schedule="red")
    assert Project.objects.get(pk=project.pk).overall_rag == "not_assessed"  # as created; the computer sets it
    _compute(project)
    assert (project.overall_rag, project.reported_rag, project.rag_differs) == ("red", "red", False)


def test_the_rag_history_follows_the_same_rule_month_by_month(project, people):
    """Past months: the worst dimension of the month's last report, or the override in force at the month's end
    (replayed, though revoked since); this month: today's computed value. The PM's own overall stays beside it."""
    author = people["pm"]
    for as_of, schedule, cost, reported in (
        (datetime.date(2026, 3, 10), "green", "yellow", "green"),  # the PM said green over a yellow dimension
        (datetime.date(2026, 3, 28), "green", "green", "green"),  # the month's last report counts
        (datetime.date(2026, 4, 20), "red", "green", "yellow"),
    ):
        StatusReport.objects.create(
            project=project, as_of=as_of, schedule_rag=schedule, cost_rag=cost, derived_rag=reported,
            overall_rag=reported, author=author,
        )  # fmt: skip
    with time_machine.travel(datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC), tick=False):
        april = RagOverride.objects.create(
            project=project, rag="yellow", reason="Vendor delay agreed", expires_on=datetime.date(2026, 5, 10),
            created_by=author,
        )  # fmt: skip
    with time_machine.travel(datetime.datetime(2026, 5, 5, 9, tzinfo=datetime.UTC), tick=False):
        april.revoked_at, april.revoked_by = datetime.datetime.now(tz=datetime.UTC), author
        april.save()
    _inputs(project, author, percent="0.43", cost="15357.15", reported="green")  # June: SPI 0.43 -> red

    _compute(project)
    history = {
        row.period: row.detail
        for row in MetricSnapshot.objects.filter(metric="overall_rag", scope_id=project.pk).exclude(period="")
    }
    assert {period: (d["rag"], d["derived"], d["overridden"], d["reported"]) for period, d in history.items()} == {
        "2026-03": ("green", "green", False, "green"),
        "2026-04": ("yellow", "red", True, "yellow"),
        "2026-06": ("red", "red", False, "green"),
    }
    assert history["2026-04"]["reason"] == "Vendor delay agreed"


def test_with_no_input_every_dimension_is_not_assessed_like_the_overall(project):
    """An empty risk register or issue log would rate green; with nothing behind them the four dimensions say
    "not assessed", as the overall does, so the worst of the four is the overall on every page."""
    details = _compute(project)
    assert {metric: details[metric]["rag"] for metric in DIMENSION_METRICS} == dict.fromkeys(DIMENSION_METRICS, "")
    assert (details["overall_rag"]["rag"], project.overall_rag) == ("", "not_assessed")
