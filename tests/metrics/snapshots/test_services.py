"""Snapshot computation: idempotent upserts, frozen rows, coalesced requests, the reconciler, the full fan-out,
the beat entries and `manage.py compute_metrics` (tasks in-process; the real worker is in test_compute_worker)."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from kombu.exceptions import OperationalError  # what Celery raises when the broker is unreachable

from metrics.portfolio_inputs.services import resources as inputs
from metrics.snapshots import tasks
from metrics.snapshots.models import MetricComputeRequest, MetricSnapshot
from metrics.snapshots.registry import COMPUTERS
from metrics.snapshots.requests import compute_request
from metrics.snapshots.services import pending_scopes_compute, scope_compute, scope_recompute
from portal.celery import app
from portal.exceptions import NotAllowed, ValidationFailed
from portfolio.models import Portfolio
from tests.factories import make_project
from tests.metrics.compute_fixtures import CLOSED_SPRINT, Computed, register_test_computers, snapshot_rows

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
D = datetime.date


@pytest.fixture
def test_computers(monkeypatch) -> Computed:
    return register_test_computers(monkeypatch)


def requests() -> list[tuple[str, int]]:
    return list(MetricComputeRequest.objects.order_by("scope_type", "scope_id").values_list("scope_type", "scope_id"))


def add_cost(project, people, amount: int, day: int = 2) -> None:
    inputs.cost_entry_add(actor=people["pm"], project=project, day=D(2026, 3, day), amount=amount)


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    """The compute messages that would be sent to the broker, with their countdown."""
    sent: list[tuple] = []

    def record(args, countdown=None, **options):
        sent.append((*args, countdown))

    monkeypatch.setattr(tasks.compute_scope_task, "apply_async", record)
    return sent


@pytest.fixture
def clean_requests(test_computers, project):
    """Start with nothing pending (creating the project asked for its computation)."""
    MetricComputeRequest.objects.all().delete()


# --- upsert -------------------------------------------------------------------------------------------------


def test_computing_twice_writes_the_same_rows_with_the_same_ids(project, people, test_computers) -> None:
    add_cost(project, people, 100)
    add_cost(project, people, 50, day=20)

    assert scope_compute("project", project.pk) == 3
    first = snapshot_rows()
    first_times = set(MetricSnapshot.objects.values_list("computed_at", flat=True))
    assert scope_compute("project", project.pk) == 2  # the frozen row is not written again

    assert snapshot_rows() == first
    assert [(metric, period, value) for _pk, metric, _t, _id, period, value, *_rest in first] == [
        ("test.cost_month", "2026-03", 150.0),
        ("test.cost_total", "", 150.0),
        ("test.sprint_summary", CLOSED_SPRINT, 2.0),
    ]
    assert set(MetricSnapshot.objects.values_list("computed_at", flat=True)) != first_times


def test_a_recomputation_updates_rows_in_place_and_leaves_frozen_rows_untouched(
    project, people, test_computers
) -> None:
    add_cost(project, people, 100)
    scope_compute("project", project.pk)
    frozen = MetricSnapshot.objects.get(metric="test.sprint_summary")
    total = MetricSnapshot.objects.get(metric="test.cost_total")

    add_cost(project, people, 25, day=3)
    add_cost(project, people, 5, day=4)
    scope_compute("project", project.pk)

    assert MetricSnapshot.objects.get(metric="test.cost_total").value == 125 + 5
    assert MetricSnapshot.objects.get(metric="test.cost_total").pk == total.pk
    again = MetricSnapshot.objects.get(metric="test.sprint_summary")
    assert (again.pk, again.value, again.frozen, again.computed_at) == (frozen.pk, 1.0, True, frozen.computed_at)


def test_a_scope_that_is_gone_loses_its_unfrozen_snapshots(project, people, test_computers, monkeypatch) -> None:
    scope_compute("project", project.pk)
    monkeypatch.setitem(COMPUTERS, "project", lambda scope_id: None)  # as the real computer says for a deleted one

    assert scope_compute("project", project.pk) == 0

    assert list(MetricSnapshot.objects.values_list("metric", "frozen")) == [("test.sprint_summary", True)]


# --- requests: coalesced, on commit, never on refusal --------------------------------------------------------


def test_a_burst_in_one_transaction_enqueues_one_task_per_scope_after_commit(
    project, people, clean_requests, enqueued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for amount in (1, 2, 3, 4, 5):
            add_cost(project, people, amount)
        assert enqueued == []  # nothing is sent before the commit

    assert len(callbacks) == 2
    assert enqueued == [
        ("project", project.pk, tasks.COMPUTE_DELAY_S),
        ("portfolio", project.portfolio_id, tasks.COMPUTE_DELAY_S),
    ]
    assert requests() == [("portfolio", project.portfolio_id), ("project", project.pk)]


def test_a_burst_across_transactions_enqueues_once_until_the_task_runs(
    project, people, clean_requests, enqueued, django_capture_on_commit_callbacks
) -> None:
    for amount in (1, 2, 3, 4, 5):
        with django_capture_on_commit_callbacks(execute=True):
            add_cost(project, people, amount)
    assert [(scope, scope_id) for scope, scope_id, _countdown in enqueued] == [
        ("project", project.pk),
        ("portfolio", project.portfolio_id),
    ]

    tasks.compute_scope_task.run("project", project.pk)  # the worker runs: the request is cleared first
    assert requests() == [("portfolio", project.portfolio_id)]
    assert MetricSnapshot.objects.get(metric="test.cost_total").value == 15

    with django_capture_on_commit_callbacks(execute=True):
        add_cost(project, people, 6)
    assert [scope for scope, _id, _countdown in enqueued] == ["project", "portfolio", "project"]


def test_a_refused_input_leaves_no_compute_request(
    project, people, clean_requests, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(NotAllowed):
            inputs.cost_entry_add(actor=people["ds"], project=project, day=D(2026, 3, 2), amount=10)
        with pytest.raises(ValidationFailed):
            inputs.cost_entry_add(actor=people["pm"], project=project, day="yesterday", amount=-3)

    assert (requests(), callbacks) == ([], [])


def test_an_edit_that_changes_nothing_asks_for_nothing(project, people, clean_requests) -> None:
    inputs.budget_set(actor=people["pm"], project=project, period_start=D(2026, 3, 1), amount=100)
    MetricComputeRequest.objects.all().delete()

    inputs.budget_set(actor=people["pm"], project=project, period_start=D(2026, 3, 1), amount="100.00")

    assert requests() == []


def test_a_scope_type_without_computer_is_not_requested(project, test_computers, monkeypatch) -> None:
    MetricComputeRequest.objects.all().delete()
    monkeypatch.delitem(COMPUTERS, "team")

    compute_request("team", 7)
    compute_request("project", None)

    assert requests() == []
    with pytest.raises(ValueError, match="unknown scope type 'galaxy'"):
        compute_request("galaxy", 1)


def test_the_task_of_a_scope_without_computer_clears_its_request(db, test_computers, monkeypatch) -> None:
    MetricComputeRequest.objects.create(scope_type="sprint", scope_id=3, requested_at=timezone.now())

    assert tasks.compute_scope_task.delay("sprint", 3).get() == 0

    assert requests() == []


# --- the reconciler -----------------------------------------------------------------------------------------


def broker_down(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.compute_scope_task, "apply_async", refuse)


def test_the_reconciler_computes_requests_whose_enqueue_failed(
    project, people, clean_requests, monkeypatch, django_capture_on_commit_callbacks, caplog
) -> None:
    broker_down(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        add_cost(project, people, 40)  # committed; the enqueue fails and is only logged
    assert "could not enqueue compute of project" in caplog.text
    MetricComputeRequest.objects.update(requested_at=timezone.now() - datetime.timedelta(minutes=2))
    other = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    assert requests() == [("portfolio", project.portfolio_id), ("project", project.pk), ("project", other.pk)]

    assert tasks.compute_pending.delay().get() == "2 computed, 0 failed, 0 still pending"

    assert requests() == [("project", other.pk)]  # requested a moment ago: its own task is on the way
    assert MetricSnapshot.objects.get(metric="test.cost_total", scope_id=project.pk).value == 40
    assert MetricSnapshot.objects.get(metric="test.portfolio_cost").value == 40
    assert not MetricSnapshot.objects.filter(scope_id=other.pk, scope_type="project").exists()


def test_one_failing_scope_keeps_its_request_and_does_not_stop_the_others(
    project, people, clean_requests, monkeypatch
) -> None:
    old = timezone.now() - datetime.timedelta(minutes=5)
    for scope_type, scope_id in (("project", project.pk), ("portfolio", project.portfolio_id)):
        MetricComputeRequest.objects.create(scope_type=scope_type, scope_id=scope_id, requested_at=old)

    def broken(scope_id: int):
        raise ZeroDivisionError("a formula bug")

    monkeypatch.setitem(COMPUTERS, "project", broken)

    run = pending_scopes_compute(older_than=datetime.timedelta(minutes=1), limit=10)

    assert (run.computed, run.failed, run.left) == (1, 1, 1)
    assert requests() == [("project", project.pk)]
    assert list(MetricSnapshot.objects.values_list("metric", flat=True)) == ["test.portfolio_cost"]


def test_the_reconciler_takes_the_oldest_first_and_at_most_its_batch(project, people, clean_requests) -> None:
    now = timezone.now()
    MetricComputeRequest.objects.create(
        scope_type="project", scope_id=project.pk, requested_at=now - datetime.timedelta(minutes=3)
    )
    MetricComputeRequest.objects.create(
        scope_type="portfolio", scope_id=project.portfolio_id, requested_at=now - datetime.timedelta(minutes=9)
    )

    run = pending_scopes_compute(older_than=datetime.timedelta(minutes=1), limit=1)

    assert (run.computed, run.failed, run.left) == (1, 0, 1)
    assert requests() == [("project", project.pk)]


# --- the full recompute ----------------------------------------------------------------------------------------


def test_compute_all_fans_out_one_task_per_scope(
    project, people, test_computers, django_capture_on_commit_callbacks
) -> None:
    other = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    test_computers.scopes.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = tasks.compute_all.delay().get()

    people_with_roles = sorted(user.pk for user in people.values())
    expected = [
        *(("person", pk) for pk in people_with_roles),
        ("project", project.pk),
        ("project", other.pk),
        ("portfolio", project.portfolio_id),
        ("portfolio", Portfolio.objects.get(slug="air").pk),
    ]
    assert len(callbacks) == 1  # the fan-out is sent once the fan-out task's work is committed
    assert count == len(expected)
    assert sorted(test_computers.scopes) == sorted(expected)
    assert MetricSnapshot.objects.filter(scope_type="project").values("scope_id").distinct().count() == 2


# --- beat and the command -------------------------------------------------------------------------------------


def test_beat_runs_the_reconciler_every_minute_and_everything_hourly() -> None:
    schedule = app.conf.beat_schedule
    pending, everything = schedule["metrics-compute-pending-snapshots"], schedule["metrics-compute-all-snapshots"]
    assert (pending["task"], pending["schedule"]) == ("metrics.compute_pending", 60)
    assert (everything["task"], everything["schedule"]) == ("metrics.compute_all", 3600)
    for entry in (pending, everything):
        assert entry["task"] in app.tasks
        assert 0 < entry["options"]["expires"] < entry["schedule"]


def test_compute_task_options_follow_the_delivery_rules(settings) -> None:
    task = tasks.compute_scope_task
    assert (task.acks_late, task.reject_on_worker_lost) == (True, False)
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert task.soft_time_limit < task.time_limit < visibility
    assert tasks.COMPUTE_DELAY_S < 60 < visibility  # a short countdown: far below the redelivery window
    for fan_out in (tasks.compute_pending, tasks.compute_all):
        assert fan_out.soft_time_limit < fan_out.time_limit < visibility


def run_command(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("compute_metrics", *args, stdout=out)
    return out.getvalue().splitlines()


def test_command_computes_every_scope_and_reports_counts_and_time(project, people, test_computers) -> None:
    add_cost(project, people, 70)
    MetricComputeRequest.objects.all().delete()
    MetricComputeRequest.objects.create(scope_type="project", scope_id=project.pk, requested_at=timezone.now())

    lines = run_command()

    assert lines[:-1] == [
        "person: 6 scope(s), 6 row(s) written",
        "team: 0 scope(s), 0 row(s) written",
        "product: 0 scope(s), 0 row(s) written",
        "project: 1 scope(s), 3 row(s) written",
        "portfolio: 2 scope(s), 2 row(s) written",
    ]
    assert re.fullmatch(r"Computed 9 scope\(s\), 11 row\(s\) in \d+\.\d\d s\.", lines[-1])
    assert requests() == []  # computing a scope answers its pending request
    assert MetricSnapshot.objects.get(metric="test.cost_total").value == 70


def test_command_computes_one_scope_or_one_type(project, people, test_computers) -> None:
    other = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")

    assert run_command("--scope-type", "project", "--id", str(other.pk))[0] == "project: 1 scope(s), 2 row(s) written"
    assert set(MetricSnapshot.objects.values_list("scope_type", "scope_id")) == {("project", other.pk)}

    assert run_command("--scope-type", "project")[0] == "project: 2 scope(s), 3 row(s) written"


def test_command_reports_a_failing_scope_and_exits_non_zero(project, test_computers, monkeypatch) -> None:
    monkeypatch.setitem(COMPUTERS, "project", lambda scope_id: 1 / 0)
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"1 scope\(s\) failed"):
        call_command("compute_metrics", "--scope-type", "project", stdout=io.StringIO(), stderr=err)

    assert f"project:{project.pk}: FAILED: ZeroDivisionError" in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--id", "3"], "--id needs --scope-type."),
        (["--all", "--scope-type", "project"], "--all computes every scope; leave out --scope-type and --id."),
        (["--scope-type", "sprint"], "No computer for scope type 'sprint'"),
    ],
)
def test_command_refuses_unclear_options(db, test_computers, args, message) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("compute_metrics", *args, stdout=io.StringIO())


def test_scope_recompute_is_what_the_task_runs(project, test_computers) -> None:
    MetricComputeRequest.objects.all().delete()
    compute_request("project", project.pk)

    assert scope_recompute("project", project.pk) == 2  # total and frozen summary (no costs: no month)
    assert requests() == []


def test_an_edit_made_while_the_scope_computes_keeps_its_request_and_the_task_runs_again(
    project, people, monkeypatch, test_computers
) -> None:
    MetricComputeRequest.objects.all().delete()
    compute_request("project", project.pk)
    computer = COMPUTERS["project"]
    edits = iter([lambda: add_cost(project, people, 40)])  # one edit, during the first computation only

    def computing_while_someone_edits(scope_id: int):
        result = computer(scope_id)  # read the inputs...
        next(edits, lambda: None)()  # ...then a cost entry lands before the snapshots are written
        return result

    monkeypatch.setitem(COMPUTERS, "project", computing_while_someone_edits)
    scope_recompute("project", project.pk)

    assert ("project", project.pk) in requests()  # the stored figures miss the edit: still pending
    assert MetricComputeRequest.objects.get(scope_type="project", scope_id=project.pk).marks == 2
    assert tasks.compute_scope_task.apply(args=("project", project.pk)).get() >= 1  # the run that catches up
    assert ("project", project.pk) not in requests()
    assert MetricSnapshot.objects.get(scope_type="project", scope_id=project.pk, metric="test.cost_total").value == 40


def test_a_computation_that_dies_keeps_the_request_for_the_reconciler(project, monkeypatch, test_computers) -> None:
    MetricComputeRequest.objects.all().delete()
    compute_request("project", project.pk)

    def dies(scope_id: int):
        raise MemoryError("the worker is killed here")  # whatever ends the run, its transaction rolls back

    monkeypatch.setitem(COMPUTERS, "project", dies)
    with pytest.raises(MemoryError):
        scope_recompute("project", project.pk)

    assert ("project", project.pk) in requests()
