"""Read-only organization endpoints: portfolios (own only) and their members, units, goals."""

from tests.factories import BusinessUnitFactory, StrategicGoalFactory


def test_portfolios_lists_only_the_users_own(client_for, portfolio):
    body = client_for("pm").get("/api/v1/portfolios/").json()
    assert [(p["name"], p["slug"]) for p in body["results"]] == [("Applied Machine Learning", "aml")]
    outsider = client_for("outsider").get("/api/v1/portfolios/").json()
    assert [p["slug"] for p in outsider["results"]] == ["air"]
    assert client_for("outsider").get(f"/api/v1/portfolios/{portfolio.pk}/").status_code == 404


def test_members_of_a_portfolio(client_for, portfolio, people):
    response = client_for("ds").get(f"/api/v1/portfolios/{portfolio.pk}/members/")
    assert response.status_code == 200
    assert [(m["user"]["username"], m["role"]) for m in response.json()] == [
        ("architect", "solution_architect"),
        ("ds", "data_scientist"),
        ("exec", "executive_leader"),
        ("pm", "project_manager"),
        ("product", "product_manager"),
    ]


def test_business_units_and_goals_are_shared_reference_data(client_for, people):
    BusinessUnitFactory(name="Retail")
    StrategicGoalFactory(name="Grow revenue")
    for role in ("pm", "outsider"):
        assert [u["name"] for u in client_for(role).get("/api/v1/business-units/").json()["results"]] == ["Retail"]
        goals = client_for(role).get("/api/v1/strategic-goals/").json()["results"]
        assert [g["name"] for g in goals] == ["Grow revenue"]
    assert client_for("anonymous").get("/api/v1/business-units/").status_code == 401


def test_nothing_in_the_organization_api_is_writable(client_for, portfolio):
    client = client_for("pm")
    assert client.post("/api/v1/portfolios/", {"name": "X", "slug": "x"}, format="json").status_code == 405
    assert client.patch(f"/api/v1/portfolios/{portfolio.pk}/", {"name": "X"}, format="json").status_code == 405
    assert client.post("/api/v1/business-units/", {"name": "X"}, format="json").status_code == 405
