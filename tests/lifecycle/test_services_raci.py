"""raci_update and the RACI reads: exactly one A, at least one R, members only."""

import pytest

from lifecycle import services
from lifecycle.choices import RaciRole
from lifecycle.models import AuditRecord, RaciAssignment
from lifecycle.services.raci import gate_people, raci_grid, raci_problems
from portal.exceptions import NotAllowed, ValidationFailed
from tests.factories import make_project
from tests.lifecycle.service_helpers import gate_activity, refused

R, A, C, INFORMED = RaciRole.RESPONSIBLE, RaciRole.ACCOUNTABLE, RaciRole.CONSULTED, RaciRole.INFORMED


def activity_names(project):
    return dict(project.activities.values_list("id", "name"))


@pytest.fixture
def gate(project):
    return gate_activity(project)


class TestRaciReads:
    def test_grid_of_a_new_project(self, project, people):
        grid = raci_grid(project)
        assert set(grid) == set(project.activities.values_list("id", flat=True))
        assert all(cells == {people["pm"].pk: R, people["exec"].pk: A} for cells in grid.values())
        assert raci_problems(activity_names(project), grid) == {}

    def test_gate_people_are_the_gate_activitys_a_and_c(self, project, people, gate):
        assert gate_people(project, project.phase) == (people["exec"].pk, set())
        services.raci_update(
            actor=people["pm"], project=project, assignments={gate.pk: {people["ds"].pk: C, people["architect"].pk: C}}
        )
        assert gate_people(project, project.phase) == (people["exec"].pk, {people["ds"].pk, people["architect"].pk})

    def test_problems_name_each_broken_activity(self):
        names = {1: "Ingest", 2: "Explore", 3: "Model", 4: "Fine"}
        grid = {1: {10: R}, 2: {10: A, 11: A, 12: R}, 3: {10: A, 11: C}, 4: {10: A, 11: R}}
        assert raci_problems(names, grid) == {
            "Ingest": "needs exactly one Accountable person",
            "Explore": "has 2 Accountable people; keep exactly one",
            "Model": "needs at least one Responsible person",
        }


