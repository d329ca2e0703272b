"""Operating the API: Prometheus metrics at ``/metrics``, OpenTelemetry request spans, JSON logs.

* Metrics: requests by route template and status with latency histograms, the database pool
  (in use, overflow), eval-gate refusals; the model metrics live in :mod:`agent.telemetry`.
  Labels are route templates (``/v1/goals/{goal_id}``), never paths with ids, nor HR text.
  ``/metrics`` answers clients in ``COACH_METRICS_NETWORKS`` (loopback by default), or anyone
  with ``Authorization: Bearer <COACH_METRICS_TOKEN>``.
* Traces: off unless the standard ``OTEL_*`` variables ask for them (``OTEL_TRACES_EXPORTER``
  ``otlp`` or ``console``, or an ``OTEL_EXPORTER_OTLP_*ENDPOINT``; ``OTEL_SDK_DISABLED=true``
  wins). FastAPI's request span, with task, node, model-call and store-query spans below it.
* Logs: ``COACH_LOG_FORMAT=json`` writes one JSON object per line with the request id
  (``X-Request-ID``, echoed or made up). The access log names the method, the route template
  and the status, never the query string (it can hold e-mail addresses).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import sys
import time
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from knowledge.db import pool_capacity
from knowledge.settings import Settings

log = logging.getLogger("api.access")

REQUESTS = Counter("coach_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("coach_http_request_duration_seconds", "Time to the end of the response", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
POOL_IN_USE = Gauge("coach_db_pool_in_use", "Database connections checked out of the pool")
POOL_OVERFLOW = Gauge("coach_db_pool_overflow", "Connections open beyond the pool size")
POOL_CAPACITY = Gauge("coach_db_pool_capacity", "Connections the pool may hold at once (size + overflow)")
EVAL_GATE_REFUSALS = Counter("coach_eval_gate_refusals", "Prompt activations the eval gate refused", ["task"])

request_id: ContextVar[str] = ContextVar("coach_request_id", default="-")


def _route(scope: Scope) -> str:
    """The route template the router matched, or a fixed label (never the raw path)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    raw = str(scope.get("path", ""))
    return "/mcp" if raw.startswith("/mcp") else "unmatched"


class Observe:
    """ASGI middleware: request id, metrics and one access-log line per request.

    The request's span is FastAPI's own (it traces requests, dependencies and endpoints when a
    tracer provider is installed); the coach's spans nest under its endpoint span.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Give the request an id, count and time it, and write its access-log line."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        rid = given if given and len(given) <= 64 and given.isprintable() and " " not in given else secrets.token_hex(8)
        token = request_id.set(rid)
        method = str(scope.get("method", "GET"))
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            LATENCY.labels(method=method, route=route).observe(elapsed)
            if route not in ("/healthz", "/metrics"):
                log.info("%s %s %s %.1fms", method, route, status, elapsed * 1000,
                         extra={"method": method, "route": route, "status": status,
                                "duration_ms": round(elapsed * 1000, 1)})
            request_id.reset(token)


# --- /metrics ---------------------------------------------------------------------------------

router = APIRouter(tags=["health"])


def watch_pool(engine: Engine) -> None:
    """Read the pool's numbers at every scrape, through its public API only.

    Read the pool's numbers at every scrape, through the pool's public API only (SQLite's
    in-memory pools report what they have). Saturation is in_use / capacity.
    """
    pool: Any = engine.pool
    capacity = pool_capacity(engine)
    POOL_IN_USE.set_function(lambda: float(pool.checkedout()) if hasattr(pool, "checkedout") else 0.0)
    POOL_OVERFLOW.set_function(lambda: float(max(pool.overflow(), 0)) if hasattr(pool, "overflow") else 0.0)
    POOL_CAPACITY.set_function(lambda: float(capacity or 0))


def _allowed(request: Request, settings: Settings) -> bool:
    if settings.metrics_token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(given.strip(),
                                                                 settings.metrics_token.get_secret_value()):
            return True
    host = request.client.host if request.client else None
    if host is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net.strip(), strict=False)
               for net in settings.metrics_networks.split(",") if net.strip())


@router.get("/metrics", summary="Prometheus metrics (operators' network or the metrics token)",
            response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    """Every coach metric in the Prometheus text format. 404 for anyone not allowed to see it."""
    if not _allowed(request, request.app.state.settings):
        return Response(status_code=404)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


# --- traces -----------------------------------------------------------------------------------

def tracing_requested(environ: Mapping[str, str]) -> bool:
    """Whether the standard OTEL_* variables switch tracing on."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return bool(environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_tracing(environ: Mapping[str, str]) -> bool:
    """Install a tracer provider with the exporter the OTEL_* variables name; False when off."""
    if not tracing_requested(environ):
        return False
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME", "ai-coach")}).merge(
        OTELResourceDetector().detect())
    provider = TracerProvider(resource=resource)
    exporter: SpanExporter
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_* itself
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True


# --- logs -------------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and the record's extras."""

    EXTRAS = ("method", "route", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        """The log record as one JSON line."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update({k: getattr(record, k) for k in self.EXTRAS if hasattr(record, k)})
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """Root logging for ``coach serve``: text or JSON lines on stderr, at INFO."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "httpcore", "chromadb", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
