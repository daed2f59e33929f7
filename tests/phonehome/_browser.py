"""Open a local HTML file in headless Chromium and report what it did.

The HTML report phonehome writes must be inert when opened: no script of the page's data runs,
nothing is fetched, and what should be seen is seen. `open_html` loads a file:// URL in the
system Chromium (driven by Playwright, never a downloaded browser), blocks and records every
request other than the page's own, records console output, page errors, dialogs, popups and
Content-Security-Policy violations, reads the page's text and the globals the caller names, checks
which selectors are visible, and can save a full-page screenshot.

Tests call `require_chromium()` first: without a browser it skips on a developer's machine and
fails under CI (where `.ci/run` installs Chromium, so a missing browser is a broken setup).
"""

from __future__ import annotations

import os
import shutil
import struct
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Dialog, Page, Request, Route, WebSocketRoute

ENV_CHROMIUM = "PHONEHOME_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Flags for Debian's Chromium on a closed network: without the background-networking ones it
# tries to reach Google at every start. The resolver rule makes any host name fail to resolve,
# so even a request that slipped past the route below could not leave the machine by name.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

# Runs in every frame before the page's own scripts. It keeps CSP violation reports in a closure
# and exposes a read-only copy under a property the page cannot redefine or overwrite.
_CSP_RECORDER = """
(() => {
  const seen = [];
  window.addEventListener('securitypolicyviolation', (e) => {
    seen.push({
      violatedDirective: String(e.violatedDirective || ''),
      effectiveDirective: String(e.effectiveDirective || ''),
      blockedURI: String(e.blockedURI || ''),
      sourceFile: String(e.sourceFile || ''),
      lineNumber: Number(e.lineNumber || 0),
      disposition: String(e.disposition || ''),
      sample: String(e.sample || ''),
    });
  }, true);
  Object.defineProperty(window, '__phonehomeCspViolations', {
    get: () => seen.map((v) => Object.assign({}, v)),
    configurable: false,
    enumerable: false,
  });
})();
"""

# Built as source rather than eval'd in the page: a page CSP without 'unsafe-eval' would make
# eval throw (reading every global as unset) and report a violation of the harness's own.
_READ_GLOBAL = "() => {{ try {{ const v = ({expr}); return v === undefined ? null : v; }} catch (e) {{ return null; }} }}"

Action = Callable[["Page"], object]


@dataclass
class PageReport:
    """What one load of a page did. Every list is in the order things happened."""

    url: str
    # Every request the page (or its frames and popups) attempted, other than its own document,
    # including those the browser refused itself (CSP: also in blocked_by_csp).
    requests: list[str] = field(default_factory=list)
    # Those that got past the browser's own checks to the harness's route, which aborted them:
    # without the harness, these would have gone out.
    routed: list[str] = field(default_factory=list)
    blocked_by_csp: list[str] = field(default_factory=list)
    # "method resource_type url" for each of those requests, for messages.
    request_details: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)  # "type: text"
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions
    dialogs: list[str] = field(default_factory=list)  # "type: message", each dismissed
    popups: list[str] = field(default_factory=list)  # URLs of windows the page opened (closed)
    text: str = ""  # document.body.innerText after load and actions
    title: str = ""
    globals: dict[str, Any] = field(default_factory=dict)  # expression -> value (None if unset)
    visible: dict[str, bool] = field(default_factory=dict)  # selector -> visible with a non-zero box
    boxes: dict[str, dict[str, float] | None] = field(default_factory=dict)  # selector -> bounding box
    csp_violations: list[dict[str, Any]] = field(default_factory=list)
    screenshot: Path | None = None

    def summary(self) -> str:
        """A readable account for assertion messages."""
        parts = [f"url={self.url}"]
        for name in (
            "request_details",
            "routed",
            "blocked_by_csp",
            "console",
            "page_errors",
            "dialogs",
            "popups",
            "csp_violations",
        ):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={value!r}")
        set_globals = {k: v for k, v in self.globals.items() if v is not None}
        if set_globals:
            parts.append(f"globals={set_globals!r}")
        return "; ".join(parts)


def chromium_path() -> str | None:
    """The Chromium to drive: $PHONEHOME_CHROMIUM if set, else /usr/bin/chromium, else PATH."""
    explicit = os.environ.get(ENV_CHROMIUM)
    if explicit:
        return explicit if _is_executable(explicit) else None
    if _is_executable(DEFAULT_CHROMIUM):
        return DEFAULT_CHROMIUM
    return shutil.which("chromium")


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_chromium() -> str:
    """Return Chromium's path; skip the test without it, or fail it under CI."""
    problem = None
    path = chromium_path()
    if path is None:
        where = os.environ.get(ENV_CHROMIUM) or f"{DEFAULT_CHROMIUM} or PATH"
        problem = f"no Chromium at {where} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (pip install -e '.[test]')"
    if problem is None:
        assert path is not None
        return path
    if _in_ci():
        pytest.fail(f"browser tests need Chromium under CI: {problem}")
    pytest.skip(problem)


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _any_url(url: str) -> bool:
    return True


