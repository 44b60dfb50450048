"""Earned value at one data date: PV, EV and AC are all taken at the date of the latest status report stating
% complete (PMI earned-value standard); what happened after it (costs, plan) is only a labelled projection."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from lifecycle.models import Project
from metrics.portfolio_inputs import adapters
from metrics.portfolio_inputs.computers.projects import project_results_for
from metrics.portfolio_inputs.models import BudgetPeriod, CostEntry, StatusReport

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

D = datetime.date
NOW = datetime.datetime(2026, 5, 28, 12, tzinfo=datetime.UTC)


@pytest.fixture
def hand_computed(project, people):
    """Budget 3,000 a month (April to June: BAC 9,000); a report on 15 May stating 50%; costs before and after."""
    BudgetPeriod.objects.bulk_create(
        [BudgetPeriod(project=project, period_start=D(2026, month, 1), amount=Decimal(3000)) for month in (4, 5, 6)]
    )
    for day, amount in [(D(2026, 4, 20), 2000), (D(2026, 5, 15), 1000), (D(2026, 5, 16), 800), (D(2026, 5, 27), 400)]:
        CostEntry.objects.create(project=project, day=day, amount=Decimal(amount), created_by=people["pm"])
    StatusReport.objects.create(
        project=project, as_of=D(2026, 5, 15), schedule_rag="green", overall_rag="green", derived_rag="green",
        percent_complete=Decimal("0.5"), author=people["pm"],
    )  # fmt: skip
    return project


def test_pv_ev_and_ac_share_the_status_report_date(hand_computed):
    with time_machine.travel(NOW, tick=False):
        inputs = adapters.earned_value_inputs(hand_computed, NOW.date())
    assert inputs.data_date == D(2026, 5, 15)
    # PV = April 3,000 + May 3,000 x 15/31; EV = 0.5 x 9,000; AC = 2,000 + 1,000 (16 and 27 May come later)
    planned = 3000 + 3000 * 15 / 31
    ev = inputs.summary()
    assert ev.planned_value == pytest.approx(planned)
    assert ev.earned_value == pytest.approx(4500)
    assert ev.actual_cost == 3000
    assert ev.spi == pytest.approx(4500 / planned)
    assert ev.cpi == pytest.approx(1.5)
    # the projection to today is kept apart, and not used above
    assert inputs.actual_cost_today == 4200
    assert inputs.planned_cost_today == pytest.approx(3000 + 3000 * 28 / 31)


def test_the_snapshots_state_the_data_date(hand_computed):
    with time_machine.travel(NOW, tick=False):
        values = {(v.metric, v.period): v for v in project_results_for([hand_computed.pk])[hand_computed.pk].values}
    for metric in ("planned_value", "earned_value", "cost_actual", "cpi", "spi", "eac_typical"):
        detail = values[(metric, "")].detail
        assert (detail["data_date"], detail["as_of"]) == ("2026-05-15", "2026-05-28"), metric
    assert values[("cost_actual", "")].value == 3000
    assert values[("cost_planned", "")].value == pytest.approx(values[("planned_value", "")].value)
    projection = values[("cpi", "")].detail["projection_to_today"]
    assert projection["actual_cost"] == 4200 and "projection to 2026-05-28" in projection["label"]
    assert values[("cost_curve", "")].detail["data_date"] == "2026-05-15"
    # the monthly S-curve runs to today: May's actual includes the costs after the report
    assert values[("cost_actual", "2026-05")].value == 4200


def test_a_report_without_progress_does_not_move_the_data_date(hand_computed, people):
    StatusReport.objects.create(
        project=hand_computed, as_of=D(2026, 5, 25), schedule_rag="yellow", overall_rag="yellow",
        derived_rag="yellow", author=people["pm"],
    )  # fmt: skip
    assert adapters.earned_value_inputs(hand_computed, NOW.date()).data_date == D(2026, 5, 15)


def test_a_closed_project_is_measured_at_its_end_and_costs_its_actual_cost(hand_computed):
    Project.objects.filter(pk=hand_computed.pk).update(state="closed", actual_end_date=D(2026, 5, 20))
    inputs = adapters.earned_value_inputs(hand_computed, NOW.date())
    assert (inputs.data_date, inputs.finished) == (D(2026, 5, 20), True)
    ev = inputs.summary()
    assert ev.actual_cost == 3800  # everything to its end, 20 May
    assert (ev.eac_typical, ev.eac_atypical, ev.etc, ev.tcpi) == (3800, 3800, 0.0, None)
    assert ev.vac == 9000 - 3800


def test_without_a_progress_report_the_data_date_is_today(project):
    with time_machine.travel(NOW, tick=False):
        inputs = adapters.earned_value_inputs(project, NOW.date())
    assert (inputs.data_date, inputs.progress_reported) == (NOW.date(), False)


def test_data_date_rule():
    today = D(2026, 5, 28)
    assert adapters.data_date(D(2026, 5, 15), finished=False, end_date=None, as_of=today) == D(2026, 5, 15)
    assert adapters.data_date(None, finished=False, end_date=None, as_of=today) == today
    assert adapters.data_date(D(2026, 5, 15), finished=True, end_date=D(2026, 5, 1), as_of=today) == D(2026, 5, 15)
    assert adapters.data_date(None, finished=True, end_date=D(2026, 5, 1), as_of=today) == D(2026, 5, 1)
    assert adapters.data_date(None, finished=True, end_date=None, as_of=today) == today
