from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

# Salt of the session hash once a user has signed out everywhere (see User.get_session_auth_hash).
SESSION_GENERATION_SALT = "portal.models.User.session_generation"
# HTTP methods that only read: all a read-only token may use.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_NAME_MAX_LENGTH = 100


class User(AbstractUser):
    """Stagegate's user. A custom model from day one so fields can be added without a painful swap."""

    session_generation = models.PositiveIntegerField(
        default=0, help_text='Raised by "sign out everywhere": every session signed in before it ends.'
    )

    class Meta:
        db_table = "portal_user"

    # Django checks a session's stored hash against this on every request and ends the session when they differ,
    # which is how a password change signs other browsers out. Mixing in the generation does the same for
    # "sign out everywhere", whatever the session store, without a query. At generation 0 the hash is Django's
    # own, so sessions signed in before this field existed stay valid.
    def get_session_auth_hash(self) -> str:
        return self._with_session_generation(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback in super().get_session_auth_fallback_hash():
            yield self._with_session_generation(fallback)

    def _with_session_generation(self, password_hash: str) -> str:
        if not self.session_generation:
            return password_hash
        value = f"{password_hash}:{self.session_generation}"
        return salted_hmac(SESSION_GENERATION_SALT, value, algorithm="sha256").hexdigest()


class TokenScope(models.TextChoices):
    READ_ONLY = "read_only", "Read only"
    READ_WRITE = "read_write", "Read and write"


class ApiToken(models.Model):
    """Name, scope and last use of one API token. knox's ``AuthToken`` keeps the rest: the digest (never the
    secret), the owner, when it was created and when it expires.

    Every token has one (``portal.tokens.receivers``): a personal token is named by its owner, a token from the
    login endpoint is "API login", read-write. Revoking or expiring the knox token deletes this row with it.
    """

    auth_token = models.OneToOneField(settings.KNOX_TOKEN_MODEL, on_delete=models.CASCADE, related_name="api_token")
    name = models.CharField(max_length=TOKEN_NAME_MAX_LENGTH)
    scope = models.CharField(max_length=20, choices=TokenScope.choices, default=TokenScope.READ_WRITE)
    last_used = models.DateTimeField(null=True, blank=True, help_text="To the minute: recorded once a minute at most.")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_scope_display()})"

    def allows(self, method: str) -> bool:
        """A read-only token may only read."""
        return self.scope == TokenScope.READ_WRITE or method.upper() in READ_METHODS
