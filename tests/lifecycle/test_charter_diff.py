"""charter_diff: pure comparisons of two charter snapshots, no database."""

from lifecycle.charter_diff import LinePair, charter_compare, section_rows_diff, text_line_diff

METRIC_COLUMNS = ("name", "definition", "baseline", "target", "unit", "due_date")


def snapshot(**overrides):
    base = {
        "objective": "",
        "goal_type": "",
        "goal_description": "",
        "model_users": "",
        "business_process": "",
        "acceptance_measure": "",
        "expected_benefit": None,
        "expected_cost": None,
        "success_metrics": [],
        "data_sources": [],
        "data_dictionary": [],
        "milestones": [],
    }
    base.update(overrides)
    return base


def metric(name, target="10.0000", **fields):
    row = {"name": name, "definition": "", "baseline": None, "target": target, "unit": "%", "due_date": None}
    row.update(fields)
    return row


def test_identical_snapshots_have_no_changes():
    old = snapshot(objective="Reduce churn", success_metrics=[metric("Churn")])
    comparison = charter_compare(old, dict(old))
    assert comparison.changed is False
    assert comparison.changed_names == []
    assert [row.status for row in comparison.sections[0].rows] == ["same"]


def test_changed_fields_are_named_in_display_order():
    comparison = charter_compare(
        snapshot(goal_type="", expected_cost="100.00"), snapshot(goal_type="classification", expected_cost="120.00")
    )
    assert comparison.changed_names == ["goal_type", "expected_cost"]
    goal = comparison.fields[1]
    assert (goal.name, goal.label, goal.old, goal.new, goal.changed) == (
        "goal_type",
        "Goal type",
        "",
        "classification",
        True,
    )


def test_empty_values_and_amount_precision_are_not_changes():
    comparison = charter_compare(
        snapshot(expected_benefit="1000", objective=None), snapshot(expected_benefit="1000.00", objective="")
    )
    assert comparison.changed is False


def test_text_in_a_short_field_that_looks_numeric_still_compares_as_text():
    rows = section_rows_diff(METRIC_COLUMNS, [metric("Churn", unit="1")], [metric("Churn", unit="1.0")])
    assert rows[0].status == "changed"
    assert [cell.column for cell in rows[0].cells if cell.changed] == ["unit"]


def test_added_row_is_marked_added_with_its_new_cells():
    rows = section_rows_diff(METRIC_COLUMNS, [metric("Churn")], [metric("Churn"), metric("Feature usage", "40.0000")])
    assert [row.status for row in rows] == ["same", "added"]
    added = rows[1]
    assert [(cell.old, cell.new) for cell in added.cells[:4]] == [
        (None, "Feature usage"),
        (None, ""),
        (None, None),
        (None, "40.0000"),
    ]


def test_removed_row_is_marked_removed():
    rows = section_rows_diff(METRIC_COLUMNS, [metric("Churn"), metric("NPS")], [metric("NPS")])
    assert [(row.status, row.cells[0].old, row.cells[0].new) for row in rows] == [
        ("removed", "Churn", None),
        ("same", "NPS", "NPS"),
    ]


def test_changed_row_marks_only_the_changed_cells():
    rows = section_rows_diff(METRIC_COLUMNS, [metric("Churn", "10.0000")], [metric("Churn", "8.0000")])
    assert len(rows) == 1
    assert rows[0].status == "changed"
    assert [(cell.column, cell.old, cell.new) for cell in rows[0].cells if cell.changed] == [
        ("target", "10.0000", "8.0000")
    ]


def test_renamed_row_in_place_pairs_as_changed_not_removed_plus_added():
    rows = section_rows_diff(
        METRIC_COLUMNS,
        [metric("Churn"), metric("NPS"), metric("CSAT")],
        [metric("Churn"), metric("DAU"), metric("CSAT")],
    )
    assert [row.status for row in rows] == ["same", "changed", "same"]
    assert (rows[1].cells[0].old, rows[1].cells[0].new) == ("NPS", "DAU")


def test_rows_align_on_their_key_when_reordered_around_an_insert():
    old = [metric("A"), metric("B"), metric("C")]
    new = [metric("A"), metric("X"), metric("B"), metric("C", target="5.0000")]
    rows = section_rows_diff(METRIC_COLUMNS, old, new)
    assert [(row.status, row.cells[0].old, row.cells[0].new) for row in rows] == [
        ("same", "A", "A"),
        ("added", None, "X"),
        ("same", "B", "B"),
        ("changed", "C", "C"),
    ]


def test_replaced_block_with_more_new_rows_pairs_then_adds():
    rows = section_rows_diff(METRIC_COLUMNS, [metric("A")], [metric("B"), metric("C")])
    assert [(row.status, row.cells[0].old, row.cells[0].new) for row in rows] == [
        ("changed", "A", "B"),
        ("added", None, "C"),
    ]


def test_text_line_diff_pairs_lines_side_by_side():
    old = "Line one\nLine two\nLine three\nLine four"
    new = "Line one\nLine 2\nLine three\nLine four\nLine five"
    assert text_line_diff(old, new) == (
        LinePair("equal", "Line one", "Line one"),
        LinePair("replace", "Line two", "Line 2"),
        LinePair("equal", "Line three", "Line three"),
        LinePair("equal", "Line four", "Line four"),
        LinePair("insert", None, "Line five"),
    )


def test_text_line_diff_deletes_and_uneven_replacements():
    assert text_line_diff("a\nb\nc", "a\nX") == (
        LinePair("equal", "a", "a"),
        LinePair("replace", "b", "X"),
        LinePair("delete", "c", None),
    )
    assert text_line_diff(None, "new") == (LinePair("insert", None, "new"),)


def test_long_text_fields_carry_a_line_diff_and_short_ones_do_not():
    comparison = charter_compare(
        snapshot(objective="Keep\nOld", goal_type="anomaly"), snapshot(objective="Keep\nNew", goal_type="clustering")
    )
    objective, goal_type = comparison.fields[0], comparison.fields[1]
    assert objective.lines == (LinePair("equal", "Keep", "Keep"), LinePair("replace", "Old", "New"))
    assert goal_type.lines == ()


def test_sections_missing_from_a_snapshot_count_as_empty():
    old = snapshot()
    del old["milestones"]
    new = snapshot(milestones=[{"name": "Kick-off", "due_date": "2026-02-01", "done": False}])
    sections = {section.name: section for section in charter_compare(old, new).sections}
    assert [row.status for row in sections["milestones"].rows] == ["added"]
    assert sections["milestones"].column_labels == ["Name", "Due", "Done"]
    assert sections["data_sources"].changed is False


def test_amounts_are_displayed_without_stored_trailing_zeros():
    rows = section_rows_diff(METRIC_COLUMNS, [metric("Churn", "10.0000")], [metric("Churn", "12.5000", unit="10.0")])
    cells = {cell.column: cell for cell in rows[0].cells}
    assert (cells["target"].old_display, cells["target"].new_display) == ("10", "12.5")
    assert cells["unit"].new_display == "10.0"  # a text column is shown as typed
    comparison = charter_compare(snapshot(expected_cost="1000.00"), snapshot(expected_cost="1250.50"))
    assert comparison.fields[7].new_display == "1250.5"
    assert comparison.unchanged_labels == [
        "Objective",
        "Goal type",
        "Goal",
        "Users of the model",
        "Business process",
        "User acceptance measure",
        "Expected benefit",
    ]
