# The image deploy/compose.yaml builds: Ouderwijzer with its offline embedder, as a non-root user.
# The index is built at start when there is none (the committed embedding seed makes that ~30 s).
#   docker build -t ouderwijzer .
#   docker run -p 8000:8000 -e OUDERWIJZER_STAFF_TOKEN=... ouderwijzer
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    ANONYMIZED_TELEMETRY=False \
    PIP_NO_CACHE_DIR=1 \
    OUDERWIJZER_PATHS__DATA_DIR=/state \
    OUDERWIJZER_STORE__PATH=/state/chroma \
    OUDERWIJZER_STORAGE__SQLITE_PATH=/state/ouderwijzer.db \
    OUDERWIJZER_LOGGING__JSON=true

RUN useradd --create-home --uid 10001 ouderwijzer && mkdir -p /state /app && chown ouderwijzer /state

WORKDIR /app
# Dependencies first (a layer that changes rarely). torch is pinned to the CPU build in pyproject.toml.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY ingest ./ingest
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu .
COPY config.yaml ./
COPY knowledge ./knowledge
COPY deploy/entrypoint.sh /usr/local/bin/ouderwijzer-entrypoint

USER ouderwijzer
VOLUME ["/state"]
EXPOSE 8000
ENTRYPOINT ["ouderwijzer-entrypoint"]
CMD ["ouderwijzer", "serve", "--host", "0.0.0.0", "--port", "8000"]