class _Active(threading.local):
    """The Chromium open in this thread (Playwright's sync API is bound to one thread)."""

    def __init__(self) -> None:
        self.stack: list[Chromium] = []


_ACTIVE = _Active()


class Chromium:
    """One headless Chromium for several pages, each opened in a fresh, isolated context.

    Launching costs about a second, a context a few milliseconds, so a test module opens one:
    `with Chromium() as browser: browser.open_html(path, ...)`. Playwright gives the browser a
    new empty temporary --user-data-dir and deletes it on close; every page's context is like
    an incognito window (no cache, cookies or storage shared between pages).
    """

    def __init__(self, *, timeout_ms: int = 15_000) -> None:
        self.timeout_ms = timeout_ms
        self._playwright: Any = None
        self._manager: Any = None
        self._browser: Any = None

    def __enter__(self) -> Chromium:
        from playwright.sync_api import sync_playwright

        if _ACTIVE.stack:
            # Playwright's sync API cannot run twice at once in a thread.
            raise RuntimeError("a Chromium is already open: pass it as browser= or let open_html find it")
        executable = chromium_path()
        if executable is None:
            raise RuntimeError(f"no Chromium found (set {ENV_CHROMIUM} or apt-get install chromium)")
        self._manager = sync_playwright()
        self._playwright = self._manager.__enter__()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=list(CHROMIUM_ARGS),
                timeout=self.timeout_ms,
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
        except BaseException:
            self._manager.__exit__(None, None, None)
            self._manager = self._playwright = None
            raise
        _ACTIVE.stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self in _ACTIVE.stack:
            _ACTIVE.stack.remove(self)
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._browser = None
            if self._manager is not None:
                self._manager.__exit__(None, None, None)
            self._manager = self._playwright = None

    @property
    def version(self) -> str:
        return str(self._browser.version) if self._browser is not None else ""

    def open_html(
        self,
        path: Path,
        *,
        screenshot: Path | None = None,
        width: int = 412,
        height: int = 915,
        wait_ms: int = 200,
        globals: Sequence[str] = (),
        selectors: Sequence[str] = (),
        actions: Sequence[Action] = (),
        full_page: bool = True,
        screenshot_of: str | None = None,
        vision_deficiency: str | None = None,
        media: str | None = None,
    ) -> PageReport:
        """See the module-level `open_html`."""
        from playwright.sync_api import Error as PlaywrightError

        if self._browser is None:
            raise RuntimeError("use Chromium() as a context manager")
        path = Path(path).resolve()
        if not path.is_file():
            raise FileNotFoundError(path)
        own_url = path.as_uri()
        report = PageReport(url=own_url)

        def is_own_document(request: Request) -> bool:
            if _strip_fragment(request.url) != own_url or not request.is_navigation_request():
                return False
            try:
                return request.frame.parent_frame is None
            except PlaywrightError:
                return False

        def on_route(route: Route) -> None:
            request = route.request
            if is_own_document(request):
                route.continue_()
                return
            report.routed.append(request.url)
            route.abort()

        def on_request(request: Request) -> None:
            if is_own_document(request):
                return
            report.requests.append(request.url)
            report.request_details.append(f"{request.method} {request.resource_type} {request.url}")

        def on_request_failed(request: Request) -> None:
            if request.failure == "csp":
                report.blocked_by_csp.append(request.url)

        def on_websocket(ws: WebSocketRoute) -> None:
            # Never connected to a server: recorded and closed.
            report.requests.append(ws.url)
            report.routed.append(ws.url)
            report.request_details.append(f"GET websocket {ws.url}")
            ws.close()

        def on_dialog(dialog: Dialog) -> None:
            report.dialogs.append(f"{dialog.type}: {dialog.message}")
            try:
                dialog.dismiss()
            except PlaywrightError:
                pass

        def on_popup(popup: Page) -> None:
            report.popups.append(popup.url)
            try:
                popup.close()
            except PlaywrightError:
                pass

        context = self._browser.new_context(
            viewport={"width": width, "height": height},
            service_workers="block",
            accept_downloads=False,
            bypass_csp=False,
        )
        try:
            context.set_default_timeout(self.timeout_ms)
            context.set_default_navigation_timeout(self.timeout_ms)
            context.add_init_script(_CSP_RECORDER)
            context.route(_any_url, on_route)
            route_web_socket = getattr(context, "route_web_socket", None)  # Playwright >= 1.48
            if route_web_socket is not None:
                route_web_socket(_any_url, on_websocket)
            context.on("request", on_request)
            context.on("requestfailed", on_request_failed)
            page = context.new_page()
            page.on("console", lambda msg: report.console.append(f"{msg.type}: {msg.text}"))
            page.on("pageerror", lambda err: report.page_errors.append(str(err)))
            page.on("dialog", on_dialog)
            page.on("popup", on_popup)
            if vision_deficiency is not None:
                # Chromium's own simulation (DevTools): it applies to what is drawn and to screenshots.
                cdp = context.new_cdp_session(page)
                cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": vision_deficiency})
            if media is not None:
                page.emulate_media(media=media)  # type: ignore[arg-type]

            page.goto(own_url, wait_until="load")
            page.wait_for_timeout(wait_ms)
            for action in actions:
                action(page)
                page.wait_for_timeout(wait_ms)

            for expr in globals:
                report.globals[expr] = page.evaluate(_READ_GLOBAL.format(expr=expr))
            for selector in selectors:
                locator = page.locator(selector).first
                box = locator.bounding_box() if locator.count() else None
                report.boxes[selector] = dict(box) if box else None
                report.visible[selector] = bool(
                    box and box["width"] > 0 and box["height"] > 0 and locator.is_visible()
                )
            report.text = page.evaluate("() => document.body ? document.body.innerText : ''")
            report.title = page.title()
            for frame in page.frames:
                try:
                    report.csp_violations.extend(
                        frame.evaluate("() => window.__phonehomeCspViolations || []")
                    )
                except PlaywrightError:
                    pass  # a frame that was aborted or detached has nothing to read
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                if screenshot_of is not None:
                    page.locator(screenshot_of).first.screenshot(path=str(screenshot), animations="disabled")
                else:
                    page.screenshot(path=str(screenshot), full_page=full_page, animations="disabled")
                report.screenshot = screenshot
        finally:
            context.close()
        return report


