"""The web app: ``/`` serves its page, ``/web/...`` its scripts, styles and message catalogues.

Plain files shipped inside the package (``api/web``), no build step. The app talks only to
this server's public API; the Content-Security-Policy below lets the browser load nothing
from anywhere else (no CDN, no inline script), and ``frame-ancestors 'none'`` keeps the page
out of other sites' frames.

The page's languages are data: ``/web/i18n/languages.json`` lists the languages that have both
a catalogue folder on the server (:func:`knowledge.i18n.available_languages`) and a web
catalogue ``api/web/i18n/<code>.json``, each with its own name (the ``endonym`` of its
``_language.yaml``) and its locale for the browser's date formats. A language lacking either
is not offered. Like the other files, the list is sent with ``no-cache`` and an ETag, so a
browser revalidates it and gets a 304 while it is unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.preconditions import etag_of, parse_tags
from knowledge.i18n.languages import DEFAULT_LANGUAGE, LanguageInfo, available_languages, language_info

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
WEB_CATALOGUES = WEB_DIR / "i18n"
"""The web app's message catalogues, one ``<code>.json`` per language."""

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


def web_languages(catalogues: Path | None = None, root: Path | None = None) -> list[LanguageInfo]:
    """The languages the web app offers, sorted by code.

    Those with a catalogue folder under ``root`` (default: the catalogue root in use) and a
    web catalogue ``<code>.json`` in ``catalogues`` (default :data:`WEB_CATALOGUES`).
    """
    folder = catalogues or WEB_CATALOGUES
    return [language_info(code, root) for code in available_languages(root) if (folder / f"{code}.json").is_file()]


def languages_document(infos: list[LanguageInfo]) -> dict[str, object]:
    """The body of ``/web/i18n/languages.json``.

    The default language and, per language, its code, its own name and its BCP 47 locale.
    """
    return {
        "default": DEFAULT_LANGUAGE,
        "languages": [{"code": i.code, "name": i.endonym, "locale": i.bcp47} for i in infos],
    }


@router.get("/web/i18n/languages.json")
def languages(request: Request) -> Response:
    """The languages the web app offers (a plain def: it lists folders, FastAPI runs it in a thread)."""
    document = languages_document(web_languages())
    etag = etag_of(document)  # the same strong tag as the API's JSON reads
    headers = {**SECURITY_HEADERS, "cache-control": "no-cache", "etag": etag}
    tags = [tag.removeprefix("W/") for tag in parse_tags(request.headers.get("if-none-match", ""))]
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers=headers)
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(body, media_type="application/json", headers=headers)


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
    """Serve the web app from ``app`` (``/`` and ``/web``; the language list's route comes first)."""
    app.include_router(router)
    app.mount("/web", _WebFiles(StaticFiles(directory=WEB_DIR)), name="web")
