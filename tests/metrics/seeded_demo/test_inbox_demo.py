"""The demo's inbox: the demo executive signs in to exactly three gate decisions waiting (issue 11's journey)."""

import pytest
from django.contrib.auth import get_user_model

from collaboration.inbox.choices import InboxKind
from collaboration.inbox.selectors import inbox_rows

pytestmark = pytest.mark.django_db


def test_the_demo_executive_waits_on_three_decisions(client):
    executive = get_user_model().objects.get(username="exec")
    decisions = inbox_rows(executive, kind=InboxKind.DECISION)
    assert sorted(row.project_code for row in decisions) == ["AIR-401", "AML-103", "AML-105"]
    client.force_login(executive)
    page = client.get("/dashboards/portfolio/").content.decode()
    assert '<span data-testid="decisions-waiting">3 decisions waiting</span>' in page
    # the demo data scientist is Consulted on open reviews and owes votes
    assert inbox_rows(get_user_model().objects.get(username="ds"), kind=InboxKind.VOTE)
