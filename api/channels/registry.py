"""The messaging channels this service has, in the order their routes are documented.

Adding a channel: write its adapter module (a ``Channel`` subclass, see
api/channels/base.py), add its secrets to bot/settings.py, and list it here.
"""
from __future__ import annotations

from typing import Dict, Tuple, Type

from api.channels.base import Channel
from api.channels.messenger import Messenger
from api.channels.telegram import Telegram
from api.channels.twilio import Twilio

ADAPTERS: Tuple[Type[Channel], ...] = (Twilio, Telegram, Messenger)
BY_NAME: Dict[str, Type[Channel]] = {adapter.name: adapter for adapter in ADAPTERS}
