"""The phase checklist: add, rename, tick, remove; the gate line stays."""

import pytest

from lifecycle import services
from lifecycle.choices import Phase, RaciRole
from lifecycle.models import Activity, AuditRecord, RaciAssignment
from lifecycle.services.raci import raci_grid, raci_problems
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from tests.lifecycle.service_helpers import gate_activity, refused

NON_MANAGERS = ["exec", "ds", "architect", "product", "outsider"]


@pytest.fixture
def activity(project):
    return project.activities.get(phase=Phase.CHARTER, name="Set milestones")


def latest_audit(project):
    return AuditRecord.objects.filter(project=project).latest("id")


class TestActivityAdd:
    def test_pm_adds_a_line_that_starts_with_a_valid_raci(self, project, people):
        top = max(project.activities.values_list("position", flat=True))
        activity = services.activity_add(
            actor=people["pm"], project=project, phase=Phase.EXPLORATION, name="  Legal review of data use "
        )
        activity = Activity.objects.get(pk=activity.pk)
        assert (activity.phase, activity.name, activity.position) == (
            Phase.EXPLORATION,
            "Legal review of data use",
            top + 1,
        )
        assert (activity.is_gate, activity.done) == (False, False)
        assert set(activity.assignments.values_list("user", "role")) == {
            (people["pm"].pk, RaciRole.RESPONSIBLE),
            (people["exec"].pk, RaciRole.ACCOUNTABLE),
        }
        assert raci_problems(dict(project.activities.values_list("id", "name")), raci_grid(project)) == {}
        record = latest_audit(project)
        assert (record.action, record.actor) == ("activity.add", people["pm"])
        assert (record.target_type, record.target_id) == ("lifecycle.activity", str(activity.pk))
        assert (record.before, record.after) == (None, {"phase": "exploration", "name": "Legal review of data use"})

    @pytest.mark.parametrize(
        ("phase", "name", "field"),
        [("ideation", "x", "phase"), (Phase.CHARTER, "  ", "name"), (Phase.CHARTER, "n" * 201, "name")],
    )
    def test_invalid_input_is_refused(self, project, people, phase, name, field):
        with refused(ValidationFailed) as caught:
            services.activity_add(actor=people["pm"], project=project, phase=phase, name=name)
        assert set(caught.value.details) == {field}

    @pytest.mark.parametrize("who", NON_MANAGERS)
    def test_only_managers_add(self, project, people, who):
        with refused(NotAllowed):
            services.activity_add(actor=people[who], project=project, phase=Phase.CHARTER, name="Sneaky")


class TestActivityRename:
    def test_rename_is_audited(self, project, people, activity):
        services.activity_rename(actor=people["pm"], activity=activity, name=" Agree milestones ")
        assert Activity.objects.get(pk=activity.pk).name == "Agree milestones"
        record = latest_audit(project)
        assert (record.action, record.actor) == ("activity.rename", people["pm"])
        assert (record.before, record.after) == ({"name": "Set milestones"}, {"name": "Agree milestones"})

    def test_the_same_name_writes_nothing(self, project, people, activity):
        before = AuditRecord.objects.count()
        services.activity_rename(actor=people["pm"], activity=activity, name="Set milestones")
        assert AuditRecord.objects.count() == before

    def test_the_gate_line_can_be_renamed(self, project, people):
        gate = gate_activity(project)
        services.activity_rename(actor=people["pm"], activity=gate, name="Charter sign-off")
        assert Activity.objects.get(pk=gate.pk).name == "Charter sign-off"

    def test_an_empty_name_is_refused(self, project, people, activity):
        with refused(ValidationFailed):
            services.activity_rename(actor=people["pm"], activity=activity, name="   ")

    @pytest.mark.parametrize("who", NON_MANAGERS)
    def test_only_managers_rename(self, project, people, activity, who):
        with refused(NotAllowed):
            services.activity_rename(actor=people[who], activity=activity, name="Mine")


class TestActivitySetDone:
    def test_done_and_reopen_are_audited(self, project, people, activity):
        services.activity_set_done(actor=people["pm"], activity=activity, done=True)
        assert Activity.objects.get(pk=activity.pk).done is True
        record = latest_audit(project)
        assert (record.action, record.before, record.after) == ("activity.done", {"done": False}, {"done": True})
        services.activity_set_done(actor=people["pm"], activity=activity, done=False)
        assert Activity.objects.get(pk=activity.pk).done is False
        record = latest_audit(project)
        assert (record.action, record.before, record.after) == ("activity.reopen", {"done": True}, {"done": False})

    def test_setting_the_same_state_writes_nothing(self, project, people, activity):
        before = AuditRecord.objects.count()
        services.activity_set_done(actor=people["pm"], activity=activity, done=False)
        assert AuditRecord.objects.count() == before

    @pytest.mark.parametrize("who", NON_MANAGERS)
    def test_only_managers_tick(self, project, people, activity, who):
        with refused(NotAllowed):
            services.activity_set_done(actor=people[who], activity=activity, done=True)


class TestActivityRemove:
    def test_a_line_is_removed_with_its_raci_and_audited(self, project, people, activity):
        activity_id, count = activity.pk, project.activities.count()
        services.activity_remove(actor=people["pm"], activity=activity, reason="Not needed here")
        assert project.activities.count() == count - 1
        assert not Activity.objects.filter(pk=activity_id).exists()
        assert not RaciAssignment.objects.filter(activity_id=activity_id).exists()
        record = latest_audit(project)
        assert (record.action, record.actor, record.reason) == ("activity.remove", people["pm"], "Not needed here")
        assert (record.target_type, record.target_id) == ("lifecycle.activity", str(activity_id))
        assert (record.before, record.after) == ({"phase": "charter", "name": "Set milestones", "done": False}, None)

    @pytest.mark.parametrize("phase", Phase.ordered())
    def test_the_gate_line_of_any_phase_cannot_be_removed(self, project, people, phase):
        with refused(TransitionNotAllowed):
            services.activity_remove(actor=people["pm"], activity=gate_activity(project, phase), reason="Skip it")

    @pytest.mark.parametrize("who", NON_MANAGERS)
    def test_only_managers_remove(self, project, people, activity, who):
        with refused(NotAllowed):
            services.activity_remove(actor=people[who], activity=activity)