class TestRaciUpdate:
    def test_pm_adds_consulted_and_informed_people(self, project, people, gate):
        result = services.raci_update(
            actor=people["pm"],
            project=project,
            assignments={gate.pk: {people["ds"].pk: C, people["product"].pk: INFORMED}},
            reason="Reviewers for the charter gate",
        )
        expected = {people["pm"].pk: R, people["exec"].pk: A, people["ds"].pk: C, people["product"].pk: INFORMED}
        assert result[gate.pk] == expected
        assert raci_grid(project)[gate.pk] == expected
        record = AuditRecord.objects.filter(project=project).latest("id")
        assert (record.action, record.actor, record.reason) == (
            "raci.update",
            people["pm"],
            "Reviewers for the charter gate",
        )
        assert (record.target_type, record.target_id) == ("lifecycle.project", str(project.pk))
        assert record.before == {gate.name: {str(people["pm"].pk): "R", str(people["exec"].pk): "A"}}
        assert record.after == {gate.name: {str(k): v for k, v in expected.items()}}

    def test_accountable_moves_when_the_old_one_is_cleared_in_the_same_change(self, project, people, gate):
        services.raci_update(
            actor=people["pm"], project=project, assignments={gate.pk: {people["exec"].pk: None, people["ds"].pk: A}}
        )
        assert gate_people(project, project.phase) == (people["ds"].pk, set())
        assert not RaciAssignment.objects.filter(activity=gate, user=people["exec"]).exists()

    @pytest.mark.parametrize("empty", [None, ""])
    def test_cells_are_cleared_with_none_or_empty(self, project, people, gate, empty):
        services.raci_update(actor=people["pm"], project=project, assignments={gate.pk: {people["ds"].pk: C}})
        services.raci_update(actor=people["pm"], project=project, assignments={gate.pk: {people["ds"].pk: empty}})
        assert raci_grid(project)[gate.pk] == {people["pm"].pk: R, people["exec"].pk: A}

    def test_clearing_an_empty_cell_or_repeating_a_role_changes_nothing(self, project, people, gate):
        before = AuditRecord.objects.count()
        result = services.raci_update(
            actor=people["pm"], project=project, assignments={gate.pk: {people["ds"].pk: None, people["pm"].pk: R}}
        )
        assert result == raci_grid(project)
        assert AuditRecord.objects.count() == before

    def test_only_changed_activities_are_rewritten(self, project, people, gate):
        untouched = project.activities.exclude(pk=gate.pk).first()
        ids_before = set(RaciAssignment.objects.filter(activity=untouched).values_list("id", flat=True))
        services.raci_update(actor=people["pm"], project=project, assignments={gate.pk: {people["ds"].pk: C}})
        assert set(RaciAssignment.objects.filter(activity=untouched).values_list("id", flat=True)) == ids_before

    @pytest.mark.parametrize(
        ("cells", "message"),
        [
            ({"ds": A}, "has 2 Accountable people; keep exactly one"),
            ({"exec": None}, "needs exactly one Accountable person"),
            ({"exec": C}, "needs exactly one Accountable person"),
            ({"pm": None}, "needs at least one Responsible person"),
            ({"pm": INFORMED}, "needs at least one Responsible person"),
            ({"pm": A, "exec": R, "ds": A}, "has 2 Accountable people; keep exactly one"),
        ],
    )
    def test_the_a_and_r_rule_is_enforced(self, project, people, gate, cells, message):
        assignments = {gate.pk: {people[name].pk: role for name, role in cells.items()}}
        with refused(ValidationFailed) as caught:
            services.raci_update(actor=people["pm"], project=project, assignments=assignments)
        assert caught.value.details == {gate.name: message}

    def test_one_broken_activity_refuses_the_whole_change(self, project, people, gate):
        other = project.activities.exclude(pk=gate.pk).first()
        with refused(ValidationFailed) as caught:
            services.raci_update(
                actor=people["pm"],
                project=project,
                assignments={gate.pk: {people["ds"].pk: C}, other.pk: {people["pm"].pk: None}},
            )
        assert caught.value.details == {other.name: "needs at least one Responsible person"}

    def test_people_outside_the_portfolio_are_refused(self, project, people, gate):
        with refused(ValidationFailed) as caught:
            services.raci_update(actor=people["pm"], project=project, assignments={gate.pk: {people["outsider"].pk: C}})
        assert caught.value.details == {gate.name: f"User {people['outsider'].pk} is not a member of this portfolio."}

    def test_an_unknown_role_is_refused(self, project, people, gate):
        with refused(ValidationFailed) as caught:
            services.raci_update(actor=people["pm"], project=project, assignments={gate.pk: {people["ds"].pk: "X"}})
        assert caught.value.details == {gate.name: "'X' is not one of R, A, C, I."}

    def test_an_activity_of_another_project_is_refused(self, project, portfolio, people):
        other = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
        foreign = gate_activity(other)
        with refused(ValidationFailed) as caught:
            services.raci_update(actor=people["pm"], project=project, assignments={foreign.pk: {people["ds"].pk: C}})
        assert caught.value.details == {"activities": [foreign.pk]}

    def test_an_unknown_activity_id_is_refused(self, project, people):
        with refused(ValidationFailed) as caught:
            services.raci_update(actor=people["pm"], project=project, assignments={987654: {people["ds"].pk: C}})
        assert caught.value.details == {"activities": [987654]}

    @pytest.mark.parametrize("who", ["exec", "ds", "architect", "product", "outsider"])
    def test_only_managers_edit_the_raci(self, project, people, gate, who):
        with refused(NotAllowed):
            services.raci_update(actor=people[who], project=project, assignments={gate.pk: {people["ds"].pk: C}})
