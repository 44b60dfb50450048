"""Which URLs a webhook may call (the SSRF guard): checked when a subscription is saved and again before each send,
since what a name resolves to can change in between."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


def url_refusal(url: str) -> str | None:
    """Why the portal will not call ``url``, or None when it may.

    Only http(s), no credentials in the URL, and (unless STAGEGATE_WEBHOOK_ALLOW_PRIVATE) every address the host
    resolves to must be public: no private, loopback, link-local, multicast, reserved or unspecified address, which
    would let a manager make the portal call into its own network (cloud metadata, the database, the admin).
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is no number or out of range
    except ValueError:
        return "Not a valid URL."
    if parts.scheme not in ("http", "https"):
        return "Only http and https URLs."
    if parts.username is not None or parts.password is not None:
        return "No credentials in the URL: verify deliveries by their signature."
    host = parts.hostname
    if not host:
        return "The URL has no host."
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return f"The host {host} does not resolve."
    if settings.STAGEGATE_WEBHOOK_ALLOW_PRIVATE:
        return None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return f"The host {host} resolves to a non-public address ({address})."
    return None
