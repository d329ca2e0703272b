"""The web app: ``/`` serves its page, ``/web/...`` its scripts, styles and message catalogues.

Plain files shipped inside the package (``api/web``), no build step. The app talks only to
this server's public API; the Content-Security-Policy below lets the browser load nothing
from anywhere else (no CDN, no inline script), and ``frame-ancestors 'none'`` keeps the page
out of other sites' frames.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    """The web app's page (never cached, so a release is picked up at once)."""
    # no-cache: a new release's page (and with it the scripts it names) is picked up at once.
    return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers={
        **SECURITY_HEADERS, "cache-control": "no-cache"})


class _WebFiles:
    """The static files, with the security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                headers.append((b"cache-control", b"no-cache"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def install_web(app: FastAPI) -> None:
    """Serve the web app from ``app`` (``/`` and ``/web``)."""
    app.include_router(router)
    app.mount("/web", _WebFiles(StaticFiles(directory=WEB_DIR)), name="web")
