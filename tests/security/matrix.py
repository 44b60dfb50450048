"""The permission matrix's table: every API route and every page, who may read it and who may write through it.

A route of the live URL resolver without an entry here fails tests/security/test_permission_matrix_*.py, and
so does an entry whose route no longer exists. To add a route: put it in API_ENTRIES or PAGE_ENTRIES with the
kind of object each of its ids names (the collection keys of tests/security/conftest.SecurityWorld.own) and
the roles that may write through it (the groups below mirror portfolio/access.py).

Scopes: "portfolio" rows belong to one portfolio (another portfolio's answer 404); "organization" rows are
shared reference data; "personal" rows belong to one user (someone else's answer 404, superusers included);
"public" routes answer anyone, signed in or not.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from portfolio.choices import CONTRIBUTOR_ROLES, Role
from tests.api.routes import API_PREFIX, normalized
from tests.security.conftest import OTHER_MARK, OTHER_PROJECT_CODE, OWN_PROJECT_CODE, SecurityWorld

# Role groups, as portfolio/access.py defines them (role names as in SecurityWorld.users).
SUPERUSER = frozenset({"superuser"})
MEMBERS = frozenset(Role.values) | SUPERUSER
MANAGERS = frozenset({Role.PROGRAM_MANAGER.value, Role.PROJECT_MANAGER.value}) | SUPERUSER
CONTRIBUTORS = MANAGERS | {role.value for role in CONTRIBUTOR_ROLES}  # can_contribute_artifacts
MLFLOW = MANAGERS | {Role.DATA_SCIENTIST.value}  # can_link_mlflow, can_manage_deployments
PRODUCT = MANAGERS | {Role.PRODUCT_MANAGER.value}  # can_write_product_data
TEAM = MANAGERS | {Role.DATA_SCIENTIST.value, Role.SOLUTION_ARCHITECT.value}  # can_write_team: the team's members
SPONSOR = frozenset({Role.EXECUTIVE_LEADER.value})  # the gate's Accountable: votes, decides, waives, resumes
ALERT = MANAGERS  # can_handle_alert: the alert's owner is the project manager
EVERYONE = frozenset({"anonymous", "outsider"}) | MEMBERS
SIGNED_IN = EVERYONE - {"anonymous"}
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Entry:
    """Who may write through a route (a write by anyone else is refused and changes nothing), who may read it."""

    write: frozenset[str] = NOBODY
    read: frozenset[str] = MEMBERS
    scope: str = "portfolio"
    ids: dict[str, str] = field(default_factory=dict)  # page routes: URL parameter -> collection (or a literal)


def api(write: frozenset[str] = NOBODY, scope: str = "portfolio", read: frozenset[str] = MEMBERS) -> Entry:
    if scope == "organization":  # shared reference data: anyone holding a role somewhere reads it
        read = SIGNED_IN
    return Entry(write=write, read=read, scope=scope)


# API routes: their ids are filled from the segment before each (tests/api/routes.concrete_url).
API_ENTRIES: dict[str, Entry] = {
    "api/v1/auth/token/": api(EVERYONE, "public", EVERYONE),
    "api/v1/auth/logout/": api(SIGNED_IN, "personal", SIGNED_IN),
    "api/v1/auth/logout-all/": api(SIGNED_IN, "personal", SIGNED_IN),
    "api/v1/tokens/": api(SIGNED_IN, "personal", SIGNED_IN),
    "api/v1/tokens/<pk>/": api(SIGNED_IN, "personal", SIGNED_IN),
    "api/v1/notifications/": api(SIGNED_IN, "personal", SIGNED_IN),
    "api/v1/notifications/<pk>/read/": api(SIGNED_IN, "personal", SIGNED_IN),
    "api/v1/notifications/read-all/": api(SIGNED_IN, "personal", SIGNED_IN),
    "api/v1/notification-preferences/": api(SIGNED_IN, "personal", SIGNED_IN),
    "api/v1/projects/": api(MANAGERS),
    "api/v1/projects/<pk>/": api(MANAGERS),
    "api/v1/projects/<pk>/resume/": api(SPONSOR),
    "api/v1/activities/<pk>/": api(MANAGERS),
    "api/v1/artifact-versions/<pk>/": api(),
    "api/v1/artifact-versions/<pk>/download/": api(),
    "api/v1/gate-reviews/<pk>/": api(),
    "api/v1/gate-reviews/<pk>/decide/": api(SPONSOR),
    "api/v1/gate-reviews/<pk>/votes/": api(SPONSOR),
    "api/v1/gate-actions/<pk>/": api(),
    "api/v1/gate-actions/<pk>/complete/": api(MANAGERS | {Role.DATA_SCIENTIST.value}),  # its owner is the DS
    "api/v1/projects/<int:project_pk>/charter/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/charter/versions/": api(),
    "api/v1/projects/<int:project_pk>/charter/versions/<int:number>/": api(),
    "api/v1/projects/<int:project_pk>/raci/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/activities/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/artifacts/": api(CONTRIBUTORS),
    "api/v1/projects/<int:project_pk>/artifacts/waive/": api(SPONSOR),
    "api/v1/projects/<int:project_pk>/gate-reviews/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/history/": api(),
    "api/v1/portfolios/": api(),
    "api/v1/portfolios/<pk>/": api(),
    "api/v1/portfolios/<pk>/members/": api(),
    "api/v1/business-units/": api(scope="organization"),
    "api/v1/business-units/<pk>/": api(scope="organization"),
    "api/v1/strategic-goals/": api(scope="organization"),
    "api/v1/strategic-goals/<pk>/": api(scope="organization"),
    "api/v1/cost-entries/<pk>/": api(MANAGERS),
    "api/v1/risks/<pk>/": api(MANAGERS),
    "api/v1/risks/<pk>/close/": api(MANAGERS),
    "api/v1/issues/<pk>/": api(),
    "api/v1/issues/<pk>/close/": api(MANAGERS),
    "api/v1/benefits/<pk>/": api(),
    "api/v1/benefits/<pk>/measurements/": api(MANAGERS),
    "api/v1/capacities/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/budget-periods/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/cost-entries/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/allocations/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/time-entries/": api(MEMBERS),  # everyone logs their own time
    "api/v1/projects/<int:project_pk>/status-reports/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/risks/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/issues/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/benefits/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/rag-override/": api(MANAGERS),
    "api/v1/teams/": api(MANAGERS),
    "api/v1/teams/<pk>/": api(),
    "api/v1/sprints/": api(TEAM),
    "api/v1/sprints/<pk>/": api(),
    "api/v1/sprints/<pk>/close/": api(TEAM),
    "api/v1/sprints/<pk>/reopen/": api(TEAM),
    "api/v1/sprints/<pk>/start/": api(TEAM),
    "api/v1/work-items/": api(TEAM),
    "api/v1/work-items/<pk>/": api(TEAM),
    "api/v1/work-items/<pk>/changes/": api(),
    "api/v1/retro-actions/": api(TEAM),
    "api/v1/retro-actions/<pk>/": api(),
    "api/v1/retro-actions/<pk>/close/": api(TEAM),
    "api/v1/mood-votes/": api(TEAM),
    "api/v1/products/": api(PRODUCT),
    "api/v1/products/<pk>/": api(),
    "api/v1/products/<pk>/funnel/": api(PRODUCT),
    "api/v1/customers/": api(PRODUCT),
    "api/v1/customers/<pk>/": api(),
    "api/v1/orders/": api(PRODUCT),
    "api/v1/orders/<pk>/": api(),
    "api/v1/marketing-spend/": api(PRODUCT),
    "api/v1/survey-responses/": api(PRODUCT),
    "api/v1/products/<int:product_pk>/events/": api(PRODUCT),
    "api/v1/imports/": api(scope="organization"),
    "api/v1/imports/<kind>/": api(MANAGERS, scope="organization"),  # the kind is shared; the scope in the body
    "api/v1/mlflow-servers/": api(SUPERUSER),
    "api/v1/mlflow-servers/<pk>/": api(SUPERUSER),
    "api/v1/projects/<int:project_pk>/experiment-links/": api(MLFLOW),
    "api/v1/projects/<int:project_pk>/experiment-links/<int:link_pk>/": api(MLFLOW),
    "api/v1/projects/<int:project_pk>/experiment-links/<int:link_pk>/sync/": api(MLFLOW),
    "api/v1/projects/<int:project_pk>/model-links/": api(MLFLOW),
    "api/v1/projects/<int:project_pk>/model-links/<int:link_pk>/": api(MLFLOW),
    "api/v1/projects/<int:project_pk>/model-links/<int:link_pk>/sync/": api(MLFLOW),
    "api/v1/deployed-models/": api(MLFLOW),
    "api/v1/deployed-models/<pk>/": api(MLFLOW),
    "api/v1/deployed-models/<pk>/evaluate/": api(MLFLOW),
    "api/v1/deployed-models/<pk>/thresholds/": api(MLFLOW),
    "api/v1/model-alerts/": api(),
    "api/v1/model-alerts/<pk>/": api(),
    "api/v1/model-alerts/<pk>/acknowledge/": api(ALERT),
    "api/v1/model-alerts/<pk>/resolve/": api(ALERT),
    "api/v1/gate-rules/": api(MANAGERS),
    "api/v1/gate-rules/<pk>/": api(MANAGERS),
    "api/v1/gate-rules/<pk>/deactivate/": api(MANAGERS),
    # A portfolio's webhooks: its managers only. The list answers everyone, holding the portfolios one manages.
    "api/v1/webhooks/": api(MANAGERS),
    "api/v1/webhooks/<pk>/": api(MANAGERS, read=MANAGERS),
    "api/v1/webhooks/<pk>/deliveries/": api(read=MANAGERS),
    "api/v1/webhooks/<pk>/deliveries/<delivery_pk>/redeliver/": api(MANAGERS, read=MANAGERS),
    "api/v1/webhooks/<pk>/ping/": api(MANAGERS, read=MANAGERS),
    "api/v1/gate-reviews/<int:review_pk>/evidence/": api(CONTRIBUTORS),
    "api/v1/gate-reviews/<int:review_pk>/evidence/<int:evidence_pk>/": api(CONTRIBUTORS),
    "api/v1/gate-reviews/<int:review_pk>/criteria/": api(),
    # evidence asked of a person: the gate's Accountable (the sponsor here), the managers, the review's requester
    "api/v1/gate-reviews/<int:review_pk>/evidence-requests/": api(MANAGERS | SPONSOR),
    "api/v1/gate-reviews/<int:review_pk>/evidence-requests/<int:request_pk>/withdraw/": api(MANAGERS | SPONSOR),
    "api/v1/inbox/": api(),  # one's own rows, of one's own portfolios only
    # comments: every member who sees the project comments; the author edits (PATCH without a body is a 400 for
    # anyone); the author (the PM here) or a manager deletes
    "api/v1/gate-reviews/<int:review_pk>/comments/": api(MEMBERS),
    "api/v1/projects/<int:project_pk>/charter/comments/": api(MEMBERS),
    "api/v1/artifacts/<int:artifact_pk>/comments/": api(MEMBERS),
    "api/v1/model-alerts/<int:alert_pk>/comments/": api(MEMBERS),
    "api/v1/comments/<pk>/": api(MANAGERS),
    "api/v1/projects/<int:project_pk>/runs/": api(),
    "api/v1/metric-snapshots/": api(),
    "api/v1/metric-snapshots/<pk>/": api(),
    "api/v1/metrics/": api(scope="organization"),
    "api/v1/metrics/<key>/": api(scope="organization"),
}


def page(write: frozenset[str] = NOBODY, read: frozenset[str] = MEMBERS, scope: str = "portfolio", **ids: str):
    return Entry(write=write, read=read, scope=scope, ids=ids)


PROJECT = {"pk": "projects"}
TEAM_IDS = {"pk": "teams"}

# Pages (every pattern outside /api/ and /admin/). A literal id value is written as "=value".
PAGE_ENTRIES: dict[str, Entry] = {
    "healthz": page(scope="public", read=EVERYONE),
    "readyz": page(scope="public", read=EVERYONE),
    "favicon.ico": page(scope="public", read=EVERYONE),
    "login/": page(EVERYONE, EVERYONE, "public"),
    "logout/": page(EVERYONE, EVERYONE, "public"),
    "account/tokens/": page(SIGNED_IN, SIGNED_IN, "personal"),
    "account/tokens/<pk>/revoke/": page(SIGNED_IN, SIGNED_IN, "personal", pk="tokens"),
    "account/sign-out-everywhere/": page(SIGNED_IN, SIGNED_IN, "personal"),
    "notifications/": page(SIGNED_IN, SIGNED_IN, "personal"),
    "notifications/read-all/": page(SIGNED_IN, SIGNED_IN, "personal"),
    "notifications/<pk>/read/": page(SIGNED_IN, SIGNED_IN, "personal", pk="notifications"),
    "account/notifications/": page(SIGNED_IN, SIGNED_IN, "personal"),
    # comment threads (htmx fragments): members comment; the author (the PM here) edits, a manager deletes too
    "comments/<str:kind>/<int:target_id>/": page(MEMBERS, kind="=gate_review", target_id="gate-reviews"),
    "comments/<int:pk>/": page(pk="comments"),
    "comments/<int:pk>/edit/": page(MEMBERS, pk="comments"),  # a POST without a body is a form error for anyone
    "comments/<int:pk>/delete/": page(MANAGERS, pk="comments"),
    "projects/<int:project_pk>/mentions/": page(project_pk="projects"),
    "projects/": page(),
    "projects/new/": page(MANAGERS | {"outsider"}, MANAGERS | {"outsider"}),  # the outsider manages elsewhere
    "projects/<int:pk>/": page(**PROJECT),
    "projects/<int:pk>/edit/": page(MANAGERS, MANAGERS, **PROJECT),
    "projects/<int:pk>/resume/": page(SPONSOR, **PROJECT),
    "projects/<int:pk>/history/": page(**PROJECT),
    "projects/<int:pk>/checklist/": page(**PROJECT),
    "projects/<int:pk>/checklist/add/": page(MANAGERS, **PROJECT),
    "activities/<int:pk>/rename/": page(MANAGERS, pk="activities"),
    "activities/<int:pk>/toggle/": page(MANAGERS, pk="activities"),
    "activities/<int:pk>/remove/": page(MANAGERS, pk="activities"),
    "projects/<int:pk>/raci/": page(MANAGERS, **PROJECT),
    "projects/<int:pk>/artifacts/": page(CONTRIBUTORS, **PROJECT),
    "projects/<int:pk>/artifacts/waive/": page(SPONSOR, **PROJECT),
    "artifact-versions/<int:pk>/download/": page(pk="artifact-versions"),
    "projects/<int:pk>/charter/": page(**PROJECT),
    "projects/<int:pk>/charter/edit/": page(MANAGERS, MANAGERS, **PROJECT),
    "projects/<int:pk>/charter/rows/<str:section>/new/": page(read=MANAGERS, section="=success_metrics", **PROJECT),
    "projects/<int:pk>/charter/versions/": page(**PROJECT),
    "projects/<int:pk>/charter/diff/": page(**PROJECT),
    "projects/<int:pk>/gate-reviews/request/": page(MANAGERS, **PROJECT),
    "gate-reviews/<int:pk>/": page(pk="gate-reviews"),
    "gate-reviews/<int:pk>/vote/": page(SPONSOR, pk="gate-reviews"),
    "gate-reviews/<int:pk>/decide/": page(SPONSOR, SPONSOR, pk="gate-reviews"),
    "gate-actions/<int:pk>/complete/": page(MANAGERS | {Role.DATA_SCIENTIST.value}, pk="gate-actions"),
    "": page(),
    "home/manager/": page(),
    "home/evidence/": page(),
    "dashboards/portfolio/": page(),
    "projects/<int:pk>/dashboard/": page(**PROJECT),
    "projects/<int:pk>/dashboard/delivery/": page(**PROJECT),
    "projects/<int:pk>/dashboard/product/": page(**PROJECT),
    "teams/<int:pk>/": page(**TEAM_IDS),
    "products/<int:pk>/": page(pk="products"),
    "teams/": page(),
    "teams/new/": page(MANAGERS | {"outsider"}, MANAGERS | {"outsider"}),
    "teams/<int:pk>/sprints/new/": page(TEAM, TEAM, **TEAM_IDS),
    "teams/<int:pk>/sprints/<int:sprint_pk>/start/": page(TEAM, TEAM, sprint_pk="sprints", **TEAM_IDS),
    "teams/<int:pk>/sprints/<int:sprint_pk>/close/": page(TEAM, TEAM, sprint_pk="sprints", **TEAM_IDS),
    "teams/<int:pk>/sprints/<int:sprint_pk>/reopen/": page(TEAM, TEAM, sprint_pk="sprints", **TEAM_IDS),
    "teams/<int:pk>/items/": page(**TEAM_IDS),
    "teams/<int:pk>/items/new/": page(TEAM, TEAM, **TEAM_IDS),
    "teams/<int:pk>/items/<int:item_pk>/edit/": page(TEAM, TEAM, item_pk="work-items", **TEAM_IDS),
    "teams/<int:pk>/retro/new/": page(TEAM, TEAM, **TEAM_IDS),
    "teams/<int:pk>/retro/<int:action_pk>/close/": page(TEAM, action_pk="retro-actions", **TEAM_IDS),
    "teams/<int:pk>/mood/": page(TEAM, **TEAM_IDS),
    "projects/<int:pk>/products/": page(PRODUCT, **PROJECT),
    "products/<int:pk>/funnel/": page(PRODUCT, pk="products"),
    "products/<int:pk>/recompute/": page(PRODUCT, pk="products"),
    "products/<int:pk>/customers/add/": page(PRODUCT, PRODUCT, pk="products"),
    "products/<int:pk>/orders/add/": page(PRODUCT, PRODUCT, pk="products"),
    "products/<int:pk>/spend/add/": page(PRODUCT, PRODUCT, pk="products"),
    "products/<int:pk>/surveys/add/": page(PRODUCT, PRODUCT, pk="products"),
    "products/<int:pk>/events/add/": page(PRODUCT, PRODUCT, pk="products"),
    "projects/<int:pk>/inputs/": page(**PROJECT),
    "projects/<int:pk>/inputs/benefits/define/": page(MANAGERS, **PROJECT),
    "projects/<int:pk>/inputs/costs/<int:row_pk>/correct/": page(MANAGERS, row_pk="cost-entries", **PROJECT),
    "projects/<int:pk>/inputs/risks/<int:row_pk>/update/": page(MANAGERS, row_pk="risks", **PROJECT),
    "projects/<int:pk>/inputs/risks/<int:row_pk>/close/": page(MANAGERS, row_pk="risks", **PROJECT),
    "projects/<int:pk>/inputs/issues/<int:row_pk>/close/": page(MANAGERS, row_pk="issues", **PROJECT),
    "projects/<int:pk>/inputs/status/override/": page(MANAGERS, **PROJECT),
    "projects/<int:pk>/inputs/status/override/revoke/": page(MANAGERS, **PROJECT),
    "projects/<int:pk>/inputs/<slug:slug>/": page(MANAGERS, slug="=risks", **PROJECT),
    "portfolios/<int:pk>/capacity/": page(MANAGERS, pk="portfolios"),
    "projects/<int:pk>/mlflow/": page(**PROJECT),
    "projects/<int:pk>/mlflow/experiments/browse/": page(read=MLFLOW, **PROJECT),
    "projects/<int:pk>/mlflow/models/browse/": page(read=MLFLOW, **PROJECT),
    "projects/<int:pk>/mlflow/experiments/link/": page(MLFLOW, **PROJECT),
    "projects/<int:pk>/mlflow/models/link/": page(MLFLOW, **PROJECT),
    "projects/<int:pk>/mlflow/experiments/<int:link_pk>/key-metrics/": page(
        MLFLOW, link_pk="experiment-links", **PROJECT
    ),
    "projects/<int:pk>/mlflow/<str:kind>/<int:link_pk>/unlink/": page(
        MLFLOW, kind="=experiments", link_pk="experiment-links", **PROJECT
    ),
    "projects/<int:pk>/mlflow/<str:kind>/<int:link_pk>/sync/": page(
        MLFLOW, kind="=experiments", link_pk="experiment-links", **PROJECT
    ),
    "projects/<int:pk>/mlflow/<str:kind>/<int:link_pk>/status/": page(
        kind="=experiments", link_pk="experiment-links", **PROJECT
    ),
    "projects/<int:pk>/models/": page(**PROJECT),
    "projects/<int:pk>/models/register/": page(MLFLOW, **PROJECT),
    "projects/<int:pk>/models/<int:model_pk>/thresholds/": page(MLFLOW, model_pk="deployed-models", **PROJECT),
    "projects/<int:pk>/models/<int:model_pk>/retrained/": page(MLFLOW, model_pk="deployed-models", **PROJECT),
    "projects/<int:pk>/alerts/<int:alert_pk>/acknowledge/": page(ALERT, alert_pk="model-alerts", **PROJECT),
    "projects/<int:pk>/alerts/<int:alert_pk>/resolve/": page(ALERT, alert_pk="model-alerts", **PROJECT),
    "imports/<slug:kind>/<int:scope_pk>/": page(MANAGERS, MANAGERS, kind="=budgets", scope_pk="projects"),
    "gate-reviews/<int:pk>/evidence/": page(pk="gate-reviews"),
    "gate-reviews/<int:pk>/evidence/attach/": page(CONTRIBUTORS, pk="gate-reviews"),
    "gate-reviews/<int:pk>/evidence/<int:evidence_pk>/detach/": page(
        CONTRIBUTORS, pk="gate-reviews", evidence_pk="evidence"
    ),
    "gate-reviews/<int:pk>/evidence/compare/": page(pk="gate-reviews"),
    "gate-reviews/<int:pk>/evidence-requests/": page(MANAGERS | SPONSOR, pk="gate-reviews"),
    "gate-reviews/<int:pk>/evidence-requests/<int:request_pk>/withdraw/": page(
        MANAGERS | SPONSOR, pk="gate-reviews", request_pk="evidence-requests"
    ),
    "inbox/": page(),
    "portfolios/<int:pk>/gate-rules/": page(MANAGERS, pk="portfolios"),
    "gate-rules/<int:pk>/active/": page(MANAGERS, pk="gate-rules"),
}

NOT_PAGES = ("api/", "admin/")


def page_routes() -> list[str]:
    """Every URL pattern of the site outside the API and the admin, from the live resolver."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = normalized(prefix + str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                if not route.startswith(NOT_PAGES):
                    walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith(NOT_PAGES):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


