# The coach API as a container: a plain install (no test tools), a non-root user, a health check.
# Build: docker build -t ai-coach .   Run: see compose.yaml (PostgreSQL, a Chroma server, 2 replicas).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    COACH_HOST=0.0.0.0 COACH_PORT=8000 COACH_DATA_DIR=/data COACH_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY tools ./tools
COPY knowledge ./knowledge
COPY api ./api
COPY evals ./evals
RUN pip install . && useradd --create-home --uid 10001 coach && mkdir -p /data && chown coach /data

USER coach
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
CMD ["coach", "serve"]
