"""One settings object for the whole process: environment (KAPBOT_*) over defaults.

Read it with ``get_settings()``; nothing else in kapbot reads ``os.environ``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import List, Optional

from pydantic import BaseSettings, Field, validator

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    env: str = Field("development", description="development, test or production")
    project_dir: Path = PROJECT_DIR
    # The paths below default to places inside project_dir.
    content_dir: Path = Path("content")
    clinic_file: Path = Path("clinic.yml")
    models_dir: Path = Path("models")
    build_dir: Path = Path(".build")
    var_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_level: str = "INFO"
    allowed_origins: List[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    max_body_bytes: int = Field(16_384, ge=1024)

    class Config:
        env_prefix = "KAPBOT_"
        case_sensitive = False

    @validator("content_dir", "clinic_file", "models_dir", "build_dir", "var_dir")
    def inside_project(cls, value: Path, values: dict) -> Path:
        return value if value.is_absolute() else values["project_dir"] / value

    @validator("env")
    def known_env(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("must be development, test or production")
        return value

    @property
    def spacy_model_dir(self) -> Path:
        """The spaCy pipeline the project builds itself (no download at run time)."""
        return self.build_dir / "spacy" / "kap_en"

    @property
    def sqlite_path(self) -> Path:
        return self.var_dir / "conversations.db"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
