"""What the channel routes share per app: the adapters, the store, the id key, the sender.

Built by ``include_channels`` and kept on ``app.state.channels``. Nothing is
created until a configured channel needs it, so an installation without
messaging channels gets no channel rows and no key file.
"""
from __future__ import annotations

from functools import cached_property
from typing import Dict, Optional, Sequence, Type

from fastapi import Depends, Request
from typing_extensions import Annotated

from api.channels.base import Channel
from api.channels.delivery import Delivery
from api.channels.identity import channel_key, conversation_id
from api.channels.outbound import Outbound
from api.channels.registry import ADAPTERS
from api.channels.store import ChannelStore
from bot.content.knowledge import Knowledge
from bot.settings import Settings
from bot.storage.database import open_database


class ChannelRuntime:
    def __init__(self, settings: Settings, knowledge: Optional[Knowledge] = None,
                 adapters: Sequence[Type[Channel]] = ADAPTERS) -> None:
        self.settings = settings
        self.outbound = Outbound()
        self.channels: Dict[str, Channel] = {adapter.name: adapter(settings) for adapter in adapters}
        self._knowledge = knowledge

    def channel(self, name: str) -> Channel:
        return self.channels[name]

    def configured(self, channel: str) -> bool:
        """A channel is on only with every secret it needs to verify and to answer."""
        return self.channels[channel].configured()

    def any_configured(self) -> bool:
        return any(channel.configured() for channel in self.channels.values())

    @cached_property
    def knowledge(self) -> Knowledge:
        """The clinic's texts a channel answers without the model (SMS HELP, STOP, START)."""
        return self._knowledge or Knowledge(self.settings.content_dir, self.settings.clinic_file)

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
