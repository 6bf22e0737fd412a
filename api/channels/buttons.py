"""Buttons within each provider's limits: payloads that fit, titles that fit.

Telegram's callback_data holds 64 bytes and Messenger's quick reply payload
1000 characters; a payload over the limit travels as a short key (kept in the
store, so a button pressed after a restart still works). Our payloads are
issued by us, so a key that is not in the store simply means nothing.
"""
from __future__ import annotations

import re
from typing import Optional

from api.channels.store import ChannelStore

_KEY = re.compile(r"k[0-9a-f]{20}")


def fit_payload(store: ChannelStore, payload: str, max_bytes: int) -> str:
    if len(payload.encode("utf-8")) <= max_bytes:
        return payload
    return store.short_key(payload)


def resolve_payload(store: ChannelStore, data: str) -> Optional[str]:
    """What a pressed button stands for: the payload itself, or the one its key names."""
    if _KEY.fullmatch(data):
        return store.payload_for(data)
    return data


def short_title(title: str, limit: int) -> str:
    """A title within ``limit`` characters, cut between words with an ellipsis."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:-") + "\u2026"
