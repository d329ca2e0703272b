"""The served app, as ``coach serve`` runs it: settings from the environment, logs, traces, evals.

:func:`app_from_env` is the factory each server process calls (``coach serve --workers N``, or
``uvicorn --factory api.serve:app_from_env`` / gunicorn with uvicorn workers), so every worker
configures its own logging and tracing.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from api.app import create_app
from api.telemetry import configure_logging, configure_tracing
from knowledge.settings import Settings


def app_from_env() -> FastAPI:
    """The API over ``Settings()`` with the eval suite wired in (the CLI is the composition root)."""
    from evals.service import SuiteEvaluation

    settings = Settings()
    configure_logging(settings)
    configure_tracing(os.environ)
    return create_app(settings, evaluation=SuiteEvaluation(settings))
