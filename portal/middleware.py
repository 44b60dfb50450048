"""Browser security headers on every response: a Content-Security-Policy, a Permissions-Policy, and a
sandbox for downloads.

Hand-written rather than django-csp: no page has an inline script (Swagger UI's start-up script is served as
a file by drf-spectacular's split view), so nonces would have nothing to sign, and Django 6.0 brings its own
CSP middleware to move to. A view that needs a wider policy sets the header itself (``policy_with``); this
middleware never overwrites it.
"""

from django.http import HttpRequest, HttpResponse

# Every asset is served from our own static files, so the policy can stay strict.
# `blob:` lets Plotly's toolbar download a chart as PNG.
POLICY: dict[str, str] = {
    "default-src": "'self'",
    "img-src": "'self' data: blob:",
    "style-src": "'self' 'unsafe-inline'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# A downloaded artifact is the uploader's content: if a browser ever renders it (a PDF/HTML polyglot opened
# inline), it runs nothing, loads nothing and has no origin.
DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"

# Browser features no page of ours uses: a script that got in still cannot ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "serial",
        "bluetooth",
        "hid",
        "xr-spatial-tracking",
    )
)


def policy_with(**extra: str) -> str:
    """The site policy with sources added to some directives, e.g. ``policy_with(worker_src="'self' blob:")``."""
    policy = dict(POLICY)
    for directive, sources in extra.items():
        name = directive.replace("_", "-")
        policy[name] = f"{policy[name]} {sources}" if name in policy else sources
    return "; ".join(f"{name} {sources}" for name, sources in policy.items())


CONTENT_SECURITY_POLICY = policy_with()


def is_download(response: HttpResponse) -> bool:
    return response.get("Content-Disposition", "").lower().startswith("attachment")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_download(response):
            response.setdefault("Content-Security-Policy", DOWNLOAD_POLICY)
            response.setdefault("X-Content-Type-Options", "nosniff")
        else:
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
