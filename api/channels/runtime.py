"""What the channel routes share per app: settings, the store, the id key, the sender.

Built by ``include_channels`` and kept on ``app.state.channels``. Nothing is
created until a configured channel needs it, so an installation without
messaging channels gets no channel rows and no key file.
"""
from __future__ import annotations

from functools import cached_property

from fastapi import Depends, Request
from typing_extensions import Annotated

from api.channels.delivery import Delivery
from api.channels.identity import channel_key, conversation_id
from api.channels.outbound import Outbound
from api.channels.store import ChannelStore
from bot.settings import Settings
from bot.storage.database import open_database

CHANNELS = ("twilio", "telegram", "messenger")


class ChannelRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.outbound = Outbound()

    def configured(self, channel: str) -> bool:
        """A channel is on only with every secret it needs to verify and to answer."""
        s = self.settings
        needed = {
            "twilio": (s.twilio_auth_token,),
            "telegram": (s.telegram_token, s.telegram_secret),
            "messenger": (s.messenger_verify_token, s.messenger_app_secret, s.messenger_page_token),
        }[channel]
        return all(secret is not None and secret.get_secret_value() for secret in needed)

    def any_configured(self) -> bool:
        return any(self.configured(channel) for channel in CHANNELS)

    @cached_property
    def store(self) -> ChannelStore:
        return ChannelStore(open_database(self.settings))

    @cached_property
    def delivery(self) -> Delivery:
        return Delivery(self.settings, self.store, self.outbound)

    @cached_property
    def _key(self) -> bytes:
        return channel_key(self.settings)

    def conversation_id(self, channel: str, address: str) -> str:
        """The hashed, channel-namespaced id for a provider address (phone, chat, PSID)."""
        return conversation_id(channel, address, self._key)


def get_runtime(request: Request) -> ChannelRuntime:
    return request.app.state.channels


RuntimeDep = Annotated[ChannelRuntime, Depends(get_runtime)]
