# syntax=docker/dockerfile:1
# One image for the five Guichet services; the command picks the service:
#   docker run guichet python -m intake      (default)
#   docker run guichet python -m sla_clock   (or approvals, documents, retention)
# Settings come from GUICHET_* variables (libs/events/events/service/settings.py).

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- builder
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src

# Dependencies first (cached while only the sources change). requirements.lock pins every
# package (it is compiled with the dev extra); the runtime dependencies of pyproject.toml are
# installed with the lock as constraints, so the image gets the locked versions without the
# test tooling.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/runtime-requirements.txt \
    && pip install -r /tmp/runtime-requirements.txt -c requirements.lock

# The code: the platform library and the five services, installed without touching the deps.
COPY libs/ libs/
COPY services/ services/
RUN pip install --no-deps . \
    && python -c "import events, intake, sla_clock, approvals, documents, retention"

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime

ARG UID=10001
RUN groupadd --system --gid ${UID} guichet \
    && useradd --system --uid ${UID} --gid guichet --home-dir /app --no-create-home guichet \
    && mkdir -p /app/data \
    && chown -R guichet:guichet /app

COPY --from=builder /opt/venv /opt/venv
COPY deploy/docker/healthcheck.py /usr/local/bin/guichet-healthcheck

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GUICHET_HOST=0.0.0.0 \
    GUICHET_DATA_DIR=/app/data

WORKDIR /app
USER guichet:guichet

EXPOSE 8001 8002 8003 8004 8005

# Liveness only: readiness (/readyz) depends on PostgreSQL and Kafka, which the orchestrator
# checks itself (compose healthcheck, Kubernetes readinessProbe).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/usr/local/bin/guichet-healthcheck", "/healthz"]

CMD ["python", "-m", "intake"]
