"""The audit trail: one record per change with who, before, after and why; append-only in PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from lifecycle import services
from lifecycle.choices import GateDecision, NoGoOutcome, Phase, RaciRole
from lifecycle.models import AuditRecord, Project
from lifecycle.services.audit import audit_write, changed_fields, json_safe
from lifecycle.services.gates import ActionInput
from tests.factories import artifact_type, provide_required_artifacts
from tests.lifecycle.service_helpers import gate_activity, last_audit_id, new_audit


@pytest.fixture
def postgresql(db):
    # The append-only guarantee is a PostgreSQL trigger (migration 0003); CI runs the suite there.
    assert connection.vendor == "postgresql"


@pytest.fixture
def record(project):
    return AuditRecord.objects.filter(project=project).latest("id")


@pytest.mark.postgresql
class TestAppendOnly:
    def test_the_trigger_is_installed(self, postgresql):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'lifecycle_auditrecord'::regclass AND NOT tgisinternal"
            )
            assert [row[0] for row in cursor.fetchall()] == ["lifecycle_auditrecord_append_only"]

    @pytest.mark.parametrize(
        "attempt",
        [
            pytest.param(
                lambda r: AuditRecord.objects.filter(pk=r.pk).update(reason="rewritten"), id="queryset-update"
            ),
            pytest.param(lambda r: AuditRecord.objects.filter(pk=r.pk).delete(), id="queryset-delete"),
            pytest.param(lambda r: AuditRecord.objects.all().delete(), id="delete-all"),
            pytest.param(lambda r: r.delete(), id="instance-delete"),
            pytest.param(lambda r: setattr(r, "after", {"forged": True}) or r.save(), id="instance-save"),
            pytest.param(lambda r: AuditRecord.objects.bulk_update([r], ["action"]), id="bulk-update"),
        ],
    )
    def test_orm_updates_and_deletes_are_refused_by_the_database(self, postgresql, record, attempt):
        original = AuditRecord.objects.filter(pk=record.pk).values().get()
        count = AuditRecord.objects.count()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt(record)
        assert AuditRecord.objects.count() == count
        assert AuditRecord.objects.filter(pk=record.pk).values().get() == original

    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE lifecycle_auditrecord SET reason = 'rewritten' WHERE id = %s",
            "UPDATE lifecycle_auditrecord SET actor_id = NULL WHERE id = %s",
            "DELETE FROM lifecycle_auditrecord WHERE id = %s",
        ],
    )
    def test_raw_sql_updates_and_deletes_are_refused(self, postgresql, record, sql):
        original = AuditRecord.objects.filter(pk=record.pk).values().get()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])
        assert AuditRecord.objects.filter(pk=record.pk).values().get() == original

    def test_inserting_stays_possible(self, project, people):
        before = AuditRecord.objects.count()
        audit_write(actor=people["pm"], action="test.insert", target=project, project=project, after={"ok": 1})
        assert AuditRecord.objects.count() == before + 1


class TestRecordContent:
    def test_every_change_of_a_gate_cycle_writes_the_documented_records(self, project, people):
        """Service by service: the exact audit actions each successful call adds, and who is named."""
        pm, exec_, ds = people["pm"], people["exec"], people["ds"]
        gate = gate_activity(project)
        steps = [
            (
                pm,
                lambda: services.project_update(actor=pm, project=project, changes={"name": "Churn v2"}, reason="r"),
                ["project.update"],
            ),
            (
                pm,
                lambda: services.charter_update(
                    actor=pm, project=project, base_version=1, changes={"objective": "Less churn"}, note="n"
                ),
                ["charter.update"],
            ),
            (
                pm,
                lambda: services.raci_update(
                    actor=pm, project=project, assignments={gate.pk: {ds.pk: RaciRole.CONSULTED}}
                ),
                ["raci.update"],
            ),
            (
                pm,
                lambda: services.activity_add(actor=pm, project=project, phase=Phase.CHARTER, name="Legal review"),
                ["activity.add"],
            ),
            (
                exec_,
                lambda: services.artifact_waive(
                    actor=exec_, project=project, artifact_type=artifact_type("ssot"), reason="one source"
                ),
                ["artifact.waive"],
            ),
            (ds, lambda: provide_required_artifacts(project, ds), ["artifact.add_version"] * 4),
            (pm, lambda: services.gate_review_request(actor=pm, project=project), ["gate.request"]),
        ]
        for actor, step, expected in steps:
            since = last_audit_id()
            step()
            records = new_audit(since)
            assert [r.action for r in records] == expected
            assert all(r.actor == actor and r.project_id == project.pk and r.at is not None for r in records)
        review = project.gate_reviews.get()
        since = last_audit_id()
        services.gate_vote(actor=ds, review=review, vote=GateDecision.CONDITIONAL_GO, scores={"business_value": 3})
        services.gate_decide(
            actor=exec_,
            review=review,
            decision=GateDecision.CONDITIONAL_GO,
            rationale="Go on",
            actions=[ActionInput("Finish legal review", pm.pk, datetime.date(2026, 12, 1))],
        )
        services.gate_action_complete(actor=pm, action=review.actions.get())
        assert [(r.action, r.actor) for r in new_audit(since)] == [
            ("gate.vote", ds),
            ("gate.decide", exec_),
            ("project.phase_change", exec_),
            ("gate.action_complete", pm),
        ]

    def test_no_go_and_resume_each_write_their_records(self, project, people):
        provide_required_artifacts(project, people["pm"])
        review = services.gate_review_request(actor=people["pm"], project=project)
        since = last_audit_id()
        services.gate_decide(
            actor=people["exec"],
            review=review,
            decision=GateDecision.NO_GO,
            no_go_outcome=NoGoOutcome.HOLD,
            rationale="Wait for budget",
        )
        services.project_resume(actor=people["exec"], project=project, reason="Budget approved")
        records = new_audit(since)
        assert [(r.action, r.reason) for r in records] == [
            ("gate.decide", "Wait for budget"),
            ("project.state_change", "Gate decision: No-go"),
            ("project.resume", "Budget approved"),
        ]
        assert [(r.before, r.after) for r in records[1:]] == [
            ({"state": "active"}, {"state": "on_hold"}),
            ({"state": "on_hold"}, {"state": "active"}),
        ]

    def test_the_checklist_writes_one_record_per_change(self, project, people):
        activity = services.activity_add(actor=people["pm"], project=project, phase=Phase.MODELING, name="Bias check")
        since = last_audit_id()
        services.activity_rename(actor=people["pm"], activity=activity, name="Fairness check")
        services.activity_set_done(actor=people["pm"], activity=activity, done=True)
        services.activity_set_done(actor=people["pm"], activity=activity, done=False)
        services.activity_remove(actor=people["pm"], activity=activity, reason="Covered elsewhere")
        assert [r.action for r in new_audit(since)] == [
            "activity.rename",
            "activity.done",
            "activity.reopen",
            "activity.remove",
        ]

    def test_values_are_stored_as_json_strings(self, project, people):
        record = audit_write(
            actor=people["pm"],
            action="test.values",
            target=project,
            project=project,
            before={"when": datetime.date(2026, 3, 1), "amount": Decimal("12.50")},
            after={"at": datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)},
            reason="why",
        )
        record = AuditRecord.objects.get(pk=record.pk)
        assert record.before == {"when": "2026-03-01", "amount": "12.50"}
        assert record.after == {"at": "2026-03-01T12:00:00Z"}
        assert (record.target_type, record.target_id, record.reason) == ("lifecycle.project", str(project.pk), "why")

    def test_an_actor_without_a_key_is_stored_as_nobody(self, project):
        from django.contrib.auth.models import AnonymousUser

        record = audit_write(actor=AnonymousUser(), action="test.system", target=project, project=project)
        assert AuditRecord.objects.get(pk=record.pk).actor is None

    def test_helpers(self):
        assert json_safe({"d": datetime.date(2026, 1, 2)}) == {"d": "2026-01-02"}
        assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ({"b": 2, "c": None}, {"b": 3, "c": 4})
        assert changed_fields({"a": 1}, {"a": 1, "c": None}) == ({}, {})


def test_projects_keep_their_trail_when_other_projects_change(project, people, portfolio):
    from tests.factories import make_project

    mine = list(AuditRecord.objects.filter(project=project).values_list("id", flat=True))
    other = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    services.project_update(actor=people["pm"], project=other, changes={"name": "Other"})
    assert list(AuditRecord.objects.filter(project=project).values_list("id", flat=True)) == mine
    assert Project.objects.count() == 2
