"""Attach racing the decision on real PostgreSQL: the attach either lands before the decision (and is frozen with
it) or finds the review decided and is refused; never an unfrozen row on a decided review."""

import time

import pytest
from django.db import connection

from lifecycle import services
from lifecycle.choices import GateDecision
from lifecycle.services import gates as gates_module
from metrics.evidence.models import GateEvidence
from metrics.evidence.services import reviews as evidence_module
from portal.exceptions import TransitionNotAllowed
from tests.lifecycle.service_helpers import condition
from tests.metrics.evidence_world import mirrored_world
from tests.races import run_at_once, slow_down

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


@pytest.fixture
def world(project, people):
    assert connection.vendor == "postgresql"
    return mirrored_world(project, people)


# The later caller starts this much after the first, which then holds its locks for HOLD_LOCK_SECONDS (0.3 s).
HEAD_START_SECONDS = 0.1


def later(call):
    def run():
        time.sleep(HEAD_START_SECONDS)
        return call()

    return run


def attach(world, people):
    return evidence_module.evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])


def decide(world, people):
    return services.gate_decide(
        actor=people["exec"], review=world.review, decision=GateDecision.RECYCLE, actions=[condition(people["ds"])]
    )


def test_an_attach_arriving_while_the_decision_holds_the_locks_is_refused(world, people, monkeypatch):
    slow_down(monkeypatch, gates_module, "_freeze_evidence")
    outcomes = run_at_once(lambda: decide(world, people), later(lambda: attach(world, people)))

    assert outcomes[0][0] == "ok"
    assert outcomes[1][0] == "error" and type(outcomes[1][1]) is TransitionNotAllowed
    assert GateEvidence.objects.count() == 0


def test_a_decision_arriving_while_an_attach_holds_the_locks_freezes_it(world, people, monkeypatch):
    slow_down(monkeypatch, evidence_module, "run_snapshot")
    outcomes = run_at_once(lambda: attach(world, people), later(lambda: decide(world, people)))

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    evidence = GateEvidence.objects.get()
    assert evidence.decision_snapshot == evidence.snapshot
