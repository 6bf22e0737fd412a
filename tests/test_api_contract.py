"""docs/api.md (the public contract, copied from shared/API.md) and /openapi.json agree:
every route the contract names is documented with its methods, and the fields and
statuses it promises are in the document. The fuzz test (test_openapi_fuzz.py) then
holds the service to the document."""
from __future__ import annotations

import re
from typing import Any, Dict, Iterator, Set, Tuple

import pytest
from fastapi.testclient import TestClient

from tests.paths import PROJECT_DIR

API_MD = PROJECT_DIR / "docs" / "api.md"
# "`POST /v1/chat`", "`GET /healthz`", and the table's "`GET`/`POST /webhooks/facebook/webhook`".
ROUTE = re.compile(r"`((?:GET|POST)(?:`/`(?:GET|POST))*) (/[^`\s]*)`")
# What docs/api.md names today; if it names more, this test must learn to check it.
NAMED = {
    ("get", "/healthz"), ("get", "/readyz"), ("post", "/v1/chat"), ("post", "/webhooks/rest/webhook"),
    ("get", "/widget.js"), ("get", "/"), ("post", "/webhooks/twilio/webhook"),
    ("post", "/webhooks/telegram/webhook"), ("get", "/webhooks/facebook/webhook"),
    ("post", "/webhooks/facebook/webhook"),
}
MESSAGING = ("/webhooks/twilio/webhook", "/webhooks/telegram/webhook", "/webhooks/facebook/webhook")


@pytest.fixture(scope="module")
def document(settings) -> Dict[str, Any]:
    from api.main import create_app

    # No lifespan: the document needs no model.
    return TestClient(create_app(settings)).get("/openapi.json").json()


def named_routes(text: str) -> Iterator[Tuple[str, str]]:
    for methods, path in ROUTE.findall(text):
        for method in methods.split("`/`"):
            yield method.lower(), path


def resolve(document: Dict[str, Any], schema: Dict[str, Any]) -> Dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def body_schema(document: Dict[str, Any], path: str, method: str, status: str,
                media_type: str = "application/json") -> Dict[str, Any]:
    response = document["paths"][path][method]["responses"][status]
    return resolve(document, response["content"][media_type]["schema"])


def request_schema(document: Dict[str, Any], path: str) -> Dict[str, Any]:
    body = document["paths"][path]["post"]["requestBody"]
    return resolve(document, body["content"]["application/json"]["schema"])


def nullable(schema: Dict[str, Any]) -> bool:
    return {"type": "null"} in schema.get("anyOf", [])


def types(document: Dict[str, Any], schema: Dict[str, Any]) -> Set[str]:
    options = schema.get("anyOf", [schema])
    return {resolve(document, option).get("type", "object") for option in options}


def test_every_route_api_md_names_is_documented_with_its_methods(document) -> None:
    named = set(named_routes(API_MD.read_text()))
    assert named == NAMED
    documented = {(method, path) for path, methods in document["paths"].items() for method in methods}
    assert named <= documented, named - documented
    # Rasa's REST channel answers its health check as Rasa does.
    assert ("get", "/webhooks/rest/") in documented


def test_chat_request_fields(document) -> None:
    schema = request_schema(document, "/v1/chat")
    assert schema["required"] == ["message"]
    sender_id = schema["properties"]["sender_id"]
    assert sender_id["anyOf"][0]["pattern"] == "^[A-Za-z0-9_-]{1,64}$" and nullable(sender_id)
    message = schema["properties"]["message"]
    assert (message["type"], message["minLength"], message["maxLength"]) == ("string", 1, 1000)


def test_chat_response_fields(document) -> None:
    schema = body_schema(document, "/v1/chat", "post", "200")
    properties = schema["properties"]
    assert {"sender_id", "topic", "crisis", "messages"} <= set(properties)
    assert types(document, properties["topic"]) == {"string", "null"}  # null where no topic applies
    assert properties["crisis"]["type"] == "boolean"
    message = resolve(document, properties["messages"]["items"])
    assert {"text", "topic", "buttons", "sources"} <= set(message["properties"])
    assert nullable(message["properties"]["topic"])
    button = resolve(document, message["properties"]["buttons"]["items"])
    assert set(button["required"]) == {"title", "payload"}


def assert_error_body(document: Dict[str, Any], path: str, method: str, status: str) -> None:
    schema = body_schema(document, path, method, status)
    assert schema["required"] == ["error"], (path, status)
    detail = resolve(document, schema["properties"]["error"])
    assert set(detail["required"]) == {"code", "message"}


@pytest.mark.parametrize("path", ["/v1/chat", "/webhooks/rest/webhook"])
def test_message_routes_document_every_error_status(document, path: str) -> None:
    responses = document["paths"][path]["post"]["responses"]
    for status in ("413", "415", "422", "429", "503"):
        assert_error_body(document, path, "post", status)
    assert responses["429"]["headers"]["Retry-After"]["required"] is True


def test_health_routes(document) -> None:
    assert body_schema(document, "/healthz", "get", "200")["required"] == ["status"]
    assert_error_body(document, "/readyz", "get", "503")
    assert body_schema(document, "/webhooks/rest/", "get", "200")["properties"]["status"]["enum"] == ["ok"]


def test_rest_channel_shapes(document) -> None:
    request = request_schema(document, "/webhooks/rest/webhook")
    assert set(request["required"]) == {"sender", "message"}
    assert types(document, request["properties"]["metadata"]) == {"object", "null"}
    answer = body_schema(document, "/webhooks/rest/webhook", "post", "200")
    item = resolve(document, answer["items"])
    assert answer["type"] == "array" and set(item["required"]) == {"recipient_id", "text"}
    assert not nullable(item["properties"]["buttons"])  # left out when there are none, never null
    button = resolve(document, item["properties"]["buttons"]["items"])
    assert set(button["properties"]) == {"title", "payload"}


@pytest.mark.parametrize("path", MESSAGING)
def test_messaging_webhooks_document_off_and_failed_verification(document, path: str) -> None:
    for method in document["paths"][path]:
        for status in ("403", "404"):  # off: 404; failed verification: 403
            assert_error_body(document, path, method, status)


def test_widget_and_demo_page_are_documented_as_what_they_are(document) -> None:
    assert set(document["paths"]["/"]["get"]["responses"]["200"]["content"]) == {"text/html"}
    assert set(document["paths"]["/widget.js"]["get"]["responses"]["200"]["content"]) == {"text/javascript"}


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_every_reference_resolves_in_every_app(settings, document) -> None:
    from api.main import create_app

    # A second app in the same process (tests make many) gets a whole document too.
    again = TestClient(create_app(settings)).get("/openapi.json").json()
    for doc in (document, again):
        names = set(doc["components"]["schemas"])
        assert {ref.rsplit("/", 1)[1] for ref in refs(doc)} <= names
