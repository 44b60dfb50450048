"""The import core's additions: spec discovery, scope visibility, size limit, and the confirmation of a preview."""

import secrets
from decimal import Decimal

import pytest
from django.core import signing

from lifecycle.models import AuditRecord, Project
from metrics.imports.base import (
    IMPORT_AUDIT_ACTION,
    Column,
    ImportSpec,
    decode_csv,
    import_confirm,
    import_csv,
    import_max_bytes,
    import_spec,
    import_specs,
)
from metrics.portfolio_inputs.models import CostEntry
from metrics.product.models import Product
from metrics.scrum.models import Team
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portfolio.models import Portfolio
from tests.factories import PortfolioFactory, make_project
from tests.metrics.inputs_helpers import everything, refused

pytestmark = pytest.mark.django_db

COSTS = "day,amount\n2026-03-02,100\n2026-03-03,-5\n2026-03-04,7\n"


def test_specs_of_every_area_module_are_found_by_kind():
    specs = import_specs()

    portfolio_kinds = {
        "budgets",
        "cost-entries",
        "allocations",
        "time-entries",
        "status-reports",
        "risks",
        "issues",
        "benefit-measurements",
        "milestones",
        "capacity",
    }
    assert portfolio_kinds <= set(specs)
    assert import_spec("budgets") is specs["budgets"]
    assert import_spec("no-such-kind") is None


def _spec_for(model):
    class _Spec(ImportSpec):
        kind = "test"
        label = "Test"
        scope_model = model
        columns = (Column("a"),)

    return _Spec()


def test_visible_scopes_follow_portfolio_access(people, portfolio, project):
    other_portfolio = PortfolioFactory(slug="other")
    hidden = make_project(portfolio=other_portfolio, code="OTH-001")
    team = Team.objects.create(portfolio=portfolio, project=project, name="Alpha")
    Team.objects.create(portfolio=other_portfolio, name="Beta")
    product = Product.objects.create(project=project, name="Churn app")
    Product.objects.create(project=hidden, name="Hidden app")
    pm = people["pm"]

    assert list(_spec_for(Project).visible_scopes(pm)) == [project]
    assert list(_spec_for(Portfolio).visible_scopes(pm)) == [portfolio]
    assert list(_spec_for(Team).visible_scopes(pm)) == [team]
    assert list(_spec_for(Product).visible_scopes(pm)) == [product]
    assert list(_spec_for(Project).visible_scopes(people["outsider"])) == []


def test_default_scope_label_and_url(project):
    spec = _spec_for(Project)
    assert spec.scope_label(project) == "AML-001 Churn prediction"
    assert spec.scope_url(project) == ""  # Project has no get_absolute_url; specs override scope_url
    assert import_spec("budgets").scope_url(project) == f"/projects/{project.pk}/inputs/budgets/"


def test_size_limit_defaults_to_half_the_request_limit_so_the_signed_copy_fits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    assert import_max_bytes() == 50_000
    # Worst case: text that hardly compresses still signs to less than the request limit.
    text = secrets.token_urlsafe(import_max_bytes())[: import_max_bytes()]
    assert len(signing.dumps({"csv": text}, compress=True)) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    settings.METRICS_IMPORT_MAX_BYTES = 1234
    assert import_max_bytes() == 1234


def test_decode_csv_accepts_a_byte_order_mark_and_explains_other_encodings():
    assert decode_csv("\ufeffday,amount\n".encode()) == "day,amount\n"
    with pytest.raises(ValidationFailed, match="not UTF-8 text"):
        decode_csv("day;montant\n2026-03-02;été\n".encode("latin-1"))


def _confirm(people, project, data=COSTS, token="t1", lines=(3,), skip=True):
    return import_confirm(
        import_spec("cost-entries"),
        actor=people["pm"],
        scope=project,
        data=data,
        skip_invalid=skip,
        preview_token=token,
        previewed_error_lines=lines,
    )


def test_confirm_imports_as_previewed_and_records_the_file(people, project):
    result = _confirm(people, project)

    assert (result.committed, result.imported, result.skipped, result.changed_since_preview) == (True, 2, 1, False)
    assert sorted(CostEntry.objects.values_list("amount", flat=True)) == [Decimal("7.00"), Decimal("100.00")]
    record = AuditRecord.objects.get(action=IMPORT_AUDIT_ACTION)
    assert record.after == {"kind": "cost-entries", "rows": 3, "imported": 2, "skipped_lines": [3], "preview": "t1"}


def test_confirm_of_the_same_preview_twice_is_refused_and_changes_nothing(people, project):
    _confirm(people, project)

    with refused(TransitionNotAllowed):
        _confirm(people, project)
    # Another preview of the same file is another import.
    assert _confirm(people, project, token="t2").imported == 2


def test_confirm_writes_nothing_when_the_bad_rows_differ_from_the_preview(people, project):
    before = everything()

    result = _confirm(people, project, lines=())  # the preview saw no bad row; now line 3 is refused

    assert (result.committed, result.imported, result.changed_since_preview) == (False, 0, True)
    assert [error.line for error in result.errors] == [3]
    assert everything() == before


def test_confirm_without_skipping_writes_nothing_when_a_row_is_bad(people, project):
    before = everything()

    result = _confirm(people, project, skip=False)

    assert (result.committed, result.imported) == (False, 0)
    assert everything() == before


def test_confirm_checks_the_scope_before_anything(people, project):
    with refused(NotAllowed):
        import_confirm(
            import_spec("cost-entries"),
            actor=people["exec"],
            scope=project,
            data=COSTS,
            skip_invalid=True,
            preview_token="t",
            previewed_error_lines=[3],
        )


def test_preview_of_import_csv_writes_nothing(people, project):
    before = everything()
    result = import_csv(import_spec("cost-entries"), actor=people["pm"], scope=project, data=COSTS, commit=False)
    assert (result.total, result.imported, result.skipped, result.committed) == (3, 2, 1, False)
    assert everything() == before
