"""Run search (metrics.evidence.run_search): the parser shared by the page and the API, and the SQL it builds."""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from metrics.evidence.run_search import metric_keys, query_as_params, run_query_checked, run_query_parse, runs_search
from metrics.evidence.services.reviews import runs_linked_to
from metrics.mirror.models import ExperimentLink, MlflowRun, TrackingServer
from portal.exceptions import ValidationFailed


def params(query: str) -> QueryDict:
    return QueryDict(query)


@pytest.fixture
def runs(project):
    server = TrackingServer.objects.create(name="lab", uri="http://127.0.0.1:9")
    ExperimentLink.objects.create(project=project, server=server, experiment_id="1", name="churn")
    now = timezone.now()
    rows = {
        "a": ({"val_auc": 0.91, "val_loss": 0.3}, {"model": "rf", "depth": "5"}, {"team": "churn"}, "FINISHED"),
        "b": ({"val_auc": 0.82, "val_loss": 0.35}, {"model": "rf", "depth": "8"}, {"team": "churn"}, "FINISHED"),
        "c": ({"val_auc": 0.75}, {"model": "lr"}, {"team": "fraud"}, "FAILED"),
        "d": ({"val_loss": 0.5}, {"model": "lr"}, {}, "RUNNING"),
        "e": ({"val_auc": 0.99}, {"model": "rf"}, {"team": "churn"}, "FINISHED"),  # deleted below
    }
    for index, (name, (metrics, run_params, tags, status)) in enumerate(rows.items()):
        MlflowRun.objects.create(
            server=server, experiment_id="1", run_id=f"id-{name}", run_name=f"run-{name}", status=status,
            start_time=now - datetime.timedelta(minutes=10 - index), lifecycle_stage="active", deleted=name == "e",
            params=run_params, tags=tags, metrics=metrics, synced_at=now,
        )  # fmt: skip
    MlflowRun.objects.create(
        server=server, experiment_id="2", run_id="id-other", run_name="run-other", status="FINISHED",
        lifecycle_stage="active", metrics={"val_auc": 1.0}, synced_at=now,
    )  # fmt: skip
    return runs_linked_to(project)


def names(runs) -> list[str]:
    return [run.run_name for run in runs]


def search(runs, query: str) -> list[str]:
    return names(runs_search(runs, run_query_checked(params(query))))


def test_only_runs_of_linked_experiments_newest_first_without_deleted_ones(runs):
    assert search(runs, "") == ["run-d", "run-c", "run-b", "run-a"]
    assert search(runs, "deleted=1") == ["run-e", "run-d", "run-c", "run-b", "run-a"]


def test_several_metric_thresholds_combine(runs):
    assert search(runs, "metric=val_auc>=0.8&sort=-val_auc") == ["run-a", "run-b"]
    assert search(runs, "metric=val_auc>0.8&metric=val_loss<0.33") == ["run-a"]
    assert search(runs, "metric=val_auc<=0.82&metric=val_auc>0.75") == ["run-b"]
    assert search(runs, "metric=val_auc=0.75") == ["run-c"]


def test_params_tags_status_and_text(runs):
    assert search(runs, "param=model=rf") == ["run-b", "run-a"]
    assert search(runs, "param=model=rf&param=depth=8") == ["run-b"]
    assert search(runs, "tag=team=fraud") == ["run-c"]
    assert search(runs, "status=failed") == ["run-c"]
    assert search(runs, "q=RUN-A") == ["run-a"]
    assert search(runs, "q=id-b") == ["run-b"]


def test_sort_by_any_metric_both_ways_with_runs_lacking_it_last(runs):
    assert search(runs, "sort=-val_auc") == ["run-a", "run-b", "run-c", "run-d"]
    assert search(runs, "sort=val_auc") == ["run-c", "run-b", "run-a", "run-d"]
    assert search(runs, "sort=val_loss") == ["run-a", "run-b", "run-d", "run-c"]


def test_unreadable_filters_are_reported_per_field():
    query = run_query_parse(params("metric=val_auc>>0.8&param=nokey&status=done&metric=auc>=nan"))
    assert query.errors == {
        "metric": "'nan' is not a finite number.",
        "param": "Write params as key=value (got 'nokey').",
        "status": "One of FINISHED, RUNNING, FAILED, KILLED, SCHEDULED.",
    }
    with pytest.raises(ValidationFailed) as caught:
        run_query_checked(params("metric=val_auc"))
    assert caught.value.details == {"metric": "Write metric filters as key>=number (got 'val_auc')."}
    too_many = "&".join(f"metric=m{i}>1" for i in range(11))
    assert run_query_parse(params(too_many)).errors == {"metric": "At most 10 metric filters."}


def test_a_query_round_trips_through_request_parameters(runs):
    query = run_query_parse(params("metric=val_auc>=0.8&param=model=rf&tag=team=churn&status=FINISHED&sort=-val_auc"))
    assert query_as_params(query) == {
        "metric": ["val_auc>=0.8"],
        "param": ["model=rf"],
        "tag": ["team=churn"],
        "status": ["FINISHED"],
        "sort": ["-val_auc"],
    }
    assert metric_keys(runs) == ["val_auc", "val_loss"]


def test_a_search_is_one_query_whatever_the_filters(runs, django_assert_num_queries):
    query = run_query_checked(
        params("metric=val_auc>=0.1&metric=val_loss<1&param=model=rf&tag=team=churn&sort=-val_auc")
    )
    found = runs_search(runs, query)
    with django_assert_num_queries(1):
        assert names(found) == ["run-a", "run-b"]
