"""What the browser tests share about a page: its labels and inputs as a person fills them,
axe's serious accessibility violations, and the XSS corpus (what is typed, and how a page is
seen to stay inert)."""

import re
from datetime import datetime
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "xss-payloads.txt"

# CSP would stop most payloads from running even if markup slipped through, so also look for
# injected markup itself: event-handler attributes, scripts, frames or javascript: links.
INJECTED = """[...document.querySelectorAll('*')].filter(e =>
  [...e.attributes].some(a => a.name.startsWith('on')
    || ['href', 'src', 'action', 'formaction'].includes(a.name)
       && /^\\s*javascript:/i.test(a.value))
  || ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(e.tagName) && e.closest('body')
).map(e => e.outerHTML.slice(0, 120))"""


def label(text: str) -> re.Pattern:
    """A form label as crispy renders it: required ones end with an asterisk."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def typed(moment: datetime) -> str:
    """What a ``datetime-local`` input takes."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def serious_violations(page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now (needs bypass_csp)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def payloads() -> list[str]:
    return [line for line in CORPUS.read_text().splitlines() if line.strip()]


def packed(corpus: list[str], size: int) -> list[str]:
    """The payloads packed, space-separated, into strings of at most ``size`` characters (a
    payload longer than that is cut), so short fields still carry the whole corpus."""
    chunks, current = [], ""
    for payload in corpus:
        payload = payload[:size]
        if current and len(current) + 1 + len(payload) > size:
            chunks.append(current)
            current = payload
        else:
            current = f"{current} {payload}" if current else payload
    return [*chunks, current] if current else chunks


def watch(page) -> list[str]:
    """Dialogs and alert() calls on ``page`` from now on, as a list that fills as they come."""
    fired: list[str] = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    page.add_init_script(
        "for (const name of ['alert', 'confirm', 'prompt', 'print']) {"
        "  window[name] = (m) => { window.__xss = window.__xss || []; "
        "window.__xss.push(name + ': ' + String(m)); };"
        "}"
    )
    return fired


def assert_inert(page, where: str, fired: list[str]) -> None:
    """Nothing ran on the page and nothing written became markup."""
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss || []") == [], where
    assert page.evaluate(INJECTED) == [], where
    assert fired == [], where


def visit_all(page, site_url, paths: dict[str, str], fired: list[str]) -> None:
    for name, path in paths.items():
        response = page.goto(site_url + path)
        assert response is not None and response.ok, f"{name}: {path} answered {response}"
        assert_inert(page, f"{name} ({path})", fired)
