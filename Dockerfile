# labportal production image: gunicorn serves the portal (static files through WhiteNoise);
# the same image runs the Celery worker and beat (see docker-compose.yml).
#
# Two stages: "assets" fetches Bootstrap and htmx with npm exactly as `make assets` does (no CDN),
# the runtime stage copies only the resulting static/vendor files, so Node.js is not shipped.
# The two Bootstrap source maps are copied as well: the files name them (sourceMappingURL), and the
# hashed-manifest storage of the production settings refuses to collect a file whose reference is missing.

# --- stage 1: front-end assets -------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS assets
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
 && mkdir -p static/vendor \
 && cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js static/vendor/ \
 && cp node_modules/bootstrap/dist/css/bootstrap.min.css.map node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/ \
 && cp node_modules/htmx.org/dist/htmx.min.js static/vendor/

# --- stage 2: runtime ----------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=labportal.settings.production \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/var/static

# WeasyPrint needs Pango and HarfBuzz's subsetter (without libharfbuzz-subset0 a one-page PDF takes
# ~10 s); fonts-noto-cjk so Chinese renders as Chinese; gettext for compilemessages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first (pinned by constraints.txt) so code changes do not reinstall them.
COPY pyproject.toml constraints.txt ./
COPY labportal/__init__.py labportal/
COPY accounts/__init__.py accounts/
COPY applications/__init__.py applications/
COPY reviews/__init__.py reviews/
COPY evaluations/__init__.py evaluations/
RUN pip install -c constraints.txt .

COPY . .
COPY --from=assets /src/static/vendor/ static/vendor/
# PYTHONPATH=/app puts this source tree ahead of the copy pip put in site-packages, so BASE_DIR is
# /app and templates/, static/ and locale/ are found. A throwaway key is enough for these two steps.
RUN SECRET_KEY=build-only-not-secret SITE_URL=http://build.invalid AUDIT_HMAC_KEY=build-only-not-secret PII_ENCRYPTION_KEY=build-only-not-secret python manage.py compilemessages --ignore=.venv --ignore=node_modules \
 && SECRET_KEY=build-only-not-secret SITE_URL=http://build.invalid AUDIT_HMAC_KEY=build-only-not-secret PII_ENCRYPTION_KEY=build-only-not-secret python manage.py collectstatic --noinput \
 && useradd --system --create-home --home-dir /home/labportal --shell /usr/sbin/nologin labportal \
 && mkdir -p /data/media \
 && chown -R labportal:labportal /data/media

USER labportal
VOLUME ["/data/media"]
EXPOSE 8000
# gunicorn has no body limit of its own: the portal answers 413 past REQUEST_MAX_BYTES before reading the body, and
# the reverse proxy (deploy/nginx.conf) holds the same cap. Request line and header sizes are bounded here and there.
# Each worker is replaced after about a thousand requests (jittered, so that they do not restart together): whatever
# a worker's memory grew to, it does not keep. Big documents are rendered by the Celery worker, never here.
CMD ["gunicorn", "labportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--max-requests", "1000", "--max-requests-jitter", "100", \
     "--limit-request-line", "8190", "--limit-request-fields", "100", "--limit-request-field_size", "8190", \
     "--access-logfile", "-"]
