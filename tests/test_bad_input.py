"""Every invalid request gets the API's error shape and a 4xx; none reaches a 500.

Invalid requests must be refused before the assistant, so they go to the service without the
model whose assistant fails any test a request reaches (``api``); only the odd but valid
messages need the real model's answers (``client``, slow)."""
from __future__ import annotations

import pytest

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
def test_bad_messages(api, route, message, mentions) -> None:
    assert_error(api.post(route, json=valid(route, message)), 422, "invalid_input", mentions)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("sender", ["", "has space", "x" * 65, "semi;colon", "ünïcode"])
def test_bad_sender_ids(api, route, sender) -> None:
    assert_error(api.post(route, json=valid(route, sender=sender)), 422, "invalid_input", "A-Z")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "body", [{"message": 5}, {"message": None}, {"message": ["hi"]}, {"message": {"text": "hi"}}]
)
def test_wrong_types(api, route, body) -> None:
    if route != "/v1/chat":
        body = {"sender": "typed", **body}
    assert_error(api.post(route, json=body), 422, "invalid_input", "message")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("raw", [b"{not json", b"", b'"a string"', b"[1, 2]", b"null", b"42"])
def test_not_json_or_not_an_object(api, route, raw) -> None:
    response = api.post(route, content=raw, headers={"content-type": "application/json"})
    assert_error(response, 422, "invalid_input", "body")


@pytest.mark.parametrize("route", ROUTES)
def test_form_encoded_body(api, route) -> None:
    response = api.post(route, content=b"message=hi", headers={"content-type": "application/x-www-form-urlencoded"})
    assert_error(response, 415, "unsupported_media_type", "JSON")


@pytest.mark.parametrize("route", ROUTES)
def test_two_megabyte_body(api, route) -> None:
    response = api.post(route, json=valid(route, "x" * 2_000_000))
    assert_error(response, 413, "body_too_large", "bytes")


def test_lying_content_length_is_refused(api) -> None:
    headers = {"content-type": "application/json", "content-length": "abc"}
    response = api.post("/v1/chat", content=b"{}", headers=headers)
    # The app refuses it as too large (api/body_limit.py); a real server's HTTP parser may say 400 first.
    assert_error(response, 413, "body_too_large")


def test_unknown_route_and_method(api) -> None:
    assert_error(api.get("/v1/nowhere"), 404, "not_found")
    assert_error(api.get("/v1/chat"), 405, "method_not_allowed")


@pytest.mark.slow
@pytest.mark.parametrize(
    "message",
    ["<script>alert(1)</script> how long is a session?", "😰😰 is it safe??", "كم تستغرق الجلسة؟",
     "how long\x07 is a\x1b[31m session", "' OR 1=1; --", "{{ clinic.name }} {% raw %}", "/restart",
     "/faq{\"topic\":\"nope\"}"],
)
def test_odd_but_valid_messages_are_answered_without_echo(client, message) -> None:
    response = client.post("/v1/chat", json={"sender_id": "odd-input", "message": message})
    assert response.status_code == 200, response.text
    texts = " ".join(m["text"] for m in response.json()["messages"])
    assert "<script>" not in texts and "\x1b" not in texts and "{{" not in texts


@pytest.mark.parametrize("route", ROUTES)
def test_a_body_that_is_not_utf8_is_invalid_json(api, route) -> None:
    response = api.post(route, content=b'{"message": "\xff\xfe"}', headers={"Content-Type": "application/json"})
    assert_error(response, 422, "invalid_input", "not valid JSON")
