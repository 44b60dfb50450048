"""Settings shared by every environment, read from the environment with django-environ.

Every variable is listed in README.md ("Configuration") and `.env.example`.
"""

from pathlib import Path

import environ

from portal.formats import DEFAULT_CURRENCY, currency_code

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "portfolio",
    "lifecycle",
    "metrics",
    "collaboration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into 429 + Retry-After (portal.login_guard.refusal_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "collaboration.inbox.context_processors.inbox",  # the inbox badge and home card, lazily
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'stagegate.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# A connection the database dropped is noticed and replaced at the next request, not kept failing until a restart.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (the demo) has one writer at a time and no row locks: a transaction that reads and then writes fails
    # at once with "database is locked" when another writer got there first. IMMEDIATE takes the write lock at BEGIN,
    # so writers queue (up to the timeout, seconds) and a version check runs after the previous save committed; WAL
    # lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Sign-in defence (portal/login_guard.py, django-axes) for the page, the API token endpoint and the admin: a username
# from one address is locked out after MAX_FAILURES failures for LOCKOUT_MINUTES; an address alone is only throttled.
STAGEGATE_LOGIN_MAX_FAILURES = env.int("STAGEGATE_LOGIN_MAX_FAILURES", default=5)
STAGEGATE_LOGIN_LOCKOUT_MINUTES = env.int("STAGEGATE_LOGIN_LOCKOUT_MINUTES", default=15)
# Reverse proxies in front of the app that append to X-Forwarded-For: 0 ignores the header (REMOTE_ADDR is the client).
STAGEGATE_TRUSTED_PROXY_COUNT = env.int("STAGEGATE_TRUSTED_PROXY_COUNT", default=0)
AUTHENTICATION_BACKENDS = [
    "portal.login_guard.SignInDefenceBackend",  # first: refuses a locked-out pair before any password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # counts in the database: every process agrees
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "portal.login_guard.failure_limit"  # read from the STAGEGATE_ settings above at each use
AXES_COOLOFF_TIME = "portal.login_guard.lockout_window"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout lasts LOCKOUT_MINUTES, retries do not extend it
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "portal.login_guard.client_address"
AXES_LOCKOUT_CALLABLE = "portal.login_guard.refusal_response"
AXES_DISABLE_ACCESS_LOG = True  # no row per successful sign-in: only failures are kept
LOGIN_REDIRECT_URL = "home"
# A signed-in session ends this long after sign-in, whatever the activity.
SESSION_COOKIE_AGE = env.int("STAGEGATE_SESSION_HOURS", default=12) * 60 * 60
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded artifacts live outside the static root and are never served by URL:
# only the permission-checked download view reads them.
MEDIA_ROOT = env.path("STAGEGATE_UPLOAD_ROOT", default=VAR_DIR / "uploads")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Artifact uploads: size limit in bytes and allowed content types (sniffed from the bytes).
ARTIFACT_MAX_UPLOAD_BYTES = env.int("STAGEGATE_MAX_UPLOAD_MB", default=25) * 1024 * 1024
# Zip-based uploads (.zip, .docx, .xlsx, .pptx, .odt): what they may unpack to (lifecycle/uploads.py), so a zip
# bomb is refused before it is stored. Real Office files stay far below these.
ARTIFACT_ARCHIVE_MAX_UNPACKED_BYTES = env.int("STAGEGATE_ARCHIVE_MAX_UNPACKED_MB", default=50) * 1024 * 1024
ARTIFACT_ARCHIVE_MAX_MEMBERS = env.int("STAGEGATE_ARCHIVE_MAX_MEMBERS", default=1000)
ARTIFACT_ARCHIVE_MAX_RATIO = env.int("STAGEGATE_ARCHIVE_MAX_RATIO", default=100)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Days a deployment-gate approval of a model in production stays valid (a model may set its own);
# after that its page shows "revalidation due".
STAGEGATE_APPROVAL_VALID_DAYS = env.int("STAGEGATE_APPROVAL_VALID_DAYS", default=365)

# The installation currency (ISO 4217) every amount is shown in: pages, chart axes, tables, CSV headers, the API's
# metric registry. Amounts are stored as plain numbers in it; nothing is converted.
STAGEGATE_CURRENCY = currency_code(env("STAGEGATE_CURRENCY", default=DEFAULT_CURRENCY))

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Tolerant of Redis being down (a miss, a dropped write; portal/cache.py); short timeouts so it never stalls.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: without a broker every task runs in-process (the demo); see portal/celery.py.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers unacknowledged messages after this many seconds: keep it above the hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}

