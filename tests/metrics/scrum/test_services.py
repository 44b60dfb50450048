"""Scrum services: each allowed and refused (a refusal writes nothing), the change log, freezing and reopening."""

import datetime
import time
from decimal import Decimal

import pytest
from django.db import connection

from lifecycle.models import AuditRecord
from metrics.formulas.scrum import sprint_summary
from metrics.scrum.adapters import as_formula_sprint, work_item_changes
from metrics.scrum.choices import ItemType, SprintState, StateGroup
from metrics.scrum.models import MoodVote, RetroAction, Sprint, SprintReopening, Team, WorkItem, WorkItemChange
from metrics.scrum.services import items as scrum_items
from metrics.scrum.services import sprints as services
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portfolio.choices import Role
from tests.factories import member
from tests.races import HOLD_LOCK_SECONDS, run_at_once, slow_down

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
UTC = datetime.UTC


def at(day: int, hour: int = 10, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


def state_of_the_world() -> dict:
    """Everything a refused call could have touched."""
    return {
        "teams": list(Team.objects.values_list("id", "name", "project_id")),
        "sprints": list(
            Sprint.objects.order_by("id").values_list(
                "id", "state", "started_at", "completed_at", "last_closed_at", "reopen_count", "summary"
            )
        ),
        "items": list(
            WorkItem.objects.order_by("id").values_list(
                "id", "key", "title", "item_type", "points", "state_group", "sprint_id", "resolved_at"
            )
        ),
        "changes": WorkItemChange.objects.count(),
        "reopenings": SprintReopening.objects.count(),
        "retro": list(RetroAction.objects.order_by("id").values_list("id", "closed_at")),
        "mood": list(MoodVote.objects.order_by("id").values_list("id", "score")),
        "audit": AuditRecord.objects.count(),
    }


@pytest.fixture
def team(project, people):
    return services.team_create(
        actor=people["pm"], portfolio=project.portfolio, name="Churn squad", project=project,
        members=[people["ds"], people["architect"]],
    )  # fmt: skip


@pytest.fixture
def sprint(team, people):
    return services.sprint_create(
        actor=people["ds"],
        team=team,
        name="Sprint 1",
        planned_start=datetime.date(2026, 3, 2),
        planned_end=datetime.date(2026, 3, 13),
    )


@pytest.fixture
def refused(db):
    """Assert that the block raises ``error`` and leaves the database exactly as it was."""

    class Refused:
        def __call__(self, error, call, match=None):
            before = state_of_the_world()
            with pytest.raises(error, match=match):
                call()
            assert state_of_the_world() == before

    return Refused()


# --- teams ------------------------------------------------------------------------------------------------------


class TestTeamCreate:
    def test_a_manager_creates_a_team_with_members_and_an_audit_record(self, team, project, people):
        assert team.portfolio == project.portfolio
        assert team.project == project
        assert set(team.members.all()) == {people["ds"], people["architect"]}
        record = AuditRecord.objects.get(action="scrum.team.create")
        assert record.project == project
        assert record.actor == people["pm"]
        assert record.after == {
            "name": "Churn squad",
            "project": project.pk,
            "members": sorted([people["ds"].pk, people["architect"].pk]),
        }

    def test_a_team_without_project_is_audited_without_project(self, portfolio, people):
        team = services.team_create(actor=people["pm"], portfolio=portfolio, name="Platform")
        assert team.project is None
        assert AuditRecord.objects.get(action="scrum.team.create").project is None

    @pytest.mark.parametrize("who", ["ds", "exec", "outsider"])
    def test_only_managers_create_teams(self, project, people, refused, who):
        refused(NotAllowed, lambda: services.team_create(actor=people[who], portfolio=project.portfolio, name="X"))

    def test_members_must_belong_to_the_portfolio(self, project, people, refused):
        refused(
            ValidationFailed,
            lambda: services.team_create(
                actor=people["pm"], portfolio=project.portfolio, name="X", members=[people["ds"], people["outsider"]]
            ),
            match="outsider",
        )

    def test_names_are_unique_in_a_portfolio_and_required(self, team, project, people, refused):
        create = services.team_create
        refused(ValidationFailed, lambda: create(actor=people["pm"], portfolio=project.portfolio, name="Churn squad"))
        refused(ValidationFailed, lambda: create(actor=people["pm"], portfolio=project.portfolio, name="  "))

    def test_the_project_must_be_in_the_portfolio(self, project, people, refused):
        other = member(project.portfolio, Role.PROJECT_MANAGER, "pm2")
        from tests.factories import PortfolioFactory

        elsewhere = PortfolioFactory(name="Elsewhere", slug="elsewhere")
        member(elsewhere, Role.PROJECT_MANAGER, "pm2")
        refused(
            ValidationFailed,
            lambda: services.team_create(actor=other, portfolio=elsewhere, name="X", project=project),
            match="another portfolio",
        )


# --- sprints ----------------------------------------------------------------------------------------------------


class TestSprintLifecycle:
    def test_create_start_close_reopen_close(self, team, sprint, people):
        assert sprint.state == SprintState.PLANNED
        services.sprint_start(actor=people["ds"], sprint=sprint, at=at(2, 9))
        sprint.refresh_from_db()
        assert (sprint.state, sprint.started_at) == (SprintState.ACTIVE, at(2, 9))

        services.sprint_close(actor=people["architect"], sprint=sprint, at=at(13, 17))
        sprint.refresh_from_db()
        assert (sprint.state, sprint.completed_at, sprint.last_closed_at) == (
            SprintState.CLOSED,
            at(13, 17),
            at(13, 17),
        )
        assert sprint.summary == {
            "sprint": str(sprint.pk),
            "commitment": 0.0,
            "completed": 0.0,
            "say_do": None,
            "scope_change": {"added": 0.0, "removed": 0.0, "reestimated": 0.0, "net": 0.0},
            "logged_defects": 0,
        }

        services.sprint_reopen(actor=people["pm"], sprint=sprint, reason="Demo item missed", at=at(14, 9))
        sprint.refresh_from_db()
        assert (sprint.state, sprint.reopen_count, sprint.completed_at) == (SprintState.ACTIVE, 1, at(13, 17))
        reopening = SprintReopening.objects.get()
        assert (reopening.at, reopening.actor, reopening.reason) == (at(14, 9), people["pm"], "Demo item missed")

        services.sprint_close(actor=people["ds"], sprint=sprint, at=at(14, 12))
        sprint.refresh_from_db()
        assert (sprint.state, sprint.completed_at, sprint.last_closed_at) == (
            SprintState.CLOSED,
            at(13, 17),
            at(14, 12),
        )
        actions = list(AuditRecord.objects.filter(target_type="metrics.sprint").order_by("id").values_list("action"))
        assert actions == [
            ("scrum.sprint.create",),
            ("scrum.sprint.start",),
            ("scrum.sprint.close",),
            ("scrum.sprint.reopen",),
            ("scrum.sprint.close",),
        ]
        reopen_record = AuditRecord.objects.get(action="scrum.sprint.reopen")
        assert (reopen_record.reason, reopen_record.project) == ("Demo item missed", team.project)

    @pytest.mark.parametrize(
        ("start", "end", "message"),
        [(datetime.date(2026, 3, 13), datetime.date(2026, 3, 2), "cannot end"), ("2026-03-02", None, "dates")],
    )
    def test_dates_in_the_wrong_order_are_refused(self, team, people, refused, start, end, message):
        create = services.sprint_create
        refused(
            ValidationFailed,
            lambda: create(actor=people["ds"], team=team, name="S", planned_start=start, planned_end=end),
            match=message,
        )

    def test_a_sprint_name_is_unique_in_the_team(self, team, sprint, people, refused):
        day = datetime.date(2026, 3, 2)
        create = services.sprint_create
        refused(
            ValidationFailed,
            lambda: create(actor=people["ds"], team=team, name="Sprint 1", planned_start=day, planned_end=day),
        )

    @pytest.mark.parametrize("who", ["product", "exec", "outsider"])
    def test_only_managers_and_members_write(self, team, sprint, people, refused, who):
        day = datetime.date(2026, 3, 2)
        actor = people[who]
        refused(
            NotAllowed,
            lambda: services.sprint_create(actor=actor, team=team, name="S9", planned_start=day, planned_end=day),
        )
        refused(NotAllowed, lambda: services.sprint_start(actor=actor, sprint=sprint, at=at(2)))

    def test_a_member_who_left_the_portfolio_no_longer_writes(self, team, sprint, people, refused):
        from portfolio.models import Membership

        Membership.objects.filter(user=people["ds"]).delete()
        refused(NotAllowed, lambda: services.sprint_start(actor=people["ds"], sprint=sprint, at=at(2)))

    def test_transitions_out_of_order_are_refused(self, team, sprint, people, refused):
        ds = people["ds"]
        refused(TransitionNotAllowed, lambda: services.sprint_close(actor=ds, sprint=sprint, at=at(3)))
        refused(TransitionNotAllowed, lambda: services.sprint_reopen(actor=ds, sprint=sprint, reason="x"))
        services.sprint_start(actor=ds, sprint=sprint, at=at(2))
        refused(TransitionNotAllowed, lambda: services.sprint_start(actor=ds, sprint=sprint, at=at(3)))
        refused(ValidationFailed, lambda: services.sprint_close(actor=ds, sprint=sprint, at=at(1)), match="before")
        services.sprint_close(actor=ds, sprint=sprint, at=at(13))
        refused(ValidationFailed, lambda: services.sprint_reopen(actor=ds, sprint=sprint, reason=" "), match="reason")
        refused(ValidationFailed, lambda: services.sprint_reopen(actor=ds, sprint=sprint, reason="x", at=at(12)))

    def test_one_active_sprint_per_team(self, team, sprint, people, refused):
        ds = people["ds"]
        second = services.sprint_create(
            actor=ds, team=team, name="Sprint 2", planned_start=datetime.date(2026, 3, 16),
            planned_end=datetime.date(2026, 3, 27),
        )  # fmt: skip
        services.sprint_start(actor=ds, sprint=sprint, at=at(2))
        refused(
            TransitionNotAllowed, lambda: services.sprint_start(actor=ds, sprint=second, at=at(3)), match="Sprint 1"
        )
        services.sprint_close(actor=ds, sprint=sprint, at=at(13))
        services.sprint_start(actor=ds, sprint=second, at=at(16))
        refused(TransitionNotAllowed, lambda: services.sprint_reopen(actor=ds, sprint=sprint, reason="x", at=at(17)))

    def test_times_in_the_future_are_refused(self, sprint, people, refused):
        future = datetime.datetime.now(UTC) + datetime.timedelta(days=1)
        refused(ValidationFailed, lambda: services.sprint_start(actor=people["ds"], sprint=sprint, at=future))


# --- work items and the change log -------------------------------------------------------------------------------


def log_of(item):
    return list(
        item.changes.order_by("at", "id").values_list(
            "at", "sprint_id", "state_group", "points", "item_type", "changed"
        )
    )


class TestWorkItems:
    def test_create_writes_the_first_change_with_every_field(self, team, sprint, people):
        item = services.work_item_create(
            actor=people["ds"], team=team, key="ML-1", title="Feature store", points=5, state_group=StateGroup.TODO,
            sprint=sprint, at=at(1),
        )  # fmt: skip
        assert (item.points, item.created_at, item.resolved_at) == (Decimal("5.0"), at(1), None)
        assert log_of(item) == [
            (at(1), sprint.pk, "todo", Decimal("5.0"), "story", ["sprint", "state_group", "points", "item_type"])
        ]
        record = AuditRecord.objects.get(action="scrum.item.create")
        assert (record.project, record.after["key"], record.after["points"]) == (team.project, "ML-1", "5.0")

    @pytest.mark.parametrize(
        ("change", "logged"),
        [
            ({"sprint": None}, ["sprint"]),
            ({"state_group": StateGroup.IN_PROGRESS}, ["state_group"]),
            ({"points": "8"}, ["points"]),
            ({"points": None}, ["points"]),
            ({"item_type": ItemType.TASK}, ["item_type"]),
            ({"points": 3, "state_group": StateGroup.DONE}, ["state_group", "points"]),
        ],
    )
    def test_every_logged_change_writes_one_row_with_the_full_state(self, team, sprint, people, change, logged):
        item = services.work_item_create(
            actor=people["ds"], team=team, key="ML-1", title="T", points=5, state_group=StateGroup.TODO, sprint=sprint,
            at=at(1),
        )  # fmt: skip
        services.work_item_update(actor=people["architect"], item=item, changes=change, at=at(3))
        item.refresh_from_db()
        row = item.changes.order_by("-id").first()
        assert item.changes.count() == 2
        assert (row.at, row.sprint_id, row.state_group, row.points, row.item_type, row.changed, row.actor) == (
            at(3), item.sprint_id, item.state_group, item.points, item.item_type, logged, people["architect"],
        )  # fmt: skip

    def test_done_stamps_resolved_at_and_leaving_done_clears_it(self, team, sprint, people):
        item = services.work_item_create(actor=people["ds"], team=team, key="ML-1", title="T", at=at(1))
        services.work_item_update(actor=people["ds"], item=item, changes={"state_group": "done"}, at=at(4))
        item.refresh_from_db()
        assert item.resolved_at == at(4)
        services.work_item_update(actor=people["ds"], item=item, changes={"state_group": "todo"}, at=at(5))
        item.refresh_from_db()
        assert item.resolved_at is None

    def test_a_title_edit_is_audited_but_not_logged_and_a_no_op_writes_nothing(self, team, people):
        item = services.work_item_create(actor=people["ds"], team=team, key="ML-1", title="Old", at=at(1))
        services.work_item_update(actor=people["ds"], item=item, changes={"title": "New"}, reason="typo")
        assert item.changes.count() == 1
        record = AuditRecord.objects.get(action="scrum.item.update")
        assert (record.before, record.after, record.reason) == ({"title": "Old"}, {"title": "New"}, "typo")
        before = state_of_the_world()
        services.work_item_update(actor=people["ds"], item=item, changes={"title": "New", "points": None})
        assert state_of_the_world() == before

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"points": -1}, "negative"),
            ({"points": "abc"}, "number"),
            ({"points": True}, "number"),
            ({"points": "1.25"}, "one decimal"),
            ({"points": 100000}, "below"),
            ({"item_type": "epic"}, "item type must be one of story, defect, task"),
            ({"state_group": "blocked"}, "state group must be one of"),
            ({"title": ""}, "title is required"),
            ({"owner": 1}, "'owner' is not a field"),
        ],
    )
    def test_invalid_input_is_refused(self, team, people, refused, fields, message):
        item = services.work_item_create(actor=people["ds"], team=team, key="ML-1", title="T", at=at(1))
        refused(
            ValidationFailed,
            lambda: services.work_item_update(actor=people["ds"], item=item, changes=fields, at=at(2)),
            match=message,
        )
        if "owner" not in fields:
            create_fields = {"title": "T", **fields}
            refused(
                ValidationFailed,
                lambda: services.work_item_create(actor=people["ds"], team=team, key="ML-2", at=at(1), **create_fields),
                match=message,
            )

    def test_keys_are_unique_per_team_and_sprints_must_be_the_teams(self, team, sprint, project, people, refused):
        services.work_item_create(actor=people["ds"], team=team, key="ML-1", title="T", at=at(1))
        create = services.work_item_create
        refused(ValidationFailed, lambda: create(actor=people["ds"], team=team, key="ML-1", title="T", at=at(1)))
        other_team = services.team_create(actor=people["pm"], portfolio=project.portfolio, name="Other")
        refused(
            ValidationFailed,
            lambda: create(actor=people["pm"], team=other_team, key="X-1", title="T", sprint=sprint, at=at(1)),
            match="sprint",
        )

    def test_defect_links_only_on_defects(self, team, sprint, people, refused):
        ds = people["ds"]
        story = services.work_item_create(actor=ds, team=team, key="ML-1", title="T", at=at(1))
        refused(
            ValidationFailed,
            lambda: services.work_item_create(
                actor=ds, team=team, key="ML-2", title="T", origin_sprint=sprint, found_in_item=story, at=at(1)
            ),
            match="Only defects",
        )
        defect = services.work_item_create(
            actor=ds, team=team, key="ML-3", title="Bug", item_type="defect", origin_sprint=sprint,
            found_in_item=story, at=at(2),
        )  # fmt: skip
        assert (defect.origin_sprint, defect.found_in_item) == (sprint, story)
        refused(
            ValidationFailed,
            lambda: services.work_item_update(actor=ds, item=defect, changes={"item_type": "story"}, at=at(3)),
        )

    def test_a_defect_logged_in_a_sprint_is_linked_to_it(self, team, sprint, people):
        ds = people["ds"]
        defect = services.work_item_create(
            actor=ds, team=team, key="B-1", title="Bug", item_type="defect", sprint=sprint
        )
        story = services.work_item_create(actor=ds, team=team, key="S-1", title="Story", sprint=sprint)
        loose = services.work_item_create(actor=ds, team=team, key="B-2", title="Bug", item_type="defect")
        assert (defect.origin_sprint, story.origin_sprint, loose.origin_sprint) == (sprint, None, None)

    @pytest.mark.parametrize("who", ["product", "exec", "outsider"])
    def test_non_members_cannot_write_items(self, team, people, refused, who):
        item = services.work_item_create(actor=people["pm"], team=team, key="ML-1", title="T", at=at(1))
        refused(NotAllowed, lambda: services.work_item_create(actor=people[who], team=team, key="ML-2", title="T"))
        refused(NotAllowed, lambda: services.work_item_update(actor=people[who], item=item, changes={"points": 1}))

    def test_changes_are_recorded_in_time_order(self, team, people, refused):
        item = services.work_item_create(actor=people["ds"], team=team, key="ML-1", title="T", at=at(5))
        refused(
            ValidationFailed,
            lambda: services.work_item_update(actor=people["ds"], item=item, changes={"points": 2}, at=at(4)),
            match="time order",
        )


