"""Units and formats (``portal.formats``): the installation currency read and validated at settings load, the CSV
exports' rounding and unit headers, the one date format and people's names."""

import datetime
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from metrics.charts import Chart, Table, chart_csv_response, integer_axis
from portal import formats
from tests.factories import UserFactory


@pytest.mark.parametrize("code", ["EUR", "USD", "CHF", "JPY"])
def test_an_iso_4217_code_is_accepted(code):
    assert formats.currency_code(code) == code


@pytest.mark.parametrize("code", ["", "eur", "Eur", "EURO", "EU", "€", "E1R", " EUR", "EUR\n", None])
def test_anything_but_three_uppercase_letters_is_refused(code):
    with pytest.raises(ImproperlyConfigured, match="STAGEGATE_CURRENCY must be an ISO 4217"):
        formats.currency_code(code)


def _load_settings(value: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    env.pop("STAGEGATE_CURRENCY", None)
    if value is not None:
        env["STAGEGATE_CURRENCY"] = value
    code = "import django; django.setup(); from django.conf import settings; print(settings.STAGEGATE_CURRENCY)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_the_settings_read_the_currency_from_the_environment_and_default_to_euro():
    assert _load_settings(None).stdout.strip() == "EUR"
    assert _load_settings("USD").stdout.strip() == "USD"


def test_the_settings_refuse_to_load_with_a_malformed_currency():
    loaded = _load_settings("dollars")
    assert loaded.returncode != 0
    assert "ImproperlyConfigured: STAGEGATE_CURRENCY must be an ISO 4217" in loaded.stderr


@override_settings(STAGEGATE_CURRENCY="USD")
def test_amounts_and_headers_carry_the_configured_currency():
    assert formats.money_text(5_445_498.374000001) == "5.4M USD"
    assert formats.money_text(None) == "n/a"
    assert formats.with_unit("cost", formats.MONEY) == "cost (USD)"
    assert formats.money_hover() == "%{y:,.0f} USD"


@pytest.mark.parametrize(
    ("value", "unit", "written"),
    [
        (5_445_498.374000001, formats.MONEY, 5_445_498.37),
        (0.30000000000000004, "", 0.3),
        (1.05, formats.PERCENT, 105),
        (0.123456, formats.PERCENT, 12.3),
        (3.0, formats.COUNT, 3),
        (2.9999999, formats.COUNT, 3),
        (12.345, formats.DAYS, 12.3),
        (Decimal("1000.50"), formats.MONEY, 1000.5),
        (None, formats.MONEY, ""),
        (float("nan"), formats.RATIO, ""),
        (True, "", True),
        ("green", "", "green"),
        (datetime.date(2026, 3, 4), "", "2026-03-04"),
    ],
)
def test_csv_values_are_rounded_for_their_unit(value, unit, written):
    assert formats.csv_value(value, unit) == written


def test_a_csv_export_has_a_unit_in_every_numeric_header_and_no_float_noise():
    table = Table(
        columns=("month", "planned_cumulative", "projects", "utilization", "slip_days"),
        rows=[("2026-03", 5_445_498.374000001, 3.0, 1.0500000000000003, 12.000000001)],
        units={"utilization": formats.PERCENT},
    )
    response = chart_csv_response(Chart(id="cost", title="Cost", figure=None, table=table))
    lines = response.content.decode().splitlines()
    assert lines == [
        "month,planned_cumulative (EUR),projects (count),utilization (%),slip_days (days)",
        "2026-03,5445498.37,3,105,12",
    ]


def test_count_axes_tick_whole_numbers_only():
    small = integer_axis("Projects", [0, 1, 3])
    assert small == {"tickformat": ",d", "rangemode": "tozero", "tick0": 0, "dtick": 1, "title": {"text": "Projects"}}
    large = integer_axis("Projects", [250])
    assert large["tickformat"] == ",d" and "dtick" not in large


def test_one_date_format():
    assert formats.date_text(datetime.date(2026, 3, 4)) == "2026-03-04"
    moment = datetime.datetime(2026, 3, 4, 9, 30, tzinfo=datetime.UTC)
    with override_settings(TIME_ZONE="UTC"):
        assert formats.date_text(moment, with_time=True) == "2026-03-04 09:30"
    assert formats.date_text(None) == ""
    assert formats.month_text(datetime.date(2026, 3, 1)) == "2026-03"


@pytest.mark.django_db
def test_people_are_named_by_full_name_falling_back_to_the_username():
    assert formats.person_name(UserFactory(username="evelyn", first_name="Evelyn", last_name="Carter")) == (
        "Evelyn Carter"
    )
    assert formats.person_name(UserFactory(username="noname", first_name="", last_name="")) == "noname"
    assert formats.person_name(None) == ""
