"""Scrum formulas (scrum, sprint_charts, forecast) on a hand-built change log and edge cases.

The reference sprint runs Mon 23 Nov - Fri 4 Dec 2026 (10 working days), starts 09:00 and closes Fri 17:00.
Initial scope: A 5, B 3, C 2, D 1 (defect), G 2 -> commitment 13; X (8) was cancelled before the start.
During: A done Tue; B re-estimated 3 -> 5 Wed; E (4) added Thu; G done Fri; C cancelled Mon 30;
G reopened Tue 1; B done Wed 2; E done Thu 3. After the close (sprint reopened): D done Sat 5.
"""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.formulas import forecast as fc
from metrics.formulas import scrum as sc
from metrics.formulas import sprint_charts as ch
from metrics.formulas.bands import SayDoBand

S = "S1"
TODO, PROG, DONE, CANC = sc.StateGroup.TODO, sc.StateGroup.IN_PROGRESS, sc.StateGroup.DONE, sc.StateGroup.CANCELLED


def at(day: int, month: int = 11, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour)


def change(item, when, state=TODO, points=None, sprint=S, item_type=sc.ItemType.STORY):
    return sc.WorkItemChange(item, when, sprint, state, points, item_type)


CHANGES = [
    change("A", at(20), points=5),
    change("B", at(20), points=3),
    change("C", at(20), points=2),
    change("D", at(20), points=1, item_type=sc.ItemType.DEFECT),
    change("G", at(20), points=2),
    change("X", at(20), CANC, points=8),
    change("A", at(24), DONE, 5),
    change("B", at(25), TODO, 5),
    change("E", at(26), TODO, 4),
    change("G", at(27), DONE, 2),
    change("C", at(30), CANC, 2),
    change("G", at(1, 12), PROG, 2),
    change("B", at(2, 12), DONE, 5),
    change("E", at(3, 12), DONE, 4),
    change("D", at(5, 12), DONE, 1, item_type=sc.ItemType.DEFECT),  # while the sprint was reopened
]
SPRINT = sc.Sprint(S, date(2026, 11, 23), date(2026, 12, 4), at(23, hour=9), datetime(2026, 12, 4, 17))


def test_commitment_excludes_items_cancelled_before_start():
    assert sc.commitment(CHANGES, SPRINT) == 13  # 5 + 3 + 2 + 1 + 2


def test_completed_counts_done_items_at_close_and_ignores_reopened_ones():
    # A 5 + B 5 (re-estimated) + E 4 = 14; G was done then reopened; D done only after the close
    assert sc.completed(CHANGES, SPRINT) == 14


def test_a_reopened_sprint_keeps_its_frozen_summary():
    summary = sc.sprint_summary(CHANGES, SPRINT)
    assert summary == sc.SprintSummary(
        sprint=S,
        commitment=13,
        completed=14,
        say_do=8 / 13,  # initial items done at the end, at initial points: A 5 + B 3 = 8, over 13
        scope_change=sc.ScopeChange(added=4, removed=2, reestimated=2, net=4),  # 4 - 2 + 2 = 17 - 13
        logged_defects=1,  # D still open at the close
    )
    # the same sprint still open on 6 Dec would count D: 14 + 1 = 15 and no open defect
    still_open = sc.Sprint(S, SPRINT.planned_start, SPRINT.planned_end, SPRINT.started_at)
    assert sc.completed(CHANGES, still_open, as_of=at(6, 12)) == 15
    assert sc.logged_defects(CHANGES, still_open, as_of=at(6, 12)) == 0


def test_say_do_band():
    assert sc.say_do_band(8 / 13) == SayDoBand.FAIR  # 61.5 %
    assert sc.say_do_band(0.59) == SayDoBand.POOR
    assert sc.say_do_band(0.75) == SayDoBand.GOOD
    assert sc.say_do_band(0.9) == SayDoBand.EXCELLENT
    assert sc.say_do_band(None) is None


def test_open_sprint_needs_as_of():
    with pytest.raises(ValueError):
        sc.completed(CHANGES, sc.Sprint(S, date(2026, 11, 23), date(2026, 12, 4), at(23, hour=9)))


