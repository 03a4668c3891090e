"""Open pages in a real headless Chromium (Debian's package) over the DevTools protocol, with Playwright.

Playwright drives the system's /usr/bin/chromium; it never downloads a browser. A page is checked the way a
reader would meet it: what the console reported, which requests were made or failed (a self-contained page makes
none), which elements stick out of the viewport, and a screenshot.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# GUIDE.md: how Chromium runs here (a fresh profile comes from Playwright itself).
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DESKTOP, PHONE, A4 = (1280, 900), (390, 844), (794, 1123)  # A4 at 96 dpi: what print lays out

# Every element whose box reaches past the viewport's sides, except those moved off-screen on purpose (a skip
# link waiting for focus sits entirely left of the page).
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > width)
    found.push(`the document is ${document.documentElement.scrollWidth}px wide`);
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || r.right <= 0) continue;
    if (r.right > width + 1 || r.left < -1) {
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '';
      found.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls} spans ${Math.round(r.left)}..${Math.round(r.right)}px`);
    }
  }
  return found;
}"""


def ensure_chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing (CI runs as root on a fresh machine)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(
            f"{CHROMIUM} is missing and only root can install it: run `apt-get install chromium`, then the tests."
        )
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=900", "-q"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*apt, "update"], check=True, env=env, capture_output=True, timeout=1800)
    subprocess.run([*apt, "install", "-y", "chromium"], check=True, env=env, capture_output=True, timeout=1800)
    return CHROMIUM


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the block; closed (its processes ended) when the block ends."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageCheck:
    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # anything fetched besides the page itself
    failed_requests: list[str] = field(default_factory=list)
    overflowing: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    globals_set: list[str] = field(default_factory=list)  # window properties a page's content should never set
    text: str = ""  # what a reader sees (document.body.innerText)
    screenshot: bytes = b""

    @property
    def problems(self) -> list[str]:
        return [*self.console_errors, *self.requests, *self.failed_requests, *self.overflowing, *self.dialogs,
                *self.globals_set]  # fmt: skip


def open_page(
    browser: Browser, path: Path, viewport: tuple[int, int] = DESKTOP, *, media: str = "screen", full_page: bool = True
) -> PageCheck:
    """Load a local page at a viewport size, for screen or print, and check it; the screenshot is PNG bytes."""
    url = path.resolve().as_uri()
    check = PageCheck(url)
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, offline=True)
    try:
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and check.console_errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: check.console_errors.append(f"uncaught: {e}"))
        page.on("request", lambda r: r.url != url and check.requests.append(f"requested {r.url}"))
        page.on("requestfailed", lambda r: check.failed_requests.append(f"failed {r.url}: {r.failure}"))
        page.on("dialog", lambda d: (check.dialogs.append(f"dialog: {d.message}"), d.dismiss()))
        page.emulate_media(media=media)
        page.goto(url, wait_until="load")
        check.overflowing = page.evaluate(_OVERFLOW)
        check.globals_set = page.evaluate("() => ['pwned'].filter(k => k in window).map(k => 'window.' + k)")
        check.text = page.inner_text("body")
        check.screenshot = page.screenshot(full_page=full_page)
    finally:
        context.close()
    return check
