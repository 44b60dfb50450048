"""The settings contract: production is deploy-clean, defaults run the demo, and every variable is documented."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "portal" / "settings"
# env("NAME", ...), env.bool("NAME", ...), env.db("NAME", ...) and friends
ENV_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def run_django(settings_module: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process: settings modules are read once per process."""
    # A clean slate: none of the caller's configuration leaks in (CI sets DATABASE_URL; the browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy checks rightly refuse).
    variables = settings_variables()
    environment = {
        key: value for key, value in os.environ.items() if key not in variables and not key.startswith("DJANGO_")
    }
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_variables() -> set[str]:
    """Every environment variable the settings read, and those the Procfile's commands expand."""
    names: set[str] = set()
    for path in SETTINGS_DIR.glob("*.py"):
        names.update(ENV_READ.findall(path.read_text()))
    names.update(re.findall(r"\$\{(\w+):-", (ROOT / "Procfile").read_text()))
    return names


def test_production_settings_pass_the_deploy_checks():
    result = run_django(
        "portal.settings.production",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("secret_key", ["insecure-dev-key-change-me" + "x" * 40, "short-but-random-Zq81"])
def test_production_refuses_a_weak_secret_key(secret_key):
    result = run_django("portal.settings.production", "check", DJANGO_SECRET_KEY=secret_key)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be a random string of at least 50 characters" in result.stderr


def test_local_defaults_are_the_demo_setup():
    """No environment at all: SQLite under var/, tasks in-process, debug on."""
    script = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.DEBUG)"
    )
    result = run_django("portal.settings.local", "shell", "-v", "0", "-c", script)

    sqlite_file = ROOT / "var" / "stagegate.sqlite3"
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"django.db.backends.sqlite3 {sqlite_file} True memory:// True"


def test_every_setting_variable_is_documented():
    names = settings_variables()
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()

    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "MLFLOW_TRACKING_URI", "STAGEGATE_BIND"} <= names
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
    assert sorted(name for name in names if not re.search(rf"^#?\s*{name}=", example, re.MULTILINE)) == []