def test_empty_sprint_zero_commitment():
    empty = sc.Sprint("S0", date(2026, 11, 23), date(2026, 12, 4), at(23, hour=9), datetime(2026, 12, 4, 17))
    summary = sc.sprint_summary(CHANGES, empty)
    assert summary == sc.SprintSummary("S0", 0.0, 0.0, None, sc.ScopeChange(0.0, 0.0, 0.0, 0.0), 0)
    days = ch.burndown(CHANGES, empty)
    assert {(row.scope, row.remaining, row.ideal) for row in days} == {(0.0, 0.0, 0.0)}


def test_sprint_not_started_has_no_commitment_and_no_actuals():
    planned = sc.Sprint(S, date(2026, 11, 23), date(2026, 11, 24))
    assert sc.commitment(CHANGES, planned) is None
    assert sc.say_do(CHANGES, planned, as_of=at(24)) is None
    assert sc.scope_change(CHANGES, planned, as_of=at(24)) is None
    assert [(r.remaining, r.ideal) for r in ch.burndown(CHANGES, planned)] == [(None, None), (None, None)]


def test_unestimated_items_count_zero_and_negative_points_are_refused():
    sprint = sc.Sprint("S2", date(2026, 11, 23), date(2026, 11, 27), at(23, hour=9), at(27, hour=17))
    log = [change("A", at(20), sprint="S2"), change("B", at(20), points=2, sprint="S2")]
    assert sc.commitment(log, sprint) == 2
    with pytest.raises(ValueError):
        change("A", at(20), points=-1)


def test_sprint_dates_are_checked():
    with pytest.raises(ValueError):
        sc.Sprint(S, date(2026, 11, 23), date(2026, 11, 22))
    with pytest.raises(ValueError):
        sc.Sprint(S, date(2026, 11, 23), date(2026, 11, 24), at(24), at(23))


# --- burndown and burnup --------------------------------------------------------------------------------------

# (day, working, scope, completed, remaining, ideal, scope change); ideal = 13 x (10 - working days so far) / 10
EXPECTED_DAYS = [
    (date(2026, 11, 23), True, 13, 0, 13, 11.7, 0),
    (date(2026, 11, 24), True, 13, 5, 8, 10.4, 0),
    (date(2026, 11, 25), True, 15, 5, 10, 9.1, 2),  # B re-estimated +2
    (date(2026, 11, 26), True, 19, 5, 14, 7.8, 4),  # E added +4
    (date(2026, 11, 27), True, 19, 7, 12, 6.5, 0),
    (date(2026, 11, 28), False, 19, 7, 12, 6.5, 0),  # weekend: ideal flat
    (date(2026, 11, 29), False, 19, 7, 12, 6.5, 0),
    (date(2026, 11, 30), True, 17, 7, 10, 5.2, -2),  # C cancelled
    (date(2026, 12, 1), True, 17, 5, 12, 3.9, 0),  # G reopened
    (date(2026, 12, 2), True, 17, 10, 7, 2.6, 0),
    (date(2026, 12, 3), True, 17, 14, 3, 1.3, 0),
    (date(2026, 12, 4), True, 17, 14, 3, 0.0, 0),
]


def test_burndown_per_day_hand_computed():
    rows = ch.burndown(CHANGES, SPRINT)
    got = [(r.day, r.working_day, r.scope, r.completed, r.remaining, r.ideal, r.scope_change) for r in rows]
    assert got == [(d, w, s, c, r, pytest.approx(i), sc_) for d, w, s, c, r, i, sc_ in EXPECTED_DAYS]


def test_burndown_ideal_skips_holidays():
    # Thanksgiving off: 9 working days, ideal 13 x 8/9 after Tuesday, flat on Thursday
    rows = ch.burndown(CHANGES, SPRINT, holidays={date(2026, 11, 26)})
    assert rows[1].ideal == pytest.approx(13 * 7 / 9)
    assert rows[3].working_day is False
    assert rows[3].ideal == rows[2].ideal == pytest.approx(13 * 6 / 9)
    assert rows[-1].ideal == 0


