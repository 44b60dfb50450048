"""Figure builders of the scrum dashboard: pure functions of snapshot details (no database)."""

from metrics.dashboards.scrum import current_sprint, pick_sprint
from metrics.dashboards.scrum_figures import burndown_figure, burnup_figure, forecast_figure, say_do_figure
from metrics.scrum.models import Sprint


def day(date: str, working: bool, scope: float, completed: float, ideal: float, change: float) -> dict:
    return {"day": date, "working_day": working, "scope": scope, "completed": completed,
            "remaining": scope - completed, "ideal": ideal, "scope_change": change}  # fmt: skip


DETAIL = {
    "days": [
        day("2026-03-06", True, 10, 0, 5.0, 0),
        day("2026-03-07", False, 12, 0, 5.0, 2),
        day("2026-03-08", False, 12, 2, 5.0, 0),
        day("2026-03-09", True, 9, 2, 0.0, -3),
    ],
    "non_working_days": ["2026-03-07", "2026-03-08"],
    "initial_commitment": 10,
    "scope_changes": [{"day": "2026-03-07", "points": 2}, {"day": "2026-03-09", "points": -3}],
}


def test_burndown_shades_non_working_days_centred_on_them_and_marks_scope_changes():
    figure = burndown_figure(DETAIL)
    ideal, remaining, markers = figure.data
    assert list(ideal.y) == [5.0, 5.0, 5.0, 0.0]
    assert list(remaining.y) == [10, 12, 10, 7]
    assert list(markers.x) == ["2026-03-07", "2026-03-09"]
    assert list(markers.y) == [12, 7]  # on the remaining line of that day
    assert list(markers.text) == ["+2", "-3"]
    shapes = figure.layout.shapes
    assert [(s.x0, s.x1) for s in shapes] == [
        ("2026-03-06 12:00:00", "2026-03-07 12:00:00"),
        ("2026-03-07 12:00:00", "2026-03-08 12:00:00"),
    ]


def test_burnup_has_scope_completed_and_added_points():
    added, scope, completed = burnup_figure(DETAIL).data
    assert (list(added.y), list(scope.y), list(completed.y)) == ([0, 2, 0, -3], [10, 12, 12, 9], [0, 0, 2, 2])


def test_say_do_bars_carry_their_band_and_the_three_thresholds():
    figure = say_do_figure([("S1", 0.5, "poor", "/x"), ("S2", 0.95, "excellent", "/y")])
    assert list(figure.data[0].y) == [50.0, 95.0]
    assert list(figure.data[0].text) == ["poor", "excellent"]
    assert sorted(shape.y0 for shape in figure.layout.shapes) == [60.0, 75.0, 90.0]


def test_forecast_bars_say_when():
    detail = {
        "p50_sprints": 3,
        "p85_sprints": 4,
        "p95_sprints": None,
        "p50_date": "2026-12-01",
        "p85_date": "2026-12-15",
        "p95_date": None,
    }
    bar = forecast_figure(detail).data[0]
    assert list(bar.x) == [3, 4, None]
    assert list(bar.text) == ["2026-12-01", "2026-12-15", "beyond the horizon"]


def test_the_current_sprint_is_the_active_one_else_the_last_started():
    import datetime

    def make(pk, state, started):
        start = datetime.date(2026, 1, pk)
        return Sprint(pk=pk, name=f"S{pk}", state=state, planned_start=start, planned_end=start, started_at=started)

    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    closed, active, planned = make(1, "closed", moment), make(2, "active", moment), make(3, "planned", None)
    assert current_sprint([closed, active, planned]) is active
    assert current_sprint([closed, planned]) is closed
    assert current_sprint([planned]) is None
    assert pick_sprint([closed, active, planned], "1") is closed
    assert pick_sprint([closed, active, planned], "3") is active  # not started: the current one instead
    assert pick_sprint([closed, active, planned], "x") is active
