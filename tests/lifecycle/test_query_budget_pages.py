"""The project list and detail pages issue the same number of SQL queries with 5 or 50 projects."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lifecycle import services
from tests.factories import BusinessUnitFactory, StrategicGoalFactory, make_project, provide_required_artifacts

pytestmark = pytest.mark.django_db


def _add_projects(portfolio, people, count, start):
    unit, goal = BusinessUnitFactory(name="Retail"), StrategicGoalFactory(name="Grow revenue")
    for number in range(start, start + count):
        make_project(
            portfolio=portfolio,
            owner=people["pm"],
            sponsor=people["exec"],
            code=f"AML-{number:03d}",
            business_unit=unit,
            strategic_goal=goal,
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_project_list_queries_do_not_grow_with_projects(client, people, portfolio):
    client.force_login(people["pm"])
    _add_projects(portfolio, people, 5, 100)
    with_five = _queries(client, reverse("project-list"))
    _add_projects(portfolio, people, 45, 200)
    with_fifty = _queries(client, reverse("project-list"))
    assert with_five == with_fifty


def test_project_detail_queries_do_not_grow_with_projects(client, people, portfolio, project):
    client.force_login(people["pm"])
    provide_required_artifacts(project, people["pm"])
    review = services.gate_review_request(actor=people["pm"], project=project)
    services.gate_vote(actor=people["exec"], review=review, vote="go", comment="Fine")
    _add_projects(portfolio, people, 4, 100)
    url = reverse("project-detail", args=[project.pk])
    with_five = _queries(client, url)
    _add_projects(portfolio, people, 45, 200)
    with_fifty = _queries(client, url)
    assert with_five == with_fifty


def test_project_detail_queries_do_not_grow_with_versions_and_activities(client, people, project):
    """More rows on the same project (artifact versions, activities) do not add queries either."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import artifact_type

    client.force_login(people["pm"])
    url = reverse("project-detail", args=[project.pk])
    provide_required_artifacts(project, people["pm"])
    services.gate_review_request(actor=people["pm"], project=project)
    first = _queries(client, url)
    for number in range(3):
        services.artifact_add_version(
            actor=people["ds"],
            project=project,
            artifact_type=artifact_type("ssot"),
            upload=SimpleUploadedFile(f"ssot-{number}.md", b"# SSOT"),
        )
        services.activity_add(actor=people["pm"], project=project, phase="charter", name=f"Extra {number}")
    assert _queries(client, url) == first