def test_burndown_of_a_running_sprint_stops_at_as_of():
    running = sc.Sprint(S, SPRINT.planned_start, SPRINT.planned_end, SPRINT.started_at)
    rows = ch.burndown(CHANGES, running, as_of=date(2026, 11, 25))
    assert [r.remaining for r in rows[:3]] == [13, 8, 10]
    assert all(r.remaining is None and r.scope_change is None for r in rows[3:])
    assert rows[-1].ideal == 0  # the ideal line is drawn to the end


def test_sprint_closed_late_extends_the_days_with_ideal_zero():
    late = sc.Sprint(S, SPRINT.planned_start, SPRINT.planned_end, SPRINT.started_at, datetime(2026, 12, 7, 12))
    rows = ch.burndown(CHANGES, late)
    assert rows[-1].day == date(2026, 12, 7)
    assert rows[-1].ideal == 0
    assert rows[-2].completed == 15  # D done on Sat 5 Dec, before this later close


def test_burnup_mirrors_the_burndown_days():
    rows = ch.burnup(CHANGES, SPRINT)
    assert [(r.scope, r.completed, r.added) for r in rows[2:4]] == [(15, 5, 2), (19, 5, 4)]


@st.composite
def change_logs(draw):
    items = draw(st.lists(st.sampled_from("ABCDEFG"), min_size=1, max_size=25))
    return [
        change(
            item,
            datetime(2026, 11, 20) + timedelta(hours=draw(st.integers(0, 24 * 16))),
            draw(st.sampled_from(list(sc.StateGroup))),
            draw(st.one_of(st.none(), st.integers(0, 13))),
            draw(st.sampled_from([S, "other", None])),
        )
        for item in items
    ]


@given(change_logs())
def test_burndown_remaining_never_negative_and_scope_change_identity(log):
    rows = ch.burndown(log, SPRINT)
    assert all(r.remaining >= 0 and r.completed <= r.scope for r in rows)
    total = sc.scope_change(log, SPRINT)
    assert total.net == pytest.approx(sc.completed(log, SPRINT) + rows[-1].remaining - sc.commitment(log, SPRINT))
    assert 0 <= (sc.say_do(log, SPRINT) or 0) <= 1


# --- across sprints -------------------------------------------------------------------------------------------


def test_velocity_over_last_seven_closed_sprints():
    assert sc.velocity([10, 20, 30]) == 20
    # last 7 of 9: (30 + 40 + 50 + 60 + 70 + 80 + 90) / 7 = 60
    assert sc.velocity([10, 20, 30, 40, 50, 60, 70, 80, 90]) == 60
    assert sc.velocity([0, 10]) == 5  # an empty sprint counts as 0
    assert sc.velocity([]) is None
    with pytest.raises(ValueError):
        sc.velocity([10], window=0)
    with pytest.raises(ValueError):
        sc.velocity([-1])


def test_rolling_velocity():
    assert sc.rolling_velocity([10, 20, 30], window=2) == [10, 15, 25]
    assert sc.rolling_velocity([]) == []


def test_velocity_consistency_is_sample_cv():
    # mean 20; sample stdev sqrt((100 + 0 + 100) / 2) = 10; CV = 0.5
    assert sc.velocity_consistency([10, 20, 30]) == 0.5
    assert sc.velocity_consistency([5]) is None
    assert sc.velocity_consistency([0, 0]) is None
    assert sc.velocity_consistency([8, 8, 8]) == 0


def test_process_refinement():
    raised = date(2026, 11, 20)
    actions = [
        sc.RetroAction(raised, date(2026, 11, 25)),
        sc.RetroAction(raised, date(2026, 12, 4)),  # closed on the day of the next retro: counts
        sc.RetroAction(raised, date(2026, 12, 5)),
        sc.RetroAction(raised),
    ]
    assert sc.process_refinement(actions, date(2026, 12, 4)) == 0.5  # 2 / 4
    assert sc.process_refinement(actions, None) is None
    assert sc.process_refinement([], date(2026, 12, 4)) is None
    with pytest.raises(ValueError):
        sc.RetroAction(raised, date(2026, 11, 19))


