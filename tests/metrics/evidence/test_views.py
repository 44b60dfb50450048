"""Evidence pages: search and attach, detach, the review page's automated criteria, the decide form's override,
the run comparison, and the portfolio's rules page. Mirror rows are written directly (the MLflow side is
covered in test_evidence_services)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lifecycle.choices import GateDecision, Phase
from lifecycle.models import AuditRecord, GateReview
from metrics.evidence.models import GateEvidence, GateRule
from metrics.evidence.services.reviews import evidence_attach_run
from metrics.mirror.models import RunMetricPoint
from tests.metrics.evidence_world import evidence_rows, mirrored_world, modeling_rules


@pytest.fixture
def world(project, people):
    return mirrored_world(project, people)


def page(client, user, name, *args, **query):
    client.force_login(user)
    response = client.get(reverse(name, args=args), query)
    return response, response.content.decode()


def test_the_search_filters_and_sorts_the_linked_runs(client, world, people):
    response, html = page(
        client, people["ds"], "evidence-review", world.review.pk, metric="val_auc>=0.8", sort="-val_auc"
    )
    assert response.status_code == 200
    rows = [run.run_name for run in response.context["results"]]
    assert rows == ["rf-200", "gb-tuned"]
    assert 'data-testid="attach-rf-200"' in html and 'data-testid="attach-lr-base"' not in html
    _response, html = page(client, people["ds"], "evidence-review", world.review.pk, metric="val_auc>>1")
    assert 'data-testid="search-errors"' in html


def test_a_data_scientist_attaches_a_run_and_a_version_then_detaches(client, world, people):
    client.force_login(people["ds"])
    url = reverse("evidence-attach", args=[world.review.pk])
    response = client.post(url, {"run_id": world.run_ids["rf-200"], "back": "metric=val_auc%3E%3D0.8"})
    assert response.status_code == 302 and response.url.endswith("?metric=val_auc%3E%3D0.8")
    client.post(url, {"model_name": "churn-model", "version": "1"})
    assert sorted(GateEvidence.objects.values_list("kind", flat=True)) == ["model_version", "run"]

    evidence = GateEvidence.objects.get(kind="run")
    client.post(reverse("evidence-detach", args=[world.review.pk, evidence.pk]))
    assert list(GateEvidence.objects.values_list("kind", flat=True)) == ["model_version"]
    assert [r.action for r in AuditRecord.objects.filter(action__startswith="gate.evidence").order_by("id")] == [
        "gate.evidence_attach",
        "gate.evidence_attach",
        "gate.evidence_detach",
    ]


def test_an_executive_sees_the_evidence_but_cannot_attach_and_a_refusal_changes_nothing(client, world, people):
    _response, html = page(client, people["exec"], "evidence-review", world.review.pk)
    assert 'data-testid="attach-' not in html
    before = evidence_rows()
    response = client.post(reverse("evidence-attach", args=[world.review.pk]), {"run_id": world.run_ids["rf-200"]})
    assert response.status_code == 302
    assert evidence_rows() == before
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Only the project's managers and contributors (data scientists first) attach evidence."]


def test_outsiders_get_404_everywhere(client, world, people):
    client.force_login(people["outsider"])
    evidence = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    for name, args in (("evidence-review", [world.review.pk]), ("evidence-compare", [world.review.pk])):
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("evidence-attach", args=[world.review.pk]), {"run_id": "x"}).status_code == 404
    assert client.post(reverse("evidence-detach", args=[world.review.pk, evidence.pk])).status_code == 404
    assert client.get(reverse("evidence-gate-rules", args=[world.project.portfolio_id])).status_code == 404
    assert GateEvidence.objects.count() == 1


def test_the_review_page_shows_automated_criteria_beside_the_human_ones(client, world, people):
    modeling_rules(world.project, people)
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])

    response, html = page(client, people["ds"], "gate-review-detail", world.review.pk)

    assert 'data-testid="automated-criteria"' in html
    outcomes = {result.kind: str(result.outcome) for result in response.context["state"].results}
    assert outcomes == {
        "metric_threshold": "fail", "all_runs_finished": "pass", "param_recorded": "fail", "model_alias": "no_evidence",
    }  # fmt: skip
    assert "Best run lr-base has val_auc = 0.78, not &gt;= 0.8." in html


def test_the_decide_form_asks_for_an_override_reason_when_a_rule_fails(client, world, people):
    modeling_rules(world.project, people)
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])
    client.force_login(people["exec"])
    url = reverse("gate-decide", args=[world.review.pk])
    assert 'data-testid="failing-rules"' in client.get(url).content.decode()
    actions = {"actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0"}

    refused = client.post(url, {"decision": GateDecision.GO, **actions})
    assert refused.status_code == 400
    assert "Required: an automated criterion does not pass." in refused.content.decode()
    assert GateReview.objects.get(pk=world.review.pk).is_open

    done = client.post(url, {"decision": GateDecision.GO, "override_reason": "Pilot only", **actions})
    assert done.status_code == 302
    review = GateReview.objects.get(pk=world.review.pk)
    assert (review.decision, review.override_reason) == (GateDecision.GO, "Pilot only")
    html = client.get(reverse("gate-review-detail", args=[review.pk])).content.decode()
    assert 'data-testid="override-reason"' in html and "Pilot only" in html


def test_the_decide_form_has_no_override_section_when_rules_pass(client, world, people):
    client.force_login(people["exec"])
    html = client.get(reverse("gate-decide", args=[world.review.pk])).content.decode()
    assert 'data-testid="failing-rules"' not in html


def test_the_comparison_highlights_differences_and_charts_a_metric(client, world, people):
    for name in ("rf-200", "lr-base"):
        evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids[name])
    rf = world.run("rf-200")
    RunMetricPoint.objects.bulk_create(
        RunMetricPoint(run=rf, key="val_auc", step=step, timestamp=step, value=value)
        for step, value in enumerate([0.71, 0.80, 0.86])
    )

    response, html = page(client, people["ds"], "evidence-compare", world.review.pk, metric="val_auc")

    compared = response.context["compared"]
    assert [(row.key, row.values, row.differs) for row in compared.params] == [
        ("C", (None, "1.0"), True),
        ("n_estimators", ("200", None), True),
        ("split_seed", ("7", None), True),
    ]
    history, parallel = response.context["charts"]
    assert history.table.rows == [("rf-200", 0, 0.71), ("rf-200", 1, 0.80), ("rf-200", 2, 0.86)]
    assert history.note == "No history of val_auc is synced for: lr-base."
    assert [line[0] for line in parallel.table.rows] == ["rf-200", "lr-base"]
    assert 'data-chart="history"' in html and 'data-chart="parallel"' in html
    csv = client.get(reverse("evidence-compare", args=[world.review.pk]), {"metric": "val_auc", "csv": "history"})
    assert csv.content.decode().splitlines() == ["run,step,val_auc", "rf-200,0,0.71", "rf-200,1,0.8", "rf-200,2,0.86"]


def test_the_history_chart_says_when_no_history_is_synced(client, world, people):
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    response, html = page(client, people["ds"], "evidence-compare", world.review.pk, metric="val_loss")
    assert response.context["charts"][0].is_empty
    assert "No history of val_loss is synced for the attached runs." in html


def test_a_manager_adds_and_deactivates_a_rule_on_the_rules_page(client, world, people):
    client.force_login(people["pm"])
    url = reverse("evidence-gate-rules", args=[world.project.portfolio_id])
    bad = client.post(url, {"phase": Phase.MODELING, "kind": "metric_threshold", "metric_key": "val_auc"})
    assert bad.status_code == 400 and GateRule.objects.count() == 0
    response = client.post(
        url,
        {"phase": Phase.MODELING, "kind": "metric_threshold", "metric_key": "val_auc", "comparator": ">=",
         "threshold": "0.8"},
    )  # fmt: skip
    assert response.status_code == 302
    rule = GateRule.objects.get()
    assert (rule.metric_key, rule.threshold, rule.project) == ("val_auc", 0.8, None)
    client.post(reverse("evidence-gate-rule-active", args=[rule.pk]), {"active": "0"})
    rule.refresh_from_db()
    assert rule.is_active is False
    html = client.get(url).content.decode()
    assert "metric val_auc &gt;= 0.8 on the best attached run" in html


def test_a_data_scientist_reads_the_rules_but_cannot_add(client, world, people):
    client.force_login(people["ds"])
    url = reverse("evidence-gate-rules", args=[world.project.portfolio_id])
    assert 'data-testid="rule-form"' not in client.get(url).content.decode()
    response = client.post(url, {"phase": Phase.MODELING, "kind": "all_runs_finished"})
    assert response.status_code == 403 and GateRule.objects.count() == 0


def test_a_decided_review_shows_what_changed_since_the_decision(client, world, people):
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    from lifecycle import services

    services.gate_decide(actor=people["exec"], review=world.review, decision=GateDecision.GO)
    run = world.run("rf-200")
    run.metrics = {**run.metrics, "val_auc": 0.7}
    run.save()

    _response, html = page(client, people["ds"], "gate-review-detail", world.review.pk)
    assert 'data-testid="evidence-changed"' in html and "metric val_auc changed" in html
    _response, html = page(client, people["ds"], "evidence-review", world.review.pk)
    assert "its evidence is frozen" in html and 'data-testid="detach-' not in html


@pytest.mark.parametrize("name", ["gate-review-detail", "evidence-review", "evidence-compare"])
def test_pages_use_the_same_number_of_queries_for_one_or_three_attached_runs(client, world, people, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    modeling_rules(world.project, people)
    client.force_login(people["ds"])
    url = reverse(name, args=[world.review.pk])
    counts = []
    for run_name in ("rf-200", "lr-base", "gb-tuned"):
        evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids[run_name])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[-1], counts