def open_html(
    path: Path,
    *,
    screenshot: Path | None = None,
    width: int = 412,
    height: int = 915,
    wait_ms: int = 200,
    globals: Sequence[str] = (),
    selectors: Sequence[str] = (),
    actions: Sequence[Action] = (),
    browser: Chromium | None = None,
    timeout_ms: int = 15_000,
    full_page: bool = True,
    screenshot_of: str | None = None,
    vision_deficiency: str | None = None,
    media: str | None = None,
) -> PageReport:
    """Load `path` as a file:// URL in headless Chromium and report what happened.

    Every request other than the page's own document is recorded, then aborted; nothing leaves
    the browser. `globals` are JS expressions read in the page after loading (e.g.
    "window.__pwned"); their values must be JSON-serialisable, and an unset or failing one reads
    as None. `selectors` are CSS selectors checked for visibility (the first match: visible to
    Playwright and a non-zero bounding box). `actions` run in order after the page settles (click
    a header, evaluate a snippet), each followed by another `wait_ms`; the results, the text and
    the screenshot (full page, PNG) are taken after them.

    The page's own Content-Security-Policy is enforced (Playwright's bypass is off); the harness's
    init script and evaluations come through DevTools and are not subject to it.

    With `browser`, or inside a `with Chromium()` block in this thread, the page opens in that
    running browser; otherwise one is launched and closed for this page alone.

    The screenshot is of the whole page, of the viewport alone (`full_page=False`), or of the
    first element matching `screenshot_of`. `vision_deficiency` ("deuteranopia", "protanopia",
    "tritanopia", "achromatopsia", "blurredVision") has Chromium draw the page as a person with
    that vision sees it (DevTools' Emulation.setEmulatedVisionDeficiency); `media="print"` lays
    the page out as it prints.
    """
    kwargs: dict[str, Any] = dict(
        screenshot=screenshot,
        width=width,
        height=height,
        wait_ms=wait_ms,
        globals=globals,
        selectors=selectors,
        actions=actions,
        full_page=full_page,
        screenshot_of=screenshot_of,
        vision_deficiency=vision_deficiency,
        media=media,
    )
    if browser is None and _ACTIVE.stack:
        browser = _ACTIVE.stack[-1]
    if browser is not None:
        return browser.open_html(path, **kwargs)
    with Chromium(timeout_ms=timeout_ms) as own:
        return own.open_html(path, **kwargs)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the rows of RGBA pixels (4 bytes each) of a PNG as Chromium writes it
    (8 bits per channel, RGB or RGBA, not interlaced): enough to measure colours in a screenshot
    without an imaging library."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(
                    f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}"
                )
            channels = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_of, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind_of == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind_of == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind_of == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind_of == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        prev = line
        if channels == 4:
            rows.append(bytes(line))
        else:
            rows.append(b"".join(bytes(line[i : i + 3]) + b"\xff" for i in range(0, stride, 3)))
    return width, height, rows
