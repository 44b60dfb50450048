"""The generic CSV import pages: columns and example, preview (nothing written), confirm, refusals."""

import datetime
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lifecycle.models import AuditRecord
from metrics.imports import views as import_views
from metrics.imports.base import IMPORT_AUDIT_ACTION
from metrics.portfolio_inputs.models import BudgetPeriod, CostEntry, TimeEntry
from metrics.portfolio_inputs.services import resources as services
from portfolio.choices import Role
from tests.factories import PortfolioFactory, make_project, member
from tests.metrics.inputs_helpers import everything

pytestmark = pytest.mark.django_db

COSTS = "day,amount,category,note\n2026-03-02,100,labour,ok\n2026-03-03,-5,labour,negative\n2026-03-04,250.5,,\n"


def url(kind, scope_pk):
    return reverse("import-csv", args=[kind, scope_pk])


def upload(client, kind, scope_pk, text, name="file.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(url(kind, scope_pk), {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def confirm(client, kind, scope_pk, response, **overrides):
    form = response.context["confirm_form"]
    data = {"action": "confirm", "payload": form.initial["payload"], "skip_invalid": form.initial["skip_invalid"]}
    data.update(overrides)
    return client.post(url(kind, scope_pk), data)


@pytest.fixture
def pm_client(client, people):
    client.force_login(people["pm"])
    return client


def test_page_shows_columns_example_link_and_upload_form(pm_client, project):
    response = pm_client.get(url("cost-entries", project.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Import cost entries" in html
    for column in ("day", "amount", "category", "note"):
        assert f"<code>{column}</code>" in html
    assert "labour, infrastructure, licences, data, services or other" in html  # a column's help
    assert 'href="?example=1"' in html
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html


def test_example_csv_is_a_download_whose_rows_preview_clean(pm_client, project):
    response = pm_client.get(url("cost-entries", project.pk) + "?example=1")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cost-entries-example.csv"'
    text = response.content.decode()
    assert text.splitlines()[0] == "day,amount,category,note"
    preview = upload(pm_client, "cost-entries", project.pk, text)
    assert (preview.context["good"], preview.context["bad"]) == (1, 0)


def test_unknown_kind_is_not_found(pm_client, project):
    assert pm_client.get(url("no-such-import", project.pk)).status_code == 404


def test_outsider_and_unknown_scope_get_not_found(client, people, project):
    client.force_login(people["outsider"])
    assert client.get(url("cost-entries", project.pk)).status_code == 404
    assert client.get(url("cost-entries", project.pk) + "?example=1").status_code == 404
    before = everything()
    assert upload(client, "cost-entries", project.pk, COSTS).status_code == 404
    assert everything() == before
    client.force_login(people["pm"])
    assert client.get(url("cost-entries", project.pk + 999)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, project):
    response = client.get(url("cost-entries", project.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["exec", "ds", "product"])
def test_read_only_roles_get_a_forbidden_page_and_write_nothing(client, people, project, who):
    client.force_login(people[who])
    page = client.get(url("cost-entries", project.pk))
    assert page.status_code == 403
    assert "Only the portfolio&#x27;s program or project managers can import cost entries." in page.content.decode()
    before = everything()
    assert upload(client, "cost-entries", project.pk, COSTS).status_code == 403
    assert everything() == before


def test_preview_counts_rows_lists_bad_ones_with_line_and_field_message_and_writes_nothing(pm_client, project):
    before = everything()

    response = upload(pm_client, "cost-entries", project.pk, COSTS, name="march.csv")

    assert response.status_code == 200
    assert everything() == before  # no row, no audit record
    preview = response.context["preview"]
    assert (preview.total, response.context["good"], response.context["bad"]) == (3, 2, 1)
    [row] = response.context["shown_errors"]
    assert row["line"] == 3
    assert row["message"] == "The cost entry is invalid."
    assert [(cell["value"], cell["message"]) for cell in row["cells"]] == [
        ("2026-03-03", ""),
        ("-5", "Must be at least 0."),
        ("labour", ""),
        ("negative", ""),
    ]
    html = response.content.decode()
    assert "Preview of march.csv" in html
    assert 'data-line="3"' in html and "Must be at least 0." in html
    assert "Import the 2 good rows and skip the 1 bad one" in html
    assert "Preview the corrected file" in html  # a corrected file can be uploaded right there


def test_confirm_imports_the_good_rows_and_skips_the_bad_ones(pm_client, project, people):
    preview = upload(pm_client, "cost-entries", project.pk, COSTS)

    response = confirm(pm_client, "cost-entries", project.pk, preview)

    assert response.status_code == 200
    assert list(CostEntry.objects.order_by("day").values_list("day", "amount")) == [
        (datetime.date(2026, 3, 2), Decimal("100.00")),
        (datetime.date(2026, 3, 4), Decimal("250.50")),
    ]
    outcome = response.context["outcome"]
    assert (outcome.imported, outcome.skipped) == (2, 1)
    html = response.content.decode()
    assert "2</strong> rows of file.csv imported" in html
    assert "1</strong> bad row skipped (line 3)" in html
    assert reverse("project-input-section", args=[project.pk, "costs"]) in html  # the way back
    record = AuditRecord.objects.get(action=IMPORT_AUDIT_ACTION)
    assert (record.actor, record.project, record.target_id) == (people["pm"], project, str(project.pk))
    assert {k: record.after[k] for k in ("kind", "rows", "imported", "skipped_lines")} == {
        "kind": "cost-entries",
        "rows": 3,
        "imported": 2,
        "skipped_lines": [3],
    }


def test_a_clean_file_offers_plain_import(pm_client, project):
    preview = upload(pm_client, "budgets", project.pk, "period_start,amount\n2026-03,1000\n2026-04-01,1500\n")

    assert ">Import</button>" in preview.content.decode()
    assert preview.context["confirm_form"].initial["skip_invalid"] is False
    response = confirm(pm_client, "budgets", project.pk, preview)

    assert response.context["outcome"].imported == 2
    assert BudgetPeriod.objects.filter(project=project).count() == 2


def test_a_file_with_only_bad_rows_offers_no_import(pm_client, project):
    response = upload(pm_client, "cost-entries", project.pk, "day,amount\nnot-a-day,1\n")

    assert response.context["good"] == 0
    assert 'data-testid="import-confirm"' not in response.content.decode()
    assert "No row can be imported" in response.content.decode()


def test_tampered_payload_is_refused_and_writes_nothing(pm_client, project):
    preview = upload(pm_client, "cost-entries", project.pk, COSTS)
    payload = preview.context["confirm_form"].initial["payload"]
    forged = signing.dumps(
        {**signing.loads(payload, salt=import_views.PAYLOAD_SALT), "csv": "day,amount\n2026-03-02,999999\n"},
        salt="guessed salt",
        compress=True,
    )
    before = everything()

    for bad in (payload[:-3] + "abc", forged, "x"):
        response = confirm(pm_client, "cost-entries", project.pk, preview, payload=bad)
        assert response.status_code == 400
        assert "The preview could not be verified" in response.content.decode()
    assert everything() == before


def test_a_preview_is_valid_only_for_its_own_import_scope_and_user(pm_client, client, project, portfolio, people):
    other = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    preview = upload(pm_client, "cost-entries", project.pk, COSTS)
    payload = preview.context["confirm_form"].initial["payload"]
    before = everything()

    elsewhere = pm_client.post(url("cost-entries", other.pk), {"action": "confirm", "payload": payload})
    other_kind = pm_client.post(url("budgets", project.pk), {"action": "confirm", "payload": payload})
    client.force_login(member(portfolio, Role.PROJECT_MANAGER, "pm2"))
    other_user = client.post(url("cost-entries", project.pk), {"action": "confirm", "payload": payload})

    for response in (elsewhere, other_kind, other_user):
        assert response.status_code == 400
        assert "This preview was made for another import" in response.content.decode()
    assert everything() == before


def test_an_expired_preview_is_refused(pm_client, project, monkeypatch):
    preview = upload(pm_client, "cost-entries", project.pk, COSTS)
    monkeypatch.setattr(import_views, "PREVIEW_MAX_AGE_SECONDS", -1)
    before = everything()

    response = confirm(pm_client, "cost-entries", project.pk, preview)

    assert response.status_code == 400
    assert "The preview has expired" in response.content.decode()
    assert everything() == before


def test_a_confirmation_sent_twice_imports_once(pm_client, project):
    preview = upload(pm_client, "cost-entries", project.pk, COSTS)
    assert confirm(pm_client, "cost-entries", project.pk, preview).status_code == 200
    before = everything()

    again = confirm(pm_client, "cost-entries", project.pk, preview)

    assert again.status_code == 409
    assert "This preview was already imported" in again.content.decode()
    assert everything() == before
    assert CostEntry.objects.count() == 2


def test_rows_judged_differently_at_confirmation_import_nothing_and_show_a_new_preview(pm_client, project, people):
    text = "person,day,hours\nds,2026-03-02,10\nds,2026-03-03,4\n"
    preview = upload(pm_client, "time-entries", project.pk, text)
    assert preview.context["bad"] == 0
    # Meanwhile 20 h are logged for ds on the 2nd: the first row would now exceed 24 h that day.
    services.time_entry_add(actor=people["pm"], person=people["ds"], project=project, day="2026-03-02", hours=20)
    before = everything()

    response = confirm(pm_client, "time-entries", project.pk, preview)

    assert response.status_code == 409
    assert everything() == before
    assert response.context["changed"] is True
    assert [row["line"] for row in response.context["shown_errors"]] == [2]
    assert "Nothing was imported." in response.content.decode()
    # The new preview can be confirmed: it imports the row still good.
    done = confirm(pm_client, "time-entries", project.pk, response)
    assert done.context["outcome"].imported == 1
    assert TimeEntry.objects.filter(project=project).count() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"day,amount\n2026-03-02,\xff\xfe1\n", "The file is not UTF-8 text"),
        (b"date,amount\n2026-03-02,1\n", "Missing column(s): day."),
        (b"", "The submitted file is empty."),
        (b"day,amount\n", "The file has a header but no data rows."),
    ],
)
def test_unreadable_files_are_explained_on_the_form(pm_client, project, content, message):
    before = everything()

    response = upload(pm_client, "cost-entries", project.pk, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert everything() == before


def test_files_over_the_size_limit_are_refused_before_reading(pm_client, project, settings):
    settings.METRICS_IMPORT_MAX_BYTES = 40
    response = upload(pm_client, "cost-entries", project.pk, COSTS)

    assert response.status_code == 400
    assert "the limit is 40\xa0bytes" in response.content.decode()
    assert CostEntry.objects.count() == 0


def test_bad_rows_shown_are_capped(pm_client, project, monkeypatch):
    monkeypatch.setattr(import_views, "MAX_ERRORS_SHOWN", 2)
    text = "day,amount\n" + "".join(f"2026-03-0{n},-1\n" for n in range(1, 6))

    response = upload(pm_client, "cost-entries", project.pk, text)

    assert len(response.context["shown_errors"]) == 2
    assert "… and 3 more bad rows." in response.content.decode()


def test_a_portfolio_scoped_import_works_the_same(pm_client, portfolio, people):
    page = pm_client.get(url("capacity", portfolio.pk))
    assert page.status_code == 200
    assert 'Into <strong class="text-body">Applied Machine Learning</strong>' in page.content.decode()

    preview = upload(
        pm_client, "capacity", portfolio.pk, "person,week,working_hours\nds,2026-03-02,40\nds,2026-03-03,40\n"
    )
    assert (preview.context["good"], preview.context["bad"]) == (1, 1)
    done = confirm(pm_client, "capacity", portfolio.pk, preview)

    assert done.context["outcome"].imported == 1
    assert reverse("portfolio-capacity", args=[portfolio.pk]) in done.content.decode()
    other = PortfolioFactory(slug="elsewhere")
    assert pm_client.get(url("capacity", other.pk)).status_code == 404
