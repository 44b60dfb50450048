"""Walking the API's routes: every registered route, a concrete URL for it, the methods it answers."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"


# Not portfolio data: the login itself, the logout of one's own token, and one's own tokens (scoped to the user:
# tests/api/test_tokens.py checks that someone else's token is a 404).
UNSCOPED_ROUTES = {
    "api/v1/auth/token/",
    "api/v1/auth/logout/",
    "api/v1/auth/logout-all/",
    "api/v1/tokens/",
    "api/v1/tokens/<pk>/",
    # one's own notifications (tests/collaboration/notifications: someone else's is a 404)
    "api/v1/notifications/",
    "api/v1/notifications/<pk>/read/",
    "api/v1/notifications/read-all/",
    "api/v1/notification-preferences/",
}


PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def normalized(route: str) -> str:
    """Router regexes (^projects/(?P<pk>[^/.]+)/$) written like path() routes (projects/<pk>/)."""
    return REGEX_GROUP.sub(r"<\g<name>>", route.replace("^", "").replace("$", ""))


def api_routes() -> list[tuple[str, object]]:
    """(route template, view callback) for every URL pattern under /api/v1/, from the live resolver."""
    found: list[tuple[str, object]] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = normalized(prefix + str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(API_PREFIX):
                found.append((route, pattern.callback))

    walk(get_resolver().url_patterns, "")
    return found


def concrete_url(route: str, ids: dict[str, int | str]) -> str:
    """Fill each <int:...> with the id of the object the segment before it names."""
    segments = route.split("/")
    for index, segment in enumerate(segments):
        match = PARAM.fullmatch(segment)
        if not match:
            continue
        name = match["name"]
        if name == "number":  # charter version number: the first version always exists
            segments[index] = "1"
        else:
            collection = segments[index - 1]
            assert collection in ids, f"{route}: teach test_scoping which object '{collection}/<{name}>' names"
            segments[index] = str(ids[collection])
    return "/" + "/".join(segments)


def route_methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    assert actions, f"{callback} is not a viewset: API routes are viewsets on the scoped base"
    # DRF adds "head" (same as GET) to the map once the view has served a request: GET covers it.
    return sorted(set(actions) - {"head", "options"})


def result_ids(response) -> set:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["id"] for row in rows}