# --- freezing ---------------------------------------------------------------------------------------------------


class TestClosedSprintsAreFrozen:
    @pytest.fixture
    def closed(self, team, sprint, people):
        ds = people["ds"]
        self.a = services.work_item_create(
            actor=ds, team=team, key="A", title="A", points=5, state_group="todo", sprint=sprint, at=at(1)
        )
        self.b = services.work_item_create(
            actor=ds, team=team, key="B", title="B", points=3, state_group="todo", sprint=sprint, at=at(1)
        )
        services.sprint_start(actor=ds, sprint=sprint, at=at(2, 9))
        services.work_item_update(actor=ds, item=self.a, changes={"state_group": "done"}, at=at(5))
        services.sprint_close(actor=ds, sprint=sprint, at=at(13, 17))
        sprint.refresh_from_db()
        return sprint

    def test_edits_after_close_do_not_change_the_summary(self, closed, people):
        frozen = dict(closed.summary)
        assert (frozen["commitment"], frozen["completed"], frozen["say_do"]) == (8.0, 5.0, 0.625)
        services.work_item_update(actor=people["ds"], item=self.b, changes={"state_group": "done"}, at=at(14))
        services.work_item_update(actor=people["ds"], item=self.a, changes={"points": 13}, at=at(14, 11))
        closed.refresh_from_db()
        assert closed.summary == frozen
        # Recomputed from the log, the first close still reads the same (the formulas stop at completed_at).
        recomputed = sprint_summary(work_item_changes(closed), as_formula_sprint(closed))
        assert (recomputed.commitment, recomputed.completed, recomputed.say_do) == (8.0, 5.0, 0.625)

    def test_nothing_enters_a_closed_sprint_and_history_before_the_close_cannot_be_written(
        self, closed, team, people, refused
    ):
        ds = people["ds"]
        refused(
            TransitionNotAllowed,
            lambda: services.work_item_create(actor=ds, team=team, key="C", title="C", sprint=closed, at=at(14)),
            match="closed",
        )
        late = services.work_item_create(actor=ds, team=team, key="D", title="D", at=at(1))
        refused(
            TransitionNotAllowed,
            lambda: services.work_item_update(actor=ds, item=late, changes={"sprint": closed}, at=at(14)),
            match="closed",
        )
        refused(
            TransitionNotAllowed,
            lambda: services.work_item_update(actor=ds, item=self.b, changes={"points": 1}, at=at(12)),
            match="frozen",
        )

    def test_items_may_leave_a_closed_sprint_for_the_next(self, closed, team, people):
        ds = people["ds"]
        nxt = services.sprint_create(
            actor=ds, team=team, name="Sprint 2", planned_start=datetime.date(2026, 3, 16),
            planned_end=datetime.date(2026, 3, 27),
        )  # fmt: skip
        services.work_item_update(actor=ds, item=self.b, changes={"sprint": nxt}, at=at(16))
        self.b.refresh_from_db()
        assert self.b.sprint == nxt

    def test_reopen_keeps_the_first_close_summary(self, closed, people):
        frozen = dict(closed.summary)
        ds = people["ds"]
        services.sprint_reopen(actor=ds, sprint=closed, reason="B was finished", at=at(14, 9))
        services.work_item_update(actor=ds, item=self.b, changes={"state_group": "done"}, at=at(14, 10))
        services.sprint_close(actor=ds, sprint=closed, at=at(14, 11))
        closed.refresh_from_db()
        assert (closed.summary, closed.completed_at, closed.reopen_count) == (frozen, at(13, 17), 1)


