"""Every invalid request gets the API's error shape and a 4xx; none reaches a 500."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

ROUTES = ["/v1/chat", "/webhooks/rest/webhook"]


def assert_error(response, status: int, code: str, mentions: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert mentions in body["error"]["message"]
    assert "Traceback" not in response.text


def valid(route: str, message: str = "hello", sender: str = "bad-input") -> dict:
    return {"sender_id": sender, "message": message} if route == "/v1/chat" else {"sender": sender, "message": message}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "message, mentions",
    [("", "empty"), ("   \n\t ", "blank"), ("\x00\x01\x02", "blank"), ("\u202e\u200b", "blank"),
     ("a" * 1001, "at most 1000")],
)
def test_bad_messages(client, route, message, mentions) -> None:
    assert_error(client.post(route, json=valid(route, message)), 422, "invalid_input", mentions)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("sender", ["", "has space", "x" * 65, "semi;colon", "ünïcode"])
def test_bad_sender_ids(client, route, sender) -> None:
    assert_error(client.post(route, json=valid(route, sender=sender)), 422, "invalid_input", "A-Z")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "body", [{"message": 5}, {"message": None}, {"message": ["hi"]}, {"message": {"text": "hi"}}]
)
def test_wrong_types(client, route, body) -> None:
    if route != "/v1/chat":
        body = {"sender": "typed", **body}
    assert_error(client.post(route, json=body), 422, "invalid_input", "message")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("raw", [b"{not json", b"", b'"a string"', b"[1, 2]", b"null", b"42"])
def test_not_json_or_not_an_object(client, route, raw) -> None:
    response = client.post(route, content=raw, headers={"content-type": "application/json"})
    assert_error(response, 422, "invalid_input", "body")


@pytest.mark.parametrize("route", ROUTES)
def test_form_encoded_body(client, route) -> None:
    response = client.post(route, content=b"message=hi", headers={"content-type": "application/x-www-form-urlencoded"})
    assert_error(response, 415, "unsupported_media_type", "JSON")


@pytest.mark.parametrize("route", ROUTES)
def test_two_megabyte_body(client, route) -> None:
    response = client.post(route, json=valid(route, "x" * 2_000_000))
    assert_error(response, 413, "body_too_large", "bytes")


def test_lying_content_length_is_refused(client) -> None:
    response = client.post("/v1/chat", content=b"{}", headers={"content-type": "application/json", "content-length": "abc"})
    assert response.status_code in (400, 413)


def test_unknown_route_and_method(client) -> None:
    assert_error(client.get("/v1/nowhere"), 404, "not_found")
    assert_error(client.get("/v1/chat"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "message",
    ["<script>alert(1)</script> how long is a session?", "😰😰 is it safe??", "كم تستغرق الجلسة؟",
     "how long\x07 is a\x1b[31m session", "' OR 1=1; --", "{{ clinic.name }} {% raw %}", "/restart", "/faq{\"topic\":\"nope\"}"],
)
def test_odd_but_valid_messages_are_answered_without_echo(client, message) -> None:
    response = client.post("/v1/chat", json={"sender_id": "odd-input", "message": message})
    assert response.status_code == 200, response.text
    texts = " ".join(m["text"] for m in response.json()["messages"])
    assert "<script>" not in texts and "\x1b" not in texts and "{{" not in texts


@pytest.mark.parametrize("route", ROUTES)
def test_a_body_that_is_not_utf8_is_invalid_json(client, route) -> None:
    response = client.post(route, content=b'{"message": "\xff\xfe"}', headers={"Content-Type": "application/json"})
    assert_error(response, 422, "invalid_input", "not valid JSON")
