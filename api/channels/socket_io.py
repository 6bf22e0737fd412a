"""Socket.IO at /socket.io, speaking Rasa's socketio channel protocol.

Events as Rasa's ``SocketIOInput`` with ``session_persistence: true``:
``session_request`` -> ``session_confirm``, ``user_uttered`` in, ``bot_uttered``
out (buttons as ``quick_replies``). Unlike Rasa 3.6 with python-socketio 5.x,
``enter_room`` is awaited, so persistent sessions get their replies.
Every message takes the same path as the HTTP API (crisis check first).

With ``KAPBOT_REDIS_URL`` set, rooms span processes: a reply emitted to a session's
room by one process reaches that session's sockets on every other (Redis pub/sub).
Each socket still lives in one process: the polling transport needs sticky sessions
(README, "Several processes").
"""
from __future__ import annotations

import re
import secrets
from typing import Any, Dict, Optional

import socketio
from fastapi import FastAPI

from api.channels.web import bot_uttered
from api.rate_limits import RateLimited, RateLimits
from api.schemas import SENDER_ID, clean_message
from bot.log import logger
from bot.settings import Settings
from bot.storage.redis_url import KEY_PREFIX, parse_redis_url

_VALID_ID = re.compile(SENDER_ID)


def create_socket_server(app: FastAPI, settings: Settings, limits: RateLimits) -> socketio.AsyncServer:
    manager = None  # python-socketio's own, in memory
    if settings.redis:
        # Pub/sub channels are not per database: the channel names the database.
        channel = f"{KEY_PREFIX}:{parse_redis_url(settings.redis).db}:socketio"
        manager = socketio.AsyncRedisManager(settings.redis, channel=channel)
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=settings.origins,
        max_http_buffer_size=settings.max_body_bytes,
        logger=False,
        engineio_logger=False,
    )

    async def session_id_of(sid: str) -> Optional[str]:
        async with sio.session(sid) as session:
            return session.get("session_id")

    @sio.event
    async def connect(sid: str, environ: Dict[str, Any], auth: Any = None) -> None:
        async with sio.session(sid) as session:
            session["address"] = (environ.get("asgi.scope") or {}).get("client", ("unknown",))[0]

    @sio.event
    async def session_request(sid: str, data: Any = None) -> None:
        requested = (data or {}).get("session_id") if isinstance(data, dict) else None
        session_id = requested if isinstance(requested, str) and _VALID_ID.match(requested) else (
            "visitor-" + secrets.token_hex(8)
        )
        async with sio.session(sid) as session:
            session["session_id"] = session_id
        await sio.enter_room(sid, session_id)
        await sio.emit("session_confirm", session_id, room=sid)

    @sio.event
    async def user_uttered(sid: str, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        session_id = await session_id_of(sid)
        room = session_id  # every socket of a persistent session
        if session_id is None:
            # Rasa's channel without persistence: replies go to this socket only.
            session_id = data.get("session_id") if _VALID_ID.match(str(data.get("session_id") or "")) else sid
            room = sid
        try:
            text = clean_message(data.get("message") if isinstance(data.get("message"), str) else "")
        except ValueError as exc:
            await sio.emit("kapbot_error", {"code": "invalid_input", "message": f"message: {exc}"}, room=sid)
            return
        try:
            async with sio.session(sid) as session:
                limits.hit_client(session.get("address", "unknown"))
            limits.hit_conversation(session_id)
        except RateLimited as exc:
            await sio.emit("kapbot_error", {"code": exc.code, "message": exc.message,
                                            "retry_after": exc.retry_after}, room=sid)
            return
        assistant = getattr(app.state, "assistant", None)
        if assistant is None:
            await sio.emit("kapbot_error", {"code": "not_ready", "message": "the assistant is starting"}, room=sid)
            return
        reply = await assistant.respond(session_id, text, channel="socketio")
        for message in reply.messages:
            await sio.emit("bot_uttered", bot_uttered(message, reply), room=room)

    @sio.event
    async def disconnect(sid: str) -> None:
        logger.debug("socket %s disconnected", sid)

    return sio

