"""The SSRF rule: which URLs a webhook may call."""

import pytest

from collaboration.webhooks.targets import url_refusal


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("ftp://93.184.215.14/x", "Only http and https URLs."),
        ("https://user:pw@93.184.215.14/x", "No credentials in the URL: verify deliveries by their signature."),
        ("http://127.0.0.1/x", "The host 127.0.0.1 resolves to a non-public address (127.0.0.1)."),
        ("http://localhost/x", "non-public"),
        ("http://10.0.0.8/x", "non-public"),
        ("http://172.16.3.4/x", "non-public"),
        ("http://192.168.0.1/x", "non-public"),
        ("http://169.254.169.254/latest/meta-data/", "non-public"),
        ("http://[::1]/x", "non-public"),
        ("http://[fe80::1]/x", "non-public"),
        ("http://[::ffff:127.0.0.1]/x", "non-public"),
        ("http://224.0.0.1/x", "non-public"),
        ("http://0.0.0.0/x", "non-public"),
        ("http://240.0.0.1/x", "non-public"),
        ("http://100.64.0.1/x", "non-public"),  # carrier-grade NAT: not global
        ("http://93.184.215.14:99999/x", "Not a valid URL."),
        ("http:///x", "The URL has no host."),
        ("http://name.invalid/x", "The host name.invalid does not resolve."),
    ],
)
def test_refused(url, refusal, settings):
    settings.STAGEGATE_WEBHOOK_ALLOW_PRIVATE = False
    assert refusal in (url_refusal(url) or "")


@pytest.mark.parametrize("url", ["https://93.184.215.14/hook", "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x"])
def test_public_addresses_are_allowed(url, settings):
    settings.STAGEGATE_WEBHOOK_ALLOW_PRIVATE = False
    assert url_refusal(url) is None


def test_the_allow_setting_lets_loopback_through_but_never_other_schemes_or_credentials(settings):
    settings.STAGEGATE_WEBHOOK_ALLOW_PRIVATE = True
    assert url_refusal("http://127.0.0.1:8787/hooks") is None
    assert url_refusal("file:///etc/passwd") == "Only http and https URLs."
    assert url_refusal("http://a:b@127.0.0.1/") is not None