# --- retrospective actions and mood --------------------------------------------------------------------------------


class TestRetroAndMood:
    def test_retro_actions_add_and_close(self, sprint, people, refused):
        ds = people["ds"]
        refused(TransitionNotAllowed, lambda: services.retro_action_add(actor=ds, sprint=sprint, text="Pair more"))
        services.sprint_start(actor=ds, sprint=sprint, at=at(2))
        action = services.retro_action_add(
            actor=ds, sprint=sprint, text="Pair more", owner=people["architect"], at=at(13)
        )
        assert (action.raised_at, action.owner, action.closed_at) == (at(13), people["architect"], None)
        refused(ValidationFailed, lambda: services.retro_action_add(actor=ds, sprint=sprint, text=""))
        refused(
            ValidationFailed,
            lambda: services.retro_action_add(actor=ds, sprint=sprint, text="x", owner=people["outsider"]),
        )
        refused(NotAllowed, lambda: services.retro_action_close(actor=people["product"], action=action, at=at(20)))
        refused(ValidationFailed, lambda: services.retro_action_close(actor=ds, action=action, at=at(12)))
        services.retro_action_close(actor=people["pm"], action=action, at=at(20))
        action.refresh_from_db()
        assert action.closed_at == at(20)
        refused(TransitionNotAllowed, lambda: services.retro_action_close(actor=ds, action=action, at=at(21)))
        assert list(AuditRecord.objects.filter(target_type="metrics.retroaction").values_list("action", flat=True)) == [
            "scrum.retro.close",
            "scrum.retro.add",
        ]

    def test_mood_votes_one_per_person_replaced_on_revote(self, sprint, people, refused):
        ds = people["ds"]
        refused(TransitionNotAllowed, lambda: services.mood_vote_record(actor=ds, sprint=sprint, score=4))
        services.sprint_start(actor=ds, sprint=sprint, at=at(2))
        services.mood_vote_record(actor=ds, sprint=sprint, score=4, at=at(13))
        services.mood_vote_record(actor=ds, sprint=sprint, score=2, at=at(13, 11))
        vote = MoodVote.objects.get()
        assert (vote.person, vote.score, vote.voted_at) == (ds, 2, at(13, 11))
        record = AuditRecord.objects.filter(action="scrum.mood.record").order_by("-id").first()
        assert (record.before, record.after) == ({"score": 4}, {"score": 2})

    @pytest.mark.parametrize("score", [0, 6, 3.5, True, "4"])
    def test_scores_out_of_range_are_refused(self, sprint, people, refused, score):
        services.sprint_start(actor=people["ds"], sprint=sprint, at=at(2))
        refused(
            ValidationFailed,
            lambda: services.mood_vote_record(actor=people["ds"], sprint=sprint, score=score),
            match="1 to 5",
        )

    @pytest.mark.parametrize("who", ["pm", "product", "outsider"])
    def test_only_team_members_vote(self, sprint, people, refused, who):
        services.sprint_start(actor=people["ds"], sprint=sprint, at=at(2))
        refused(NotAllowed, lambda: services.mood_vote_record(actor=people[who], sprint=sprint, score=3))