def missing_and_stale(live: list[str], table: dict[str, Entry], table_name: str) -> list[str]:
    """Problems between the live routes and the table, each with what to do about it."""
    problems = [
        f"{route}: no entry in tests/security/matrix.py {table_name}; add one naming who may write through it "
        "(and, for pages, the collection each id names)"
        for route in live
        if route not in table
    ]
    problems += [
        f"{route}: {table_name} has an entry for a route that no longer exists; remove it"
        for route in table
        if route not in set(live)
    ]
    return problems


def api_live_routes() -> list[str]:
    from tests.api.routes import api_routes

    return [route for route, _ in api_routes()]


assert all(route.startswith(API_PREFIX) for route in API_ENTRIES)


def page_url(route: str, entry: Entry, ids: dict[str, int | str]) -> str:
    """Fill each <...> of a page route from the entry's ids (collections of the world, or "=literal")."""
    import re

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        source = entry.ids.get(name)
        assert source, f"{route}: its entry does not say which object <{name}> names"
        return source[1:] if source.startswith("=") else str(ids[source])

    return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route)


# Everything a write could change: every table of our apps, users, memberships and API tokens.
def _tracked_models() -> list:
    ours = ("lifecycle", "portfolio", "metrics", "portal")
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model.__module__.startswith(ours) or model._meta.label in ("knox.AuthToken", "portal.User")
    ]
    return sorted({model._meta.db_table: model for model in models}.items())