MLFLOW_TRACKING_URI = env("MLFLOW_TRACKING_URI", default="")

# Email (notifications and the daily digest): SMTP when EMAIL_HOST is set, else printed to the console (the demo).
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10  # seconds: a stalled mail server fails the task (retried), never blocks a worker
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Stagegate <stagegate@localhost>")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
# The address of the site as people reach it: the links in emails.
STAGEGATE_SITE_URL = env("STAGEGATE_SITE_URL", default="http://127.0.0.1:8000")
# A condition or rework item is told "due soon" to its owner this many days before its due date (once).
STAGEGATE_ACTION_DUE_SOON_DAYS = env.int("STAGEGATE_ACTION_DUE_SOON_DAYS", default=3)
# Outgoing webhooks (collaboration/webhooks, README "Webhooks"): seconds before an endpoint's answer counts as a
# failure; attempts of one delivery before it is given up (backoff 30 s doubling, capped at 1 h: about 1 h in all);
# deliveries given up in a row before the subscription is disabled and its creator told; whether endpoints may be
# private, loopback or link-local addresses (never in production: the portal would call into its own network).
STAGEGATE_WEBHOOK_TIMEOUT_S = env.int("STAGEGATE_WEBHOOK_TIMEOUT_S", default=5)
STAGEGATE_WEBHOOK_MAX_ATTEMPTS = env.int("STAGEGATE_WEBHOOK_MAX_ATTEMPTS", default=8)
STAGEGATE_WEBHOOK_DISABLE_AFTER = env.int("STAGEGATE_WEBHOOK_DISABLE_AFTER", default=5)
STAGEGATE_WEBHOOK_ALLOW_PRIVATE = env.bool("STAGEGATE_WEBHOOK_ALLOW_PRIVATE", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.tokens.authentication.ScopedTokenAuthentication",  # knox, plus token scope and last use
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api_exceptions.api_exception_handler",
    # The client address for throttles, the same rule as portal.login_guard.client_address.
    "NUM_PROXIES": STAGEGATE_TRUSTED_PROXY_COUNT,
}
# API tokens (portal/tokens): how many may work at once per user, sign-in tokens included (expired ones do not
# count), and the longest a personal token may last.
STAGEGATE_MAX_TOKENS_PER_USER = env.int("STAGEGATE_MAX_TOKENS_PER_USER", default=10)
STAGEGATE_TOKEN_MAX_DAYS = env.int("STAGEGATE_TOKEN_MAX_DAYS", default=90)
KNOX_TOKEN_MODEL = "knox.AuthToken"  # knox's default, named because portal.ApiToken refers to it
REST_KNOX = {
    "TOKEN_TTL": __import__("datetime").timedelta(hours=env.int("STAGEGATE_TOKEN_TTL_HOURS", default=10)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stagegate API",
    "DESCRIPTION": "Govern a portfolio of ML projects: charters, RACI, artifacts and gate reviews.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The payload of each webhook event type, under x-webhooks (collaboration/webhooks/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "collaboration.webhooks.schema.webhooks_in_schema",
    ],
    # The same choices appear under several field names; name each enum once.
    "ENUM_NAME_OVERRIDES": {
        "GateDecisionEnum": "lifecycle.choices.GateDecision",
        "RaciRoleEnum": "lifecycle.choices.RaciRole",
        "PortfolioRoleEnum": "portfolio.choices.Role",
        "GateRuleKindEnum": "metrics.evidence.choices.GateRuleKind",
        "RagEnum": "lifecycle.choices.RAG",
        "EvidenceRequestStatusEnum": "metrics.evidence.choices.EvidenceRequestStatus",
        "GateReviewStatusEnum": "lifecycle.choices.GateReviewStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
