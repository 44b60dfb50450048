"""API tokens of a person: create, list and revoke their own (page and API), read-only or read-write, bounded in
number and lifetime; every token revoked on a password change, a deactivation or "sign out everywhere".

knox keeps the secret hashed and the expiry (``knox.models.AuthToken``); ``portal.models.ApiToken`` adds the name,
the scope and the last use. Writes are in ``services``, reads in ``selectors``; ``authentication`` is the DRF
authentication class of the whole API.
"""
