"""The chat page at `/`, its assets under `/web/`, and the stock names the move chart labels its bars with.

The page is static HTML/CSS/JS (no CDN: the product runs on closed networks) under a strict Content Security
Policy: scripts and styles only from this origin, no inline code, network only to this origin. The one dynamic
part is the data line (origin, as-of, trade date) filled into `data-*` attributes, escaped, so it shows before
the first question. `frame-ancestors *` lets any portal embed the page (an iframe, or `web/embed.js`).
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse

from assistant.api.auth import Client, authenticated
from assistant.api.errors import ApiError
from assistant.api.routes import pool_of

STATIC = Path(__file__).with_name("static")
ASSETS = {
    "app.js": "text/javascript",
    "chart.js": "text/javascript",
    "i18n.js": "text/javascript",
    "markdown.js": "text/javascript",
    "stream.js": "text/javascript",
    "embed.js": "text/javascript",
    "app.css": "text/css",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors *"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@cache
def _template() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


@router.get("/")
def page(request: Request) -> HTMLResponse:
    engine = pool_of(request).default
    info = engine.md.info
    values = {
        "origin": info.origin,
        "as_of": info.as_of.isoformat(),
        "trade_date": info.trade_date.isoformat(),
        "etfs": ",".join(sorted(engine.md.universe())),
    }
    text = _template()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", html.escape(value, quote=True))
    return HTMLResponse(text, headers=HEADERS)


@router.get("/web/names")
def names(
    request: Request,
    client: Annotated[Client, Depends(authenticated)],
    codes: Annotated[
        str,
        Query(pattern=r"^\d{6}(,\d{6}){0,49}$", description="Comma-separated six-digit codes, at most 50."),
    ],
) -> dict[str, dict[str, str | None]]:
    """Chinese and English names of stocks, ETFs and indexes the data knows (unknown codes are left out)."""
    lexicon = pool_of(request).default.lexicon
    out: dict[str, dict[str, str | None]] = {}
    for code in dict.fromkeys(codes.split(",")):
        known = lexicon.lookup(code)
        if known is not None:
            out[code] = {"name": known.name, "name_en": known.name_en}
    return out


@router.get("/web/{name}")
def asset(name: str) -> FileResponse:
    media = ASSETS.get(name)
    if media is None:  # a fixed list: no path from the client ever reaches the file system
        raise ApiError(404, "not_found", f"No web asset named {name!r}.")
    return FileResponse(STATIC / name, media_type=f"{media}; charset=utf-8", headers=HEADERS)
