"""Pages of one's own account, mounted at the site root by portal/site_urls.py."""

from django.urls import path, re_path

from portal.tokens import views

urlpatterns = [
    path("account/tokens/", views.token_list, name="account-tokens"),
    # At most 18 digits: an id past a 64-bit integer is a 404, not an overflow in the database adapter.
    re_path(r"^account/tokens/(?P<pk>[0-9]{1,18})/revoke/$", views.token_revoke, name="account-token-revoke"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="account-sign-out-everywhere"),
]
