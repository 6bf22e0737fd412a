"""Who may use a channel route: a channel that is off answers 404, a request that
fails verification 403, both in the API's error shape and before anything is
read, stored or answered."""
from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Optional

from pydantic import SecretStr

from api.errors import ApiError, NotReady

if TYPE_CHECKING:  # the runtime builds what imports this module
    from api.channels.runtime import ChannelRuntime


class ChannelOff(ApiError):
    status = 404
    code = "not_found"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class ChannelUnavailable(NotReady):
    """The message could not be answered now; the provider should deliver it again."""


def require_channel(runtime: ChannelRuntime, channel: str) -> None:
    if not runtime.configured(channel):
        raise ChannelOff("Not Found")


def same_secret(given: Optional[str], expected: Optional[SecretStr]) -> bool:
    """Constant-time comparison, so the response time leaks nothing about the secret."""
    if given is None or expected is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.get_secret_value().encode("utf-8"))
