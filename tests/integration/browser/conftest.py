"""The web app in a real browser: Debian's headless Chromium driven by Playwright, against a
real uvicorn server on 127.0.0.1 (a free port) over a seeded demo organisation.

* ``chromium``: the browser (``/usr/bin/chromium``; never a downloaded one). Without it, or
  without Playwright, the tests are skipped locally and fail in CI (``CI`` set), like the
  PostgreSQL tests.
* ``coach_server``: the app on the offline engine, shared by the session.
* ``llm_server``: the app with a real ``ChatOpenAI`` whose model endpoint is mocked with respx
  (streaming its answer in pieces, slowly), for the chat and the degraded banner.
* ``web``: a fresh browser context (its own sessionStorage) and page on ``coach_server``;
  ``web_on(server)`` for another server. Each test fails when the page logged a console
  error, threw, or asked any host but the server (those requests are aborted and listed),
  unless the test declared the HTTP error statuses it provokes with ``web.expect_status``.
* ``web.axe()``: runs the vendored axe-core (``assets/axe.min.js``, from its npm package) and
  returns the serious and critical violations.
* ``web.shot(name)``: a full-page screenshot into ``test-artifacts/screenshots`` (gitignored;
  ``COACH_TEST_ARTIFACTS`` moves it).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from knowledge.db import make_engine
from knowledge.demo import DEMO_ORG_ID, demo_person_id, seed_demo
from knowledge.keys import create_key
from knowledge.migrations import upgrade
from knowledge.settings import Settings
from tests.servers import serving

CHROMIUM = os.environ.get("COACH_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's hosts on a closed network.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ASSETS = Path(__file__).parent / "assets"
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("COACH_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
ROLES = {"manager": "femke", "employee": "daan", "hr": "marieke"}
WIDTHS = {"desktop": 1280, "phone": 390}
LLM = "http://llm.test/v1"

pytestmark = pytest.mark.browser


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason} (.ci/run installs Debian's chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Per module: Playwright's sync API runs an event loop of its own while it is open, which
    must be closed again before the suite's asyncio tests run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed")
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


# --- the server ---------------------------------------------------------------------------

@dataclass
class Server:
    url: str
    keys: dict[str, str]
    """Role (manager, employee, hr) or demo person key -> API key."""
    settings: Settings

    def api(self, method: str, path: str, role: str, **kw: Any) -> httpx.Response:
        """The same API the page uses, called directly (to check what the page shows)."""
        headers = {"Authorization": f"Bearer {self.keys[role]}"}
        return httpx.request(method, self.url + path, headers=headers, timeout=60, **kw)


def seed_data(data_dir: Path) -> tuple[Settings, dict[str, str]]:
    # Rate limits set here, not inherited from the environment: one test user clicks far below
    # them, and throttling has its own tests (tests/api/test_rate_limit.py).
    settings = Settings(data_dir=data_dir, openai_api_key=None, openai_base_url=None,
                        rate_limit_api="6000/minute", rate_limit_coach="600/minute", redis_url=None)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)  # the migrated schema, as `coach serve` requires
    keys: dict[str, str] = {}
    now = datetime.now(UTC)  # the server reads the real clock: seed relative to it
    with Session(engine) as session:
        seed_demo(session, now=now)
        for role, person in ROLES.items():
            keys[role] = keys[person] = create_key(session, org_id=DEMO_ORG_ID, person_id=demo_person_id(person),
                                                   now=now)[1]
        session.commit()
    engine.dispose()
    return settings, keys


@contextmanager
def run_server(app: Any) -> Iterator[str]:
    """The app on a free loopback port (a slow machine may need two minutes to start it)."""
    with serving(app, start_s=120, stop_s=15) as url:
        yield url


@pytest.fixture(scope="session")
def coach_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on the offline engine (no model configured), as ``coach serve`` runs it."""
    from api.app import create_app
    from evals.service import SuiteEvaluation

    settings, keys = seed_data(tmp_path_factory.mktemp("web") / "data")
    with run_server(create_app(settings, evaluation=SuiteEvaluation(settings))) as url:
        yield Server(url, keys, settings)


# --- a model that streams ------------------------------------------------------------------

WORDS = ["Let's ", "make ", "that ", "goal ", "SMART: ", "what ", "will ", "you ", "measure, ", "and ", "by ", "when?"]
REPLY = "".join(WORDS)
DELAY_S = 0.15


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"role": "assistant", "content": content} if content is not None else {}
    payload = {"id": "chatcmpl-web", "object": "chat.completion.chunk", "created": 0, "model": "web-test",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(payload)}\n\n".encode()


