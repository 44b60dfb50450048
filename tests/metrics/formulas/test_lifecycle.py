"""Lifecycle timing: a phase's clock stops at its gate decision (next phase, closure, cancellation, hold), and the
portfolio median counts completed phases only, with the phases in progress reported apart."""

import datetime

import pytest

from metrics.formulas.lifecycle import PhaseTime, gate_throughput, phase_days_split, phase_durations


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 1, day, tzinfo=datetime.UTC)


NOW = at(31)


def test_phase_durations_from_transitions():
    transitions = [
        ("", "charter", "active", at(1)),
        ("charter", "exploration", "active", at(11)),
        ("exploration", "charter", "active", at(15)),  # recycled back
        ("charter", "exploration", "active", at(17)),
    ]
    timeline = phase_durations(transitions, at(1), at(27))
    assert timeline == {
        "charter": PhaseTime("charter", pytest.approx(12), current=False, ended_by="gate"),
        "exploration": PhaseTime("exploration", pytest.approx(14), current=True, ended_by=""),
    }
    assert timeline["exploration"].in_progress and not timeline["charter"].in_progress
    assert phase_durations([], at(1), at(2)) == {}


@pytest.mark.parametrize("state", ["closed", "cancelled", "on_hold"])
def test_the_clock_stops_when_the_project_is_closed_cancelled_or_on_hold(state):
    transitions = [
        ("", "charter", "active", at(1)),
        ("charter", "exploration", "active", at(5)),
        ("exploration", "exploration", state, at(12)),  # the gate decision that stops the project
    ]
    timeline = phase_durations(transitions, at(1), NOW)
    assert timeline["exploration"] == PhaseTime("exploration", pytest.approx(7), current=True, ended_by=state)
    assert not timeline["exploration"].in_progress
    # 19 days later nothing has changed: the clock does not run after the decision
    assert phase_durations(transitions, at(1), NOW + datetime.timedelta(days=19)) == timeline


def test_closure_ends_the_closure_phase_at_the_decision():
    transitions = [("", "deployment", "active", at(1)), ("deployment", "closure", "active", at(3))]
    closed = [*transitions, ("closure", "closure", "closed", at(10))]
    assert phase_durations(closed, at(1), NOW)["closure"].days == pytest.approx(7)
    assert phase_durations(transitions, at(1), NOW)["closure"].days == pytest.approx(28)  # still running


def test_a_resume_restarts_the_clock_in_the_same_phase():
    transitions = [
        ("", "modeling", "active", at(1)),
        ("modeling", "modeling", "on_hold", at(5)),  # 4 days, then on hold 10 days
        ("modeling", "modeling", "active", at(15)),  # resumed: 16 more days to the 31st
    ]
    timeline = phase_durations(transitions, at(1), NOW)
    assert timeline["modeling"] == PhaseTime("modeling", pytest.approx(20), current=True, ended_by="")


def test_history_starting_mid_way_counts_from_creation():
    timeline = phase_durations([("charter", "exploration", "active", at(4))], at(1), at(6))
    assert timeline["charter"].days == pytest.approx(3)
    assert timeline["exploration"].days == pytest.approx(2)


def test_the_median_covers_completed_phases_only():
    done = phase_durations(
        [("", "charter", "active", at(1)), ("charter", "exploration", "active", at(11))], at(1), NOW
    )  # charter 10 days, completed
    cancelled = phase_durations(
        [("", "charter", "active", at(1)), ("charter", "charter", "cancelled", at(21))], at(1), NOW
    )  # charter 20 days, ended by cancellation
    running = phase_durations([("", "charter", "active", at(2))], at(2), NOW)  # charter 29 days, in progress
    completed, in_progress = phase_days_split([done, cancelled, running])
    assert completed == {"charter": [pytest.approx(10), pytest.approx(20)]}
    assert in_progress == {"exploration": [pytest.approx(20)], "charter": [pytest.approx(29)]}

    throughput = gate_throughput({"go": 1, "no_go": 1}, completed, in_progress)
    assert throughput["median_days"]["charter"] == pytest.approx(15)  # not 20 (the median with the open one)
    assert throughput["completed"]["charter"] == 2
    assert throughput["in_progress"]["charter"] == {
        "projects": 1,
        "median_age_days": pytest.approx(29),
        "oldest_days": pytest.approx(29),
    }
    assert throughput["median_days"]["exploration"] is None  # only an open one: no median yet
    assert throughput["in_progress"]["exploration"]["projects"] == 1
    assert throughput["rates"]["go"] == 0.5
