"""The generated permission matrix of the pages: every URL pattern outside /api/ and /admin/ (health checks,
sign-in and sign-out, token pages, htmx fragments included), GET and POST, for every role on the objects of its
own portfolio and of another one, signed in with django.test.Client.force_login.

- Anonymous visitors are sent to /login/ (public pages answer them).
- Another portfolio's objects answer 404 (superusers excepted); no page a role is sent, lists and dashboards
  included, names a row of a portfolio the role does not belong to.
- Own portfolio: readers are never refused; writers are never refused; a POST by anyone else is refused and
  changes nothing (a digest of every row of every table of ours, taken inside the request's savepoint).
- No 5xx anywhere. Every request runs in a savepoint rolled back after it.
- A page without an entry in tests/security/matrix.py PAGE_ENTRIES fails.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client

from tests.security.conftest import ROLE_NAMES
from tests.security.matrix import (
    MEMBERS,
    PAGE_ENTRIES,
    TALLY,
    Entry,
    body_text,
    changed_tables,
    fingerprint,
    hidden_words,
    missing_and_stale,
    page_routes,
    page_url,
    personal_ids,
    sees,
)


def test_every_page_has_an_entry_in_the_matrix():
    problems = missing_and_stale(page_routes(), PAGE_ENTRIES, "PAGE_ENTRIES")
    assert not problems, "\n".join(problems)


def check(response, entry: Entry, route: str, method: str, role: str, side: str) -> tuple[str | None, bool]:
    """(what was wrong or None, whether the request must have changed nothing)."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}", False
    if status == 405:  # the view does not take this method: answered before it runs
        return None, True
    if entry.scope == "public":
        return (None if status in (200, 301, 302) else "a public page answers everyone"), method == "post"
    if role == "anonymous":
        to_login = status == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        return (None if to_login else "expected a redirect to the sign-in page"), True
    has_ids = "<" in route
    if has_ids and not sees(entry, route, role, side):
        return (None if status == 404 else "expected 404 (not found in another portfolio)"), True
    # A page without ids lists the caller's own rows: a stranger holding a role elsewhere reads it too.
    readers = entry.read | ({"outsider"} if not has_ids and entry.read == MEMBERS else set())
    if method == "post":
        if role in entry.write:
            return (None if status not in (401, 403, 404) else f"{role} may write here"), False
        # pages refuse with 403, or by sending the person back with a message: either way nothing changes
        return None, True
    if role in readers:
        return (None if status in (200, 302) else f"{role} may read here"), False
    return (None if status in (302, 403) else f"{role} may not read here"), False


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_page_permission_matrix(role, security_world):
    client = Client()
    if role != "anonymous":
        client.force_login(security_world.users[role])
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    baseline = fingerprint()
    hidden = hidden_words(role)
    failures: list[str] = []
    cases = 0
    for route in page_routes():
        entry = PAGE_ENTRIES.get(route)
        assert entry is not None, f"{route}: no entry in tests/security/matrix.py PAGE_ENTRIES"
        # a page without ids is the same URL for both portfolios; POST only where the table lets someone write
        for side in ("own", "other") if "<" in route else ("own",):
            url = page_url(route, entry, personal_ids(security_world, role, side))
            for method in ("get", "post") if entry.write else ("get",):
                with transaction.atomic():
                    try:
                        response = getattr(client, method)(url)
                    except Exception as error:  # a 500: the test client re-raises the view's exception
                        failures.append(f"{role} {side} {method.upper()} {url}: raised {error!r}")
                        transaction.set_rollback(True)
                        continue
                    problem, must_be_unchanged = check(response, entry, route, method, role, side)
                    if must_be_unchanged and method == "post" and response.status_code != 405:
                        changed = changed_tables(baseline, fingerprint())
                        if changed:
                            problem = f"a refused POST changed {', '.join(changed)}"
                    transaction.set_rollback(True)
                if session is not None:  # signing out (logout/, sign-out-everywhere) is rolled back: so is the cookie
                    client.cookies[settings.SESSION_COOKIE_NAME] = session.value
                leaked = [word for word in hidden if word in body_text(response)]
                if leaked and not problem:
                    problem = f"shows {leaked} of a portfolio the role does not belong to"
                if problem:
                    failures.append(f"{role} {side} {method.upper()} {url} -> {response.status_code}: {problem}")
                cases += 1
    TALLY["pages"] += cases
    TALLY["pages routes"] = len(PAGE_ENTRIES)
    TALLY["pages roles"] += 1
    assert not failures, f"{len(failures)} of {cases} cases:\n" + "\n".join(failures)
    assert cases >= len(PAGE_ENTRIES) + sum(1 for route in PAGE_ENTRIES if "<" in route)