def test_escaped_defects_and_rate():
    defects = [
        sc.Defect("D1", found_at=at(10, 12), delivered_at=at(4, 12)),  # escaped
        sc.Defect("D2", found_at=at(1, 12), delivered_at=at(4, 12)),  # found before delivery
        sc.Defect("D3", found_at=at(1, 12)),  # item not delivered yet
    ]
    assert sc.escaped_defects(defects) == 1
    assert sc.escape_rate(defects) == 1 / 3
    assert sc.escape_rate([]) is None


def test_motivation():
    result = sc.motivation([3, 4, 4, 5])
    assert result == sc.Motivation(4, 4.0, {1: 0, 2: 0, 3: 1, 4: 2, 5: 1})
    assert sc.motivation([]) == sc.Motivation(0, None, {1: 0, 2: 0, 3: 0, 4: 0, 5: 0})
    for bad in (0, 6, True, 3.5):
        with pytest.raises(ValueError):
            sc.motivation([bad])


# --- Monte-Carlo forecast -------------------------------------------------------------------------------------

FROM = date(2026, 12, 7)


def test_forecast_with_constant_throughput_is_exact():
    # 10 points every sprint, 35 remaining: every trial needs 4 sprints -> 7 Dec + 4 x 14 days = 1 Feb 2027
    result = fc.delivery_forecast([10] * 10, 35, FROM, seed=1)
    assert (result.p50_sprints, result.p85_sprints, result.p95_sprints) == (4, 4, 4)
    assert result.p50_date == result.p95_date == date(2027, 2, 1)
    assert (result.trials, result.sprints_sampled) == (10_000, 10)


def test_forecast_percentiles_from_a_known_distribution():
    # each sprint delivers 10 with p = 0.8, else 0; 10 remaining -> P(done in 1) = 0.8, in 2 = 0.96
    # so P50 = 1, P85 = 2, P95 = 2 (0.96 >= 0.95); 10,000 trials keep the sampling error near 0.004
    result = fc.delivery_forecast([0, 0, 10, 10, 10, 10, 10, 10, 10, 10], 10, FROM, seed=7)
    assert (result.p50_sprints, result.p85_sprints, result.p95_sprints) == (1, 2, 2)
    assert result.p85_date == date(2027, 1, 4)


def test_forecast_is_reproducible_with_a_seed():
    history = [3, 8, 5, 13, 0, 8, 5, 21, 8, 5, 13]
    assert fc.delivery_forecast(history, 60, FROM, seed=42) == fc.delivery_forecast(history, 60, FROM, seed=42)


def test_forecast_needs_ten_sprints_and_some_throughput():
    assert fc.delivery_forecast([10] * 9, 35, FROM) is None
    assert fc.delivery_forecast([0] * 12, 35, FROM) is None
    assert fc.delivery_forecast([5] * 15, 35, FROM, window=9) is None  # only 9 used
    done = fc.delivery_forecast([0] * 12, 0, FROM)
    assert (done.p95_sprints, done.p95_date) == (0, FROM)
    with pytest.raises(ValueError):
        fc.delivery_forecast([10] * 10, -1, FROM)
    with pytest.raises(ValueError):
        fc.delivery_forecast([10] * 9 + [-1], 5, FROM)


def test_forecast_beyond_the_horizon_is_none():
    # one sprint in 100 delivers 1 point: 1,000 points cannot be reached in 260 sprints
    result = fc.delivery_forecast([1] + [0] * 99, 1000, FROM, trials=50, seed=3)
    assert (result.p50_sprints, result.p50_date) == (None, None)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 20), min_size=10, max_size=20).filter(any),
    st.integers(0, 200),
    st.integers(0, 2**32 - 1),
)
def test_forecast_percentiles_are_ordered(history, remaining, seed):
    result = fc.delivery_forecast(history, remaining, FROM, trials=500, seed=seed)
    # None means "beyond the horizon": later than any date
    sprints = [float("inf") if n is None else n for n in (result.p50_sprints, result.p85_sprints, result.p95_sprints)]
    dates = [date.max if d is None else d for d in (result.p50_date, result.p85_date, result.p95_date)]
    assert sprints == sorted(sprints)
    assert dates == sorted(dates)
