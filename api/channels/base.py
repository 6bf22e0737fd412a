"""The shape every messaging channel has, and what the webhook hands it.

A channel adapter says how its provider proves a request (``verify``), what a
request carries (``parse``), how a bot message looks there (``render``) and
where its outgoing calls go (``send_url``); api/channels/webhook.py runs the
same sequence for all of them. The adapter is built per app with the app's
settings, so nothing here reads global settings.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Mapping, Optional, Tuple, Type, TypeVar, Union

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from api.channels.access import ChannelOff
from api.channels.inbound import clean_text, respond, screen_opted_out
from api.channels.render import split_text
from api.channels.store import ChannelStore, Outgoing
from bot.content.answers import Button
from bot.engine import BotMessage, Reply
from bot.settings import Settings

if TYPE_CHECKING:  # the runtime builds the adapters, so it cannot be imported at run time here
    from api.channels.runtime import ChannelRuntime

M = TypeVar("M", bound=BaseModel)


class Unreadable(Exception):
    """A verified request we cannot read: acknowledged (so the provider stops), never answered."""


class NoMessageId(Exception):
    """An adapter passed on a message without an id and did not name it: a redelivery could not be told apart."""


def read(model: Type[M], data: Union[bytes, Mapping[str, Any]], what: str) -> M:
    """``data`` (a JSON body, or form fields) as ``model``; ``Unreadable`` naming ``what`` if it is not one."""
    try:
        return model.parse_raw(data) if isinstance(data, bytes) else model.parse_obj(dict(data))
    except ValidationError:
        raise Unreadable(what) from None


class ProviderCall(BaseModel):
    """A provider API call an incoming message asks for before its answer (Telegram's button ack)."""

    method: str
    payload: Dict[str, Any]


class Inbound(BaseModel):
    """One incoming message, as every channel sees it once parsed."""

    message_id: Optional[str]  # the provider's, for dedupe (unique per channel)
    address: str  # phone number, chat id, PSID: only ever stored hashed
    sent_at: Optional[int] = None  # the provider's timestamp, where it has one
    text: Optional[str] = None  # None: nothing to answer (media only, an unknown button)
    first: List[ProviderCall] = []


class Answer(BaseModel):
    """What handling one message produced: outbox calls, and texts for the webhook's own response."""

    outgoing: List[Outgoing] = []
    inline: List[str] = []


class Turn:
    """One claimed message on its way through a channel: who, which, and the assistant to ask."""

    def __init__(self, channel: "Channel", request: Request, runtime: "ChannelRuntime", inbound: Inbound,
                 conversation: str, message_id: str) -> None:
        self.channel = channel
        self.request = request
        self.runtime = runtime
        self.inbound = inbound
        self.conversation = conversation
        self.message_id = message_id

    @property
    def store(self) -> ChannelStore:
        return self.runtime.store

    def call(self, method: str, payload: Dict[str, Any]) -> Outgoing:
        return Outgoing(channel=self.channel.name, conversation_id=self.conversation, method=method,
                        payload=payload)

    async def respond(self, text: str) -> Reply:
        return await respond(self.request, self.runtime, self.channel.name, self.message_id,
                             self.conversation, text)

    async def screen(self, text: str) -> None:
        await screen_opted_out(self.request, self.runtime, self.channel.name, self.message_id,
                               self.conversation, text)


class Channel(ABC):
    """A messaging provider's adapter. Subclasses fill in the class attributes and the abstract methods."""

    name: ClassVar[str]  # the conversation-id namespace and the store's key: never change it
    prefix: ClassVar[str]  # where its routes are mounted, e.g. /webhooks/telegram
    secrets: ClassVar[Tuple[str, ...]]  # the Settings fields it needs to be on
    summary: ClassVar[str]  # the webhook's OpenAPI summary
    # The webhook's 200 as documented: a JSON acknowledgement model, or a non-JSON body.
    ack_model: ClassVar[Optional[Type[Any]]] = None
    ack_docs: ClassVar[Dict[int | str, Dict[str, Any]]] = {}
    # A GET subscription handshake on the webhook's path, for providers that have one.
    handshake_summary: ClassVar[Optional[str]] = None
    handshake_docs: ClassVar[Dict[int | str, Dict[str, Any]]] = {}

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def configured(self) -> bool:
        """On only with every secret it needs to verify and to answer."""
        values = (getattr(self.settings, field) for field in self.secrets)
        return all(value is not None and value.get_secret_value() for value in values)

    def secret(self, field: str) -> str:
        """A secret of a configured channel (the webhook checks ``configured`` first)."""
        value = getattr(self.settings, field)
        if value is None:
            raise ChannelOff("Not Found")
        return value.get_secret_value()

    def message_id(self, inbound: Inbound, conversation: str) -> str:
        """The id a redelivery would repeat: the provider's own message id."""
        if inbound.message_id is None:
            raise NoMessageId(self.name)
        return inbound.message_id

    @abstractmethod
    async def verify(self, request: Request) -> None:
        """Raise ``Forbidden`` unless the provider signed or vouched for this request."""

    @abstractmethod
    async def parse(self, request: Request, store: ChannelStore) -> List[Inbound]:
        """The messages in a verified request; ``Unreadable`` if it holds none we understand."""

    @abstractmethod
    def acknowledge(self, inline: List[str]) -> Response:
        """The webhook's response once every message was handled."""

    def handshake(self, request: Request) -> str:
        """The body of the answer to a genuine handshake; ``Forbidden`` otherwise."""
        raise NotImplementedError(f"{self.name} has no handshake")

    @property
    def outbox(self) -> bool:
        """Whether replies go out as API calls through the outbox (else in the webhook's response)."""
        return False

    def send_url(self, method: str) -> Optional[str]:
        """The provider URL for an outbox call, built at send time so no secret is stored."""
        return None

    async def answer(self, turn: Turn) -> Answer:
        """The assistant's reply to the message, rendered for this channel."""
        calls = [turn.call(call.method, call.payload) for call in turn.inbound.first]
        text = clean_text(turn.inbound.text)
        if text is not None:
            reply = await turn.respond(text)
            calls += [call for message in reply.messages for call in self.render(message, turn)]
        return Answer(outgoing=calls)

    def render(self, message: BotMessage, turn: Turn) -> List[Outgoing]:
        """A bot message as outbox calls; channels that answer inline override ``answer`` instead."""
        raise NotImplementedError(f"{self.name} does not send through the outbox")


class SendingChannel(Channel):
    """A channel that answers through its provider's API: parts within its limit, buttons on the last."""

    text_limit: ClassVar[int]
    send_method: ClassVar[str]
    ack_body: ClassVar[Dict[str, Any]]  # what the provider wants back, as documented by ack_model

    @property
    def outbox(self) -> bool:
        return True

    def acknowledge(self, inline: List[str]) -> Response:
        return JSONResponse(self.ack_body)

    @abstractmethod
    def message_payload(self, turn: Turn, text: str, buttons: List[Button]) -> Dict[str, Any]:
        """One message call's body: ``text`` to the turn's address, with ``buttons`` if any."""

    def render(self, message: BotMessage, turn: Turn) -> List[Outgoing]:
        parts = split_text(message.text, target=self.text_limit, limit=self.text_limit)
        return [
            turn.call(self.send_method,
                      self.message_payload(turn, part, message.buttons if number == len(parts) else []))
            for number, part in enumerate(parts, start=1)
        ]
