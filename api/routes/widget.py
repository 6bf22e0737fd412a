"""The embeddable widget and the demo page of a fictional clinic."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from api.openapi import text_body

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
CACHE = {"Cache-Control": "public, max-age=300"}

router = APIRouter(tags=["widget"])


def _serve(path: str, name: str, media_type: str, summary: str) -> None:
    """GET ``path`` answers the static file ``name``, documented as the type it is sent as."""

    async def serve() -> FileResponse:
        return FileResponse(STATIC_DIR / name, media_type=f"{media_type}; charset=utf-8", headers=CACHE)

    router.add_api_route(path, serve, methods=["GET"], summary=summary, name=name,
                         response_class=Response, responses=text_body(media_type, summary))


_serve("/", "index.html", "text/html", "Demo page with the widget on it")
_serve("/widget.js", "widget.js", "text/javascript", "The embeddable chat widget")
_serve("/widget.css", "widget.css", "text/css", "The widget's styles")
_serve("/demo.css", "demo.css", "text/css", "The demo page's styles")
