"""The generated permission matrix of the API: every route of the live resolver, every method it answers, for
every role (anonymous, an outsider, each portfolio role, a superuser) on the objects of their own portfolio and
of another one.

- Another portfolio's objects answer 404 (superusers excepted) and lists never include them.
- Anonymous callers get 401 everywhere but the sign-in.
- Own portfolio: readers are never refused; writers are never refused; a write by anyone else is refused and
  changes nothing (a digest of every row of every table of ours, taken inside the request's savepoint).
- Every request runs in a savepoint rolled back after it, so a write that succeeds leaves the world unchanged.
- A route without an entry in tests/security/matrix.py API_ENTRIES fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from portal.models import ApiToken
from tests.api.routes import api_routes, concrete_url
from tests.security.conftest import ROLE_NAMES
from tests.security.matrix import (
    API_ENTRIES,
    TALLY,
    Entry,
    api_live_routes,
    body_text,
    changed_tables,
    fingerprint,
    hidden_words,
    missing_and_stale,
    personal_ids,
    sees,
)

WRITE_METHODS = ("post", "put", "patch", "delete")
# 415/428: a body of the wrong type, an edit without the version it was based on (refused before any change)
REFUSED = (400, 403, 404, 405, 409, 415, 428)


def test_every_api_route_has_an_entry_in_the_matrix():
    problems = missing_and_stale(api_live_routes(), API_ENTRIES, "API_ENTRIES")
    assert not problems, "\n".join(problems)


def route_methods(callback: Any) -> list[str]:
    """The methods a route answers: a viewset's action map, or the handlers an APIView defines."""
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(set(actions) - {"head", "options"})
    return [method for method in ("get", *WRITE_METHODS) if hasattr(callback.cls, method)]


def probe_body(ids: dict[str, int | str]) -> dict[str, Any]:
    """A body for creating a row, every reference pointing at one side's objects."""
    return {
        "portfolio": ids["portfolios"],
        "project": ids["projects"],
        "team": ids["teams"],
        "sprint": ids["sprints"],
        "product": ids["products"],
        "customer": ids["customers"],
        "benefit": ids["benefits"],
        "model_link": ids["model-links"],
        "monitoring_link": ids["experiment-links"],
        "scope": ids["projects"],
        "name": "Matrix probe",
        "version": 1,
    }


def listed_ids(response) -> set:
    try:
        body = response.json()
    except ValueError:
        return set()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row.get("id") for row in rows if isinstance(row, dict)} if isinstance(rows, list) else set()


def check(status: int, entry: Entry, route: str, method: str, role: str, side: str) -> tuple[str | None, bool]:
    """(what was wrong or None, whether the request must have changed nothing)."""
    if status >= 500:
        return f"server error {status}", False
    if role == "anonymous" and entry.scope != "public":
        return (None if status == 401 else "expected 401"), True
    is_write = method in WRITE_METHODS
    if not sees(entry, route, role, side):
        if "<" in route:
            return (None if status == 404 else "expected 404 (not found in another portfolio)"), True
        if is_write:
            return (None if status in REFUSED else "expected a refusal"), True
        return (None if status == 200 else "expected 200 (a list, filtered)"), True
    if is_write:
        if role in entry.write:
            return (None if status not in (401, 403, 404) else f"{role} may write here"), False
        return (None if status in REFUSED else f"{role} may not write here"), True
    if role in entry.read:
        return (None if status not in (401, 403, 404) else f"{role} may read here"), False
    return (None if status in (403, 404) else f"{role} may not read here"), False


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_api_permission_matrix(role, security_world):
    client = APIClient()
    if role != "anonymous":  # with the user's own token, as a real API client holds one
        token = ApiToken.objects.get(pk=security_world.tokens[role]).auth_token
        client.force_authenticate(security_world.users[role], token=token)
    baseline = fingerprint()
    hidden = hidden_words(role)
    failures: list[str] = []
    cases = 0
    for route, callback in api_routes():
        entry = API_ENTRIES.get(route)
        assert entry is not None, f"{route}: no entry in tests/security/matrix.py API_ENTRIES"
        for side in ("own", "other"):
            ids = personal_ids(security_world, role, side)
            url = concrete_url(route, ids)
            for method in route_methods(callback):
                body = probe_body(ids) if method != "get" else {}
                with transaction.atomic():
                    try:
                        response = getattr(client, method)(url, body, format="json")
                    except Exception as error:  # a 500: the test client re-raises the view's exception
                        failures.append(f"{role} {side} {method.upper()} {url}: raised {error!r}")
                        transaction.set_rollback(True)
                        continue
                    problem, must_be_unchanged = check(response.status_code, entry, route, method, role, side)
                    # 401 and 405 are answered before any view code runs
                    if must_be_unchanged and method in WRITE_METHODS and response.status_code not in (401, 405):
                        changed = changed_tables(baseline, fingerprint())
                        if changed:
                            problem = f"a refused write changed {', '.join(changed)}"
                    transaction.set_rollback(True)
                text = body_text(response)
                leaked = [word for word in hidden if word in text]
                if leaked:
                    problem = f"shows {leaked} of a portfolio the role does not belong to"
                elif method == "get" and not sees(entry, route, role, side) and "<" not in route:
                    collection = route.rstrip("/").rsplit("/", 1)[-1]
                    hidden_id = ids.get(collection)
                    if hidden_id is not None and hidden_id in listed_ids(response):
                        problem = f"lists {collection} {hidden_id} of a portfolio the role does not belong to"
                if problem:
                    failures.append(f"{role} {side} {method.upper()} {url} -> {response.status_code}: {problem}")
                cases += 1
    TALLY["api"] += cases
    TALLY["api routes"] = len(API_ENTRIES)
    TALLY["api roles"] += 1
    assert not failures, f"{len(failures)} of {cases} cases:\n" + "\n".join(failures)
    # every route, both portfolios, at least one method each
    assert cases >= 2 * len(API_ENTRIES)
