"""One settings object for the whole process: environment (KAPBOT_*) over a
credentials file (KAPBOT_CREDENTIALS_FILE, YAML) over defaults.

``get_settings()`` reads the environment; only the entry points call it (the
``kapbot`` command, ``api.main.create_app`` without settings, tests, benches), and
they pass the one Settings object down. Nothing else reads ``os.environ``.
Secrets (channel tokens) come from the environment or the credentials file,
never from the repository.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from pydantic import BaseSettings, Field, SecretStr, validator
from pydantic.env_settings import SettingsSourceCallable

from bot.content.files import TERMINOLOGY_FILE
from bot.staff.smtp import SmtpSettings
from bot.storage.database import default_url
from bot.storage.outbox import CHANNEL_RETRY, OutboxKind, OutboxPolicies, RetryPolicy
from bot.storage.redis_url import parse_redis_url

PROJECT_DIR = Path(__file__).resolve().parent.parent


def credentials_file_source(settings: BaseSettings) -> Dict[str, Any]:
    """Settings from the YAML file named by KAPBOT_CREDENTIALS_FILE, keys without the prefix."""
    path = os.environ.get("KAPBOT_CREDENTIALS_FILE")
    if not path:
        return {}
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of settings")
    return {str(key).lower().removeprefix("kapbot_"): value for key, value in data.items()}


class Settings(BaseSettings):
    env: str = Field(default="development", description="development, test or production")
    project_dir: Path = PROJECT_DIR
    # The paths below default to places inside project_dir.
    content_dir: Path = Path("content")
    clinic_file: Path = Path("clinic.yml")
    models_dir: Path = Path("models")
    build_dir: Path = Path(".build")
    var_dir: Path = Path("var")
    # Empty means var_dir/kapbot.db, resolved when used (``database``) so a copy of the
    # settings with another var_dir gets its own database.
    database_url: SecretStr = Field(
        default=SecretStr(""), description="SQLAlchemy URL of kapbot's own tables (outbox, requests, staff, channels); "
        "empty: var_dir/kapbot.db (SQLite).",
    )
    redis_url: Optional[SecretStr] = Field(
        default=None, description="redis:// or rediss:// URL shared by several kapbot processes: Rasa's "
        "conversation locks, Socket.IO rooms and the rate-limit counters live there; unset: in memory, one process.",
    )
    staff_retry: RetryPolicy = Field(
        default=RetryPolicy(), description="How long staff alerts and consultation requests are retried."
    )
    # Where consultation requests go is clinic.yml's `consultations`; the secrets are here.
    staff_webhook_secret: Optional[SecretStr] = Field(
        default=None, description="Signs every staff webhook: header X-Kapbot-Signature: sha256=HMAC(body)."
    )
    smtp: Optional[SmtpSettings] = Field(default=None, description="The mail server for email destinations.")
    # The staff inbox at /staff (api/staff/): off until `kapbot staff add` made a user.
    staff_session_secret: Optional[SecretStr] = Field(
        default=None,
        description="Signs staff session cookies; unset: a random one per process (sessions end on restart).",
    )
    staff_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="Staff are logged out after this idle time."
    )
    metrics_token: Optional[SecretStr] = Field(
        default=None, description="When set, GET /metrics needs `Authorization: Bearer <token>`."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=16_384, ge=1024)
    max_session_events: int = Field(
        default=120, ge=10, description="A conversation's session (Rasa's) ends after this many events, about "
        "20 turns, so a long conversation's turns cost no more than its first (bot/conversation_processor.py)."
    )

    # The public edge
    allowed_origins: List[str] = Field(
        default=[],
        description="Origins (the clinic's websites) allowed to call the API and socket.io; "
        "empty: only this server's own demo page.",
    )
    rate_limit_per_client: str = "60/minute"
    rate_limit_per_conversation: str = "20/minute"

    # Messaging channels: a channel without its secrets is off (its routes answer 404).
    public_url: Optional[str] = Field(default=None, description="Base URL the providers call.")
    channel_id_key: Optional[SecretStr] = Field(
        default=None, description="Key for hashing phone numbers into conversation ids."
    )
    twilio_auth_token: Optional[SecretStr] = None
    telegram_token: Optional[SecretStr] = None
    telegram_secret: Optional[SecretStr] = None
    telegram_api_url: str = "https://api.telegram.org"
    messenger_verify_token: Optional[SecretStr] = None
    messenger_app_secret: Optional[SecretStr] = None
    messenger_page_token: Optional[SecretStr] = None
    messenger_api_url: str = "https://graph.facebook.com/v19.0"

    class Config:
        env_prefix = "KAPBOT_"
        case_sensitive = False

        @classmethod
        def customise_sources(
            cls,
            init_settings: SettingsSourceCallable,
            env_settings: SettingsSourceCallable,
            file_secret_settings: SettingsSourceCallable,
        ) -> Tuple[SettingsSourceCallable, ...]:
            return init_settings, env_settings, credentials_file_source, file_secret_settings

    @validator("content_dir", "clinic_file", "models_dir", "build_dir", "var_dir")
    def inside_project(cls, value: Path, values: dict) -> Path:
        return value if value.is_absolute() else values["project_dir"] / value

    @validator("redis_url")
    def redis_url_parses(cls, value: Optional[SecretStr]) -> Optional[SecretStr]:
        url = value.get_secret_value().strip() if value is not None else ""
        if not url:
            return None  # KAPBOT_REDIS_URL= (empty) is unset
        parse_redis_url(url)
        return SecretStr(url)

    @validator("staff_retry")
    def alerts_outlast_channel_replies(cls, value: RetryPolicy) -> RetryPolicy:
        """A crisis alert must never be given up before an ordinary channel reply would be."""
        OutboxPolicies(by_kind={OutboxKind.alert: value, OutboxKind.channel_message: CHANNEL_RETRY})
        return value

    @validator("env")
    def known_env(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("must be development, test or production")
        return value

    @validator("allowed_origins", each_item=True)
    def no_wildcard_in_production(cls, value: str, values: dict) -> str:
        if value == "*" and values.get("env") == "production":
            raise ValueError("a wildcard origin is refused in production: list the clinic's sites")
        return value.rstrip("/")

    @property
    def terminology_file(self) -> Path:
        """Medications and conditions: the spaCy pipeline and the lookup tables are built from it."""
        return self.content_dir / TERMINOLOGY_FILE

    # Rasa's own files: they stay in the project, beside the code that reads them.
    @property
    def domain_file(self) -> Path:
        return self.project_dir / "domain.yml"

    @property
    def rasa_config_file(self) -> Path:
        """The pipeline and policies, and the confidence thresholds (bot/nlu/confidence.py)."""
        return self.project_dir / "config.yml"

    @property
    def data_dir(self) -> Path:
        return self.project_dir / "data"

    @property
    def spacy_model_dir(self) -> Path:
        """The spaCy pipeline the project builds itself (no download at run time)."""
        return self.build_dir / "spacy" / "kap_en"

    @property
    def sentence_model_dir(self) -> Path:
        """all-MiniLM-L6-v2's files, unpacked at build time (bot/build/sentence_model.py)."""
        return self.build_dir / "minilm"

    @property
    def origins(self) -> List[str]:
        """The CORS allowlist: the configured sites, else the demo page's own origin."""
        if self.allowed_origins:
            return self.allowed_origins
        return [f"http://{host}:{self.port}" for host in dict.fromkeys((self.host, "127.0.0.1", "localhost"))]

    @property
    def database(self) -> str:
        """The one database: conversations (Rasa's store), kapbot's own tables, the curators' log."""
        return self.database_url.get_secret_value() or default_url(self.var_dir)

    @property
    def redis(self) -> Optional[str]:
        """The Redis URL several processes share, or ``None`` (one process, in memory)."""
        return self.redis_url.get_secret_value() if self.redis_url is not None else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
