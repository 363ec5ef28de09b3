"""Settings read from the environment, with defaults that need no running services."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Where the knowledge lives and how stale facts are judged."""

    database_url: str
    knowledge_dir: Path
    spacy_model_dir: Path
    stale_after_days: int
    timezone: str
    public_url: str


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (the process environment by default)."""
    env = os.environ if environ is None else environ
    default_db = PROJECT_ROOT / "var" / "knowledge.db"
    return Settings(
        database_url=env.get("KNOWLEDGE_DB_URL", f"sqlite:///{default_db}"),
        knowledge_dir=Path(env.get("KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge")),
        spacy_model_dir=Path(env.get("SPACY_MODEL_DIR", PROJECT_ROOT / "build" / "spacy-ischool")),
        stale_after_days=int(env.get("KNOWLEDGE_STALE_DAYS", "180")),
        timezone=env.get("CAMPUS_TIMEZONE", "America/New_York"),
        # Where users reach the Rasa server; links to calendar files start with it.
        public_url=env.get("PUBLIC_BASE_URL", "http://localhost:5005").rstrip("/"),
    )
