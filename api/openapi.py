"""What /openapi.json says, made exact: a generated client or an API gateway is
built from it, so it must describe what the service really sends.

FastAPI's defaults get three things wrong here, each fixed in one place:

- error bodies: every error leaves as ``ErrorBody`` JSON (api/errors.py), whatever
  the route's own content type, so routes document their errors with
  ``error_responses`` and never with ``{"model": ErrorBody}`` (FastAPI would file
  that under the route's media type, e.g. text/plain);
- non-JSON answers: ``text_body`` documents a 200 of another media type (HTML, JS,
  CSS, TwiML) instead of FastAPI's default application/json;
- nullable fields: pydantic 1 writes ``Optional[str]`` as a plain string, though
  the service sends and accepts ``null`` there; ``install_openapi`` rewrites
  every such property as OpenAPI 3.1 spells it (``anyOf`` with ``{"type": "null"}``;
  3.1 has no ``nullable`` keyword).
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, Iterator, Set, Type

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.schemas import ErrorBody

REF_PREFIX = "#/components/schemas/"
ERROR_REF = {"$ref": REF_PREFIX + ErrorBody.__name__}

# What each status means wherever a route returns it (api/errors.py names the codes).
ERROR_DESCRIPTIONS: Dict[int, str] = {
    403: "The request failed the provider's verification (signature or token); nothing was processed.",
    404: "The channel is off: its settings are absent.",
    413: "The body is over the size limit.",
    415: "The body is not JSON (send 'Content-Type: application/json').",
    422: "Invalid input: the message says which field and why.",
    429: "Rate limited; Retry-After says when to try again.",
    503: "The model is still loading (or the message could not be handled now); try again.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until a retry can succeed.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}


def error_responses(*statuses: int) -> Dict[int | str, Dict[str, Any]]:
    """A route's ``responses=`` for the errors it really returns, always as JSON ``ErrorBody``."""
    responses: Dict[int | str, Dict[str, Any]] = {}
    for status in statuses:
        response: Dict[str, Any] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        if status == 429:
            response["headers"] = RETRY_AFTER
        responses[status] = response
    return responses


def text_body(media_type: str, description: str) -> Dict[int | str, Dict[str, Any]]:
    """A 200 whose body is text of ``media_type``; pair with ``response_class=Response``
    so FastAPI adds no application/json beside it."""
    return {200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}}


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the generator that applies the fixes above (cached, as FastAPI's)."""

    def openapi() -> Dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            _add_model(schemas, ErrorBody)
            for model in _models(_documented_routes(app)):
                if model.__name__ in schemas:
                    _mark_nullable(schemas[model.__name__], model)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_model(schemas: Dict[str, Any], model: Type[BaseModel]) -> None:
    # A copy: pydantic caches the dict it returns, and popping from that would lose the definitions.
    schema = copy.deepcopy(model.schema(ref_template=REF_PREFIX + "{model}"))
    schemas.update(schema.pop("definitions", {}))
    schemas[model.__name__] = schema


def _documented_routes(app: FastAPI) -> Iterator[APIRoute]:
    return (r for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema)


def _models(routes: Iterable[APIRoute]) -> Set[Type[BaseModel]]:
    """Every pydantic model a documented route reads or answers, nested ones included."""
    found: Set[Type[BaseModel]] = set()
    pending = []
    for route in routes:
        fields = [route.body_field, route.response_field, *route.response_fields.values()]
        pending += [f.type_ for f in fields if f is not None]
        # A body model FastAPI embeds (one body parameter) is the parameter's own type.
        pending += [f.type_ for f in route.dependant.body_params]
    while pending:
        kind = pending.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel) and kind not in found:
            found.add(kind)
            pending += [field.type_ for field in kind.__fields__.values()]
    return found


def _mark_nullable(schema: Dict[str, Any], model: Type[BaseModel]) -> None:
    properties = schema.get("properties", {})
    for field in model.__fields__.values():
        prop = properties.get(field.alias)
        if not field.allow_none or prop is None or "anyOf" in prop and {"type": "null"} in prop["anyOf"]:
            continue
        # Title, description and default describe the field, so they stay outside anyOf.
        outer = {key: prop.pop(key) for key in ("title", "description", "default") if key in prop}
        properties[field.alias] = {**outer, "anyOf": [prop, {"type": "null"}]}
