"""The seeded demo's scrum and product snapshots against the independent oracles (``tests/metrics/oracle``).

The snapshots were computed by ``seed_demo``; the oracles read the same tables "as of" each snapshot's
``computed_at``, so the comparison holds whatever the day the suite runs.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from metrics.product.models import Product
from metrics.scrum.models import Team
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from tests.metrics.oracle import product_oracle
from tests.metrics.oracle.test_product_oracle import assert_headlines_say_too_few, assert_product_matches
from tests.metrics.oracle.test_scrum_oracle import assert_team_matches

# The demo is seeded relative to today: `make test-clock` runs this a year ahead.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def _computed_at(scope_type: str, scope_id: int, metric: str):
    return MetricSnapshot.objects.get(scope_type=scope_type, scope_id=scope_id, metric=metric, period="").computed_at


def test_the_demo_has_teams_and_products_to_compare():
    assert Team.objects.filter(sprints__completed_at__isnull=False).distinct().count() >= 1
    assert Product.objects.exclude(funnel_steps=[]).count() >= 1


def test_every_demo_team_agrees_with_the_scrum_oracle():
    for team in Team.objects.order_by("pk"):
        assert_team_matches(team, _computed_at(ScopeType.TEAM, team.pk, "velocity"))


def test_every_demo_product_agrees_with_the_product_oracle():
    for product_id in Product.objects.order_by("pk").values_list("pk", flat=True):
        today = timezone.localdate(_computed_at(ScopeType.PRODUCT, product_id, "dau"))
        assert_product_matches(product_id, today)
        assert_headlines_say_too_few(product_id, product_oracle.product_tables(product_id, today))
