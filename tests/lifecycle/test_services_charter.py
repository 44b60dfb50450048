"""charter_update: versions, snapshots, stale edits, validation, ROI."""

import datetime
from decimal import Decimal

import pytest

from lifecycle import services
from lifecycle.choices import GoalType
from lifecycle.models import AuditRecord, Charter, CharterVersion
from lifecycle.services.charter import CHARTER_FIELDS, CHARTER_SECTIONS, charter_snapshot
from portal.exceptions import NotAllowed, StaleEdit, ValidationFailed
from tests.lifecycle.service_helpers import refused

METRIC = {
    "name": "Monthly churn",
    "definition": "Share of customers lost in a month",
    "baseline": "0.08",
    "target": Decimal("0.05"),
    "unit": "%",
    "due_date": datetime.date(2026, 9, 30),
}


def save(project, actor, base_version, note="", **changes):
    return services.charter_update(actor=actor, project=project, base_version=base_version, changes=changes, note=note)


class TestCharterUpdate:
    def test_a_save_increments_the_version_and_stores_a_snapshot(self, project, people):
        charter = save(
            project, people["pm"], 1, note="First draft", objective="Reduce churn", goal_type=GoalType.CLASSIFICATION
        )
        assert charter.version == 2
        charter = Charter.objects.get(pk=charter.pk)
        assert (charter.version, charter.objective, charter.updated_by) == (2, "Reduce churn", people["pm"])
        version = CharterVersion.objects.get(charter=charter, number=2)
        assert (version.created_by, version.note) == (people["pm"], "First draft")
        assert version.content == charter_snapshot(charter)
        assert version.content["objective"] == "Reduce churn"
        assert version.content["goal_type"] == "classification"

    def test_snapshot_holds_every_field_and_section(self, project, people):
        save(
            project,
            people["pm"],
            1,
            objective="Reduce churn",
            expected_benefit=Decimal("150000"),
            expected_cost="100000.50",
            success_metrics=[METRIC],
            data_sources=[
                {
                    "name": "CRM",
                    "owner": "Sales ops",
                    "system": "Salesforce",
                    "is_ssot": True,
                    "link": "https://crm.example.com",
                }
            ],
            data_dictionary=[{"field": "customer_id", "data_type": "string", "description": "Key", "source": "CRM"}],
            milestones=[{"name": "Data ready", "due_date": "2026-04-01"}, {"name": "Model v1", "done": True}],
        )
        content = CharterVersion.objects.get(charter__project=project, number=2).content
        assert set(content) == set(CHARTER_FIELDS) | set(CHARTER_SECTIONS)
        assert content["expected_benefit"] == "150000.00"
        assert content["expected_cost"] == "100000.50"
        assert content["success_metrics"] == [
            {
                "name": "Monthly churn",
                "definition": "Share of customers lost in a month",
                "baseline": "0.0800",
                "target": "0.0500",
                "unit": "%",
                "due_date": "2026-09-30",
            }
        ]
        assert content["data_sources"] == [
            {
                "name": "CRM",
                "owner": "Sales ops",
                "system": "Salesforce",
                "is_ssot": True,
                "link": "https://crm.example.com",
            }
        ]
        assert content["data_dictionary"] == [
            {"field": "customer_id", "data_type": "string", "description": "Key", "source": "CRM"}
        ]
        assert content["milestones"] == [
            {"name": "Data ready", "due_date": "2026-04-01", "done": False},
            {"name": "Model v1", "due_date": None, "done": True},
        ]

    def test_versions_count_up_and_old_snapshots_stay_as_saved(self, project, people):
        for number, text in enumerate(["one", "two", "three"], start=1):
            assert save(project, people["pm"], number, objective=text).version == number + 1
        versions = CharterVersion.objects.filter(charter__project=project).order_by("number")
        assert [v.number for v in versions] == [1, 2, 3, 4]
        assert [v.content["objective"] for v in versions] == ["", "one", "two", "three"]

    def test_a_section_is_replaced_as_a_whole_and_can_be_cleared(self, project, people):
        save(project, people["pm"], 1, milestones=[{"name": "A"}, {"name": "B"}])
        save(project, people["pm"], 2, milestones=[{"name": "C"}])
        assert list(project.charter.milestones.values_list("name", "position")) == [("C", 0)]
        save(project, people["pm"], 3, milestones=[])
        assert project.charter.milestones.count() == 0
        assert Charter.objects.get(project=project).version == 4

    def test_audit_holds_only_the_changed_keys_and_the_versions(self, project, people):
        save(project, people["pm"], 1, objective="Reduce churn", model_users="", note="why")
        record = AuditRecord.objects.filter(project=project).latest("id")
        assert (record.action, record.actor, record.reason) == ("charter.update", people["pm"], "why")
        assert (record.target_type, record.target_id) == ("lifecycle.charter", str(project.charter.pk))
        assert record.before == {"version": 1, "objective": ""}
        assert record.after == {"version": 2, "objective": "Reduce churn"}

    @pytest.mark.parametrize("changes", [{}, {"objective": ""}, {"milestones": []}, {"expected_cost": None}])
    def test_a_save_that_changes_nothing_creates_no_version(self, project, people, changes):
        before_audit = AuditRecord.objects.count()
        charter = services.charter_update(actor=people["pm"], project=project, base_version=1, changes=changes)
        assert charter.version == 1
        assert Charter.objects.get(project=project).version == 1
        assert CharterVersion.objects.filter(charter__project=project).count() == 1
        assert AuditRecord.objects.count() == before_audit

    def test_resaving_the_same_rows_creates_no_version(self, project, people):
        save(project, people["pm"], 1, success_metrics=[METRIC])
        with _unchanged():
            charter = save(project, people["pm"], 2, success_metrics=[METRIC])
        assert charter.version == 2

    def test_resaving_the_same_amount_creates_no_version(self, project, people):
        save(project, people["pm"], 1, expected_cost=Decimal("100"))
        with _unchanged():
            charter = save(project, people["pm"], 2, expected_cost=Decimal("100.00"))
        assert charter.version == 2
        assert CharterVersion.objects.get(charter=charter, number=2).content["expected_cost"] == "100.00"

    def test_a_stale_save_is_refused_with_the_current_content(self, project, people):
        save(project, people["pm"], 1, objective="Theirs")
        with refused(StaleEdit) as caught:
            save(project, people["pm"], 1, objective="Mine")
        error = caught.value
        assert error.current_version == 2
        assert error.current == charter_snapshot(Charter.objects.get(project=project))
        assert error.current["objective"] == "Theirs"
        assert error.details == {"current_version": 2}
        assert error.as_dict()["code"] == "stale_edit"

    def test_a_save_based_on_a_future_version_is_stale_too(self, project, people):
        with refused(StaleEdit):
            save(project, people["pm"], 7, objective="From the future")

    @pytest.mark.parametrize("who", ["exec", "ds", "architect", "product", "outsider"])
    def test_only_managers_edit_the_charter(self, project, people, who):
        with refused(NotAllowed):
            save(project, people[who], 1, objective="Mine")

    def test_unknown_fields_are_refused(self, project, people):
        with refused(ValidationFailed) as caught:
            save(project, people["pm"], 1, objective="ok", version=5, phase="closure")
        assert caught.value.details == {"phase": "Unknown field.", "version": "Unknown field."}

    @pytest.mark.parametrize(
        ("changes", "key"),
        [
            ({"success_metrics": [{"name": "ok"}, {"name": "x", "colour": "red"}]}, "success_metrics[1]"),
            ({"success_metrics": [{"definition": "no name"}]}, "success_metrics[0]"),
            ({"data_dictionary": [{"field": "  "}]}, "data_dictionary[0]"),
            ({"success_metrics": [{"name": "x", "due_date": "not a date"}]}, "success_metrics[0]"),
            ({"success_metrics": [{"name": "x", "baseline": "abc"}]}, "success_metrics[0]"),
            ({"success_metrics": [{"name": "x", "target": "1" * 20}]}, "success_metrics[0]"),
            ({"data_sources": [{"name": "x", "link": "javascript:alert(1)"}]}, "data_sources[0]"),
            ({"milestones": [{"name": "m" * 161}]}, "milestones[0]"),
            ({"milestones": "not rows"}, "milestones"),
            ({"milestones": ["not a row"]}, "milestones"),
            ({"goal_type": "astrology"}, "goal_type"),
            ({"expected_cost": Decimal("-1")}, "expected_cost"),
            ({"expected_benefit": "-0.01"}, "expected_benefit"),
            ({"expected_cost": "lots"}, "expected_cost"),
        ],
    )
    def test_invalid_entries_are_refused(self, project, people, changes, key):
        with refused(ValidationFailed) as caught:
            services.charter_update(actor=people["pm"], project=project, base_version=1, changes=changes)
        assert set(caught.value.details) == {key}

    def test_an_invalid_entry_refuses_the_whole_save(self, project, people):
        with refused(ValidationFailed):
            save(project, people["pm"], 1, objective="Valid", milestones=[{"name": ""}])

    def test_a_note_longer_than_the_column_is_trimmed(self, project, people):
        save(project, people["pm"], 1, objective="x", note="n" * 300)
        assert CharterVersion.objects.get(charter__project=project, number=2).note == "n" * 200