@dataclass
class Model:
    """The mocked model endpoint: streams chat answers word by word; task calls fail (HTTP 500),
    so task answers are the offline draft, marked degraded."""

    requests: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if not body.get("stream"):
            return httpx.Response(500, json={"error": {"message": "model overloaded", "type": "server_error"}})
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=self._stream())

    async def _stream(self) -> AsyncIterator[bytes]:
        import asyncio

        for word in WORDS:
            yield _chunk(word)
            await asyncio.sleep(DELAY_S)
        yield _chunk(None, "stop")
        yield b"data: [DONE]\n\n"


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Model]]:
    """The app with a model configured (a real ChatOpenAI) whose endpoint respx mocks."""
    import respx
    from pydantic import SecretStr

    from api.app import create_app

    settings, keys = seed_data(tmp_path_factory.mktemp("web-llm") / "data")
    settings = settings.model_copy(update={"openai_base_url": LLM, "openai_api_key": SecretStr("sk-test"),
                                           "model_max_retries": 0})
    model = Model()
    with respx.mock(assert_all_called=False) as mock:
        mock.post(f"{LLM}/chat/completions").mock(side_effect=model)
        mock.route(host="127.0.0.1").pass_through()
        with run_server(create_app(settings)) as url:
            yield Server(url, keys, settings), model


# --- the page -----------------------------------------------------------------------------

_LOAD_FAILED = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


@dataclass
class Web:
    """One browser context and page on one server, with what the page did recorded."""

    server: Server
    context: Any
    page: Any
    console_errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """Error responses the page got, as "status method url"."""
    expected: set[int] = field(default_factory=set)

    def expect_status(self, *statuses: int) -> None:
        """This test provokes these HTTP error statuses (the browser logs each as a console error)."""
        self.expected.update(statuses)

    def open(self, route: str = "") -> None:
        self.page.goto(f"{self.server.url}/{route}")
        self.page.wait_for_selector("body[data-ready=true]")

    def sign_in(self, role: str) -> None:
        self.open()
        self.page.get_by_label(re.compile("API key|API-sleutel")).fill(self.server.keys[role])
        self.page.locator("form.signin button[type=submit]").click()
        self.page.wait_for_selector("[data-page]")

    def go(self, page_name: str) -> None:
        self.page.evaluate("name => { location.hash = '#/' + name }", page_name)
        self.page.wait_for_selector(f"[data-page={page_name}]")
        self.settle()

    def settle(self) -> None:
        """Wait until no region of the page is loading."""
        self.page.wait_for_function("() => !document.querySelector('[aria-busy=true]')", timeout=120_000)

    def axe(self) -> list[dict[str, Any]]:
        """The serious and critical axe-core violations of the page as it is now."""
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            # evaluated over the DevTools protocol, so the page's CSP (no inline script) allows it
            self.page.evaluate((ASSETS / "axe.min.js").read_text(encoding="utf-8") + "\n;0")
        violations: list[dict[str, Any]] = self.page.evaluate("""async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")) }));
        }""")
        return [v for v in violations if v["impact"] in ("serious", "critical")]

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def problems(self) -> list[str]:
        """What the page did that a test must not let pass."""
        out = [f"request to another host: {url}" for url in self.foreign]
        for text in self.console_errors:
            match = _LOAD_FAILED.search(text)
            if match and int(match.group(1)) in self.expected and int(match.group(1)) in self.statuses:
                continue
            out.append(f"console error: {text}")
        if len(out) > len(self.foreign):
            out += [f"error response: {f}" for f in self.failed]
        return out


def open_web(chromium: Any, server: Server, width: int = WIDTHS["desktop"]) -> Web:
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    web = Web(server=server, context=context, page=page)
    base = server.url + "/"

    def route(route: Any) -> None:
        url = route.request.url
        if url == server.url or url.startswith(base):
            route.continue_()
        else:
            web.foreign.append(url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: web.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: web.console_errors.append(f"uncaught: {e}"))
    def response(r: Any) -> None:
        if r.status >= 400:
            web.statuses.append(r.status)
            web.failed.append(f"{r.status} {r.request.method} {r.url}")

    page.on("response", response)
    page.set_default_timeout(60_000)
    return web


@pytest.fixture
def web_on(chromium: Any) -> Iterator[Callable[..., Web]]:
    opened: list[Web] = []

    def make(server: Server, width: int = WIDTHS["desktop"]) -> Web:
        web = open_web(chromium, server, width)
        opened.append(web)
        return web

    yield make
    problems = [p for w in opened for p in w.problems()]
    for w in opened:
        w.context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def web(web_on: Callable[..., Web], coach_server: Server) -> Web:
    return web_on(coach_server)