def fingerprint() -> dict[str, str]:
    """A digest of every row of every tracked table (one query on PostgreSQL): equal means nothing changed."""
    tables = _tracked_models()
    if connection.vendor == "postgresql":
        union = " UNION ALL ".join(
            f"SELECT '{table}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
            for table, _ in tables
        )
        with connection.cursor() as cursor:
            cursor.execute(union)
            return dict(cursor.fetchall())
    return {
        table: hashlib.md5(repr(sorted(map(repr, model._base_manager.values_list()))).encode()).hexdigest()
        for table, model in tables
    }


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(table for table in before if before[table] != after.get(table))


def personal_ids(world: SecurityWorld, role: str, side: str) -> dict[str, int | str]:
    """The world's ids on one side; "tokens" is the caller's own token, or someone else's on the other side."""
    ids = dict(world.ids(side))
    owner = role if role in world.tokens else "outsider"
    if side == "other":
        owner = "outsider" if owner == "project_manager" else "project_manager"
    ids["tokens"] = world.tokens[owner]
    ids["notifications"] = world.notifications[owner]
    return ids


def sees(entry: Entry, route: str, role: str, side: str) -> bool:
    """Whether the row the URL names (or the rows a list holds) are visible to the role."""
    if entry.scope in ("public", "organization"):
        return True
    if entry.scope == "personal":
        return side == "own" or "<" not in route
    return role == "superuser" or (side == "own" and role not in ("anonymous", "outsider"))


def hidden_words(role: str) -> tuple[str, ...]:
    """Words of the portfolios the role does not belong to: none may appear in anything it is sent."""
    if role == "superuser":
        return ()
    if role in ("anonymous", "outsider"):
        return (OTHER_MARK.lower(), OTHER_PROJECT_CODE.lower(), OWN_PROJECT_CODE.lower(), "applied machine learning")
    return (OTHER_MARK.lower(), OTHER_PROJECT_CODE.lower())


def body_text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace").lower()


# How many (route, method, role, portfolio) cases ran, by matrix; printed at the end of the run (tests/conftest.py).
TALLY: Counter[str] = Counter()