class TestExpectedRoi:
    def test_roi_is_derived_from_benefit_and_cost(self, project, people):
        charter = save(project, people["pm"], 1, expected_benefit=Decimal("150000"), expected_cost=Decimal("100000"))
        assert Charter.objects.get(pk=charter.pk).expected_roi == Decimal("0.5")

    @pytest.mark.parametrize(
        ("benefit", "cost"), [(None, Decimal("100")), (Decimal("100"), None), (Decimal("100"), Decimal("0"))]
    )
    def test_roi_is_undefined_without_benefit_or_a_positive_cost(self, project, people, benefit, cost):
        charter = save(project, people["pm"], 1, objective="x", expected_benefit=benefit, expected_cost=cost)
        assert Charter.objects.get(pk=charter.pk).expected_roi is None


class _unchanged:
    """Context manager: the block must not add any charter version or audit record."""

    def __enter__(self):
        self.versions = CharterVersion.objects.count()
        self.audit = AuditRecord.objects.count()

    def __exit__(self, *exc):
        assert CharterVersion.objects.count() == self.versions
        assert AuditRecord.objects.count() == self.audit
        return False


@pytest.mark.django_db
def test_rows_keep_their_identity_across_saves_when_their_first_column_is_unchanged(project, people):
    from lifecycle import services
    from lifecycle.models import SuccessMetric

    services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=1,
        changes={"success_metrics": [{"name": "Churn", "target": "2.5"}, {"name": "Feature usage", "target": "40"}]},
    )
    ids = dict(SuccessMetric.objects.filter(charter__project=project).values_list("name", "id"))

    # Reorder, edit one, rename the other, add a third.
    services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=2,
        changes={
            "success_metrics": [
                {"name": "Feature adoption", "target": "45"},
                {"name": "Churn", "target": "2.0"},
                {"name": "NPS", "target": "30"},
            ]
        },
    )
    rows = list(SuccessMetric.objects.filter(charter__project=project).order_by("position"))
    assert [(row.name, str(row.target), row.position) for row in rows] == [
        ("Feature adoption", "45.0000", 0),
        ("Churn", "2.0000", 1),
        ("NPS", "30.0000", 2),
    ]
    assert rows[1].id == ids["Churn"]  # edited in place: whatever points at it still does
    assert ids["Feature usage"] not in {row.id for row in rows}  # renamed: a different metric