# --- races (real PostgreSQL, two connections) ----------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
class TestRaces:
    def test_two_sprints_started_at_once_one_wins(self, team, sprint, people, monkeypatch):
        assert connection.vendor == "postgresql"
        second = services.sprint_create(
            actor=people["ds"], team=team, name="Sprint 2", planned_start=datetime.date(2026, 3, 16),
            planned_end=datetime.date(2026, 3, 27),
        )  # fmt: skip
        slow_down(monkeypatch, services, "_refuse_second_active")
        outcomes = run_at_once(
            lambda: services.sprint_start(actor=people["ds"], sprint=sprint),
            lambda: services.sprint_start(actor=people["architect"], sprint=second),
        )
        kinds = sorted(kind for kind, _ in outcomes)
        assert kinds == ["error", "ok"]
        assert [type(value) for kind, value in outcomes if kind == "error"] == [TransitionNotAllowed]
        assert Sprint.objects.filter(state=SprintState.ACTIVE).count() == 1
        assert AuditRecord.objects.filter(action="scrum.sprint.start").count() == 1

    def test_a_close_racing_an_edit_waits_for_it_and_the_log_reproduces_the_summary(
        self, team, sprint, people, monkeypatch
    ):
        ds = people["ds"]
        item = services.work_item_create(
            actor=ds, team=team, key="A", title="A", points=5, state_group="todo", sprint=sprint, at=at(1)
        )
        services.sprint_start(actor=ds, sprint=sprint, at=at(2))
        # The edit takes its timestamp, then dawdles before writing its log row. Without the team lock the close
        # would take a later timestamp yet compute its summary before the edit commits: frozen "0 completed"
        # while the log, replayed at the close, says 5.
        slow_down(monkeypatch, scrum_items, "_log")
        outcomes = run_at_once(
            lambda: services.work_item_update(actor=people["architect"], item=item, changes={"state_group": "done"}),
            lambda: (time.sleep(HOLD_LOCK_SECONDS / 3), services.sprint_close(actor=ds, sprint=sprint))[1],
        )
        assert [kind for kind, _ in outcomes] == ["ok", "ok"]
        sprint.refresh_from_db()
        assert item.changes.order_by("-id").first().at < sprint.completed_at
        assert sprint.summary["completed"] == 5.0
        recomputed = sprint_summary(work_item_changes(sprint), as_formula_sprint(sprint))
        assert (recomputed.commitment, recomputed.completed) == (5.0, 5.0)
