"""The decide page shows the decider every vote (who, vote, mean score, comment), the count per vote, and who of
the Consulted reviewers is still awaited; the review page shows the same counts."""

import re

import pytest

from lifecycle import services
from lifecycle.choices import Phase
from lifecycle.models import Activity
from tests.factories import provide_required_artifacts

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(project, people):
    gate = Activity.objects.get(project=project, phase=Phase.CHARTER, is_gate=True)
    services.raci_update(
        actor=people["pm"],
        project=project,
        assignments={gate.pk: {people["ds"].pk: "C", people["architect"].pk: "C", people["product"].pk: "C"}},
    )
    provide_required_artifacts(project, people["pm"])
    review = services.gate_review_request(actor=people["pm"], project=project)
    scores = {"objective_clarity": 4, "success_metrics": 2}
    services.gate_vote(actor=people["ds"], review=review, vote="go", comment="Solid data work", scores=scores)
    services.gate_vote(actor=people["architect"], review=review, vote="recycle", comment="Thin on architecture")
    return review


def counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-vote-count="(\w+)">[^:]+: (\d+)<', page))


def test_the_decide_page_shows_votes_scores_counts_and_who_is_awaited(review, people, client):
    client.force_login(people["exec"])
    page = client.get(f"/gate-reviews/{review.pk}/decide/").content.decode()
    assert counts(page) == {"go": "1", "conditional_go": "0", "recycle": "1", "no_go": "0"}
    assert re.findall(r'data-vote="([\w.]+)"', page) == ["ds", "architect"]
    assert "Solid data work" in page and "Thin on architecture" in page
    assert re.search(r'data-testid="mean-score">mean score 3\.0 / 5<', page)  # (4 + 2) / 2, the DS's scores
    assert re.findall(r'data-awaited="([\w.]+)"', page) == ["product"]  # the sponsor decides: not awaited


def test_once_everyone_voted_nobody_is_awaited(review, people, client):
    services.gate_vote(actor=people["product"], review=review, vote="go")
    client.force_login(people["exec"])
    page = client.get(f"/gate-reviews/{review.pk}/decide/").content.decode()
    assert "Every Consulted reviewer has voted." in page and "data-awaited" not in page
    assert counts(page)["go"] == "2"


def test_the_review_page_shows_the_same_counts(review, people, client):
    client.force_login(people["pm"])
    page = client.get(f"/gate-reviews/{review.pk}/").content.decode()
    assert counts(page) == {"go": "1", "conditional_go": "0", "recycle": "1", "no_go": "0"}
