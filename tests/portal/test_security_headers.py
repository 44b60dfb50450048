"""Browser security: the site's Content-Security-Policy and Permissions-Policy, API docs without inline
scripts, downloads that a browser never renders, session lifetime, and production's HTTPS settings."""

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from lifecycle import services
from tests.factories import artifact_type
from tests.portal.test_settings import run_django

pytestmark = pytest.mark.django_db

# A PDF whose bytes are also an HTML page with a script: sniffed as PDF, so the upload is accepted.
POLYGLOT = (
    b"%PDF-1.7\n<html><body><script>document.title = 'owned'</script></body></html>\n"
    b"1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def directives(policy: str) -> dict[str, str]:
    return {name: sources for name, _, sources in (part.strip().partition(" ") for part in policy.split(";"))}


def test_pages_get_a_strict_policy_and_no_browser_features(client):
    response = client.get(reverse("login"))

    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    features = response["Permissions-Policy"].split(", ")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in features


def test_swagger_ui_page_has_no_inline_script_and_its_start_up_script_is_a_file():
    client = APIClient()
    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert 'src="/api/docs/?script="' in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in script.content.decode()


def test_redoc_page_has_no_inline_script_and_nothing_from_a_cdn():
    page = APIClient().get("/api/redoc/")

    assert page.status_code == 200
    html = page.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in html
    assert '<redoc spec-url="/api/schema/">' in html
    assert "https://" not in html
    policy = directives(page["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["worker-src"] == "'self' blob:"  # Redoc's search index runs in a worker


def test_a_pdf_html_polyglot_is_downloaded_never_rendered(client, people, project):
    version = services.artifact_add_version(
        actor=people["pm"],
        project=project,
        artifact_type=artifact_type("project-charter"),
        upload=SimpleUploadedFile("charter.pdf", POLYGLOT),
    )
    assert version.content_type == "application/pdf"
    api = APIClient()
    api.force_authenticate(people["pm"])
    client.force_login(people["pm"])

    for response in (
        client.get(reverse("artifact-download", args=[version.pk])),
        api.get(f"/api/v1/artifact-versions/{version.pk}/download/"),
    ):
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="charter.pdf"'
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        policy = directives(response["Content-Security-Policy"])
        assert "sandbox" in policy
        assert policy["default-src"] == "'none'"
        assert b"".join(response.streaming_content) == POLYGLOT


def test_session_lifetime_defaults_to_twelve_hours():
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60


def test_session_lifetime_comes_from_the_environment():
    script = "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE)"
    result = run_django("portal.settings.local", "shell", "-v", "0", "-c", script, STAGEGATE_SESSION_HOURS="2")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(2 * 60 * 60)


def test_production_keeps_secure_cookies_hsts_and_the_https_redirect():
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SESSION_COOKIE_HTTPONLY",
    ]
    script = f"from django.conf import settings as s; print(*[getattr(s, n) for n in {names!r}])"
    result = run_django(
        "portal.settings.production", "shell", "-v", "0", "-c", script, DJANGO_SECRET_KEY="k" * 20 + "Zq81" * 10
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True", "True", "True"]
