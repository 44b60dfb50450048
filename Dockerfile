# Stagegate web, worker and beat image (docker-compose.yml runs all three from it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. The code itself runs from
# /app (PYTHONPATH), where templates/ and static/ sit beside it.
COPY pyproject.toml README.md LICENSE ./
RUN pip install . && pip uninstall -y stagegate

COPY . .

# Static files are collected at build time and served by WhiteNoise. Production settings insist on
# a real secret key; this throwaway one exists only for this build step and is not kept in the image.
RUN DJANGO_SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin stagegate \
    && mkdir -p /app/var/uploads \
    && chown -R stagegate:stagegate /app/var
USER stagegate

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"

# The Procfile's web line (gunicorn); docker-compose.yml runs its worker and beat lines the same way.
ENV STAGEGATE_BIND=0.0.0.0:8000
CMD ["honcho", "start", "--no-colour", "web"]
