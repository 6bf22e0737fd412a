"""The embeddable widget and the demo page of a fictional clinic."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
CACHE = {"Cache-Control": "public, max-age=300"}

router = APIRouter(tags=["widget"])


def _file(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=CACHE)


@router.get("/", include_in_schema=True, summary="Demo page with the widget on it")
async def demo_page() -> FileResponse:
    return _file("index.html", "text/html; charset=utf-8")


@router.get("/widget.js", summary="The embeddable chat widget")
async def widget_js() -> FileResponse:
    return _file("widget.js", "text/javascript; charset=utf-8")


@router.get("/widget.css", summary="The widget's styles")
async def widget_css() -> FileResponse:
    return _file("widget.css", "text/css; charset=utf-8")


@router.get("/demo.css", summary="The demo page's styles")
async def demo_css() -> FileResponse:
    return _file("demo.css", "text/css; charset=utf-8")
