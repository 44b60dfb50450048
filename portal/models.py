from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Stagegate's user. A custom model from day one so fields can be added without a painful swap."""

    class Meta:
        db_table = "portal_user"
