"""Settings: every environment variable is read once, by load_settings, from the mapping it is given."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import config
from bot.channels.slack import SlackChannel
from bot.channels.webchat import WebchatInput
from bot.config import PROJECT_ROOT, load_settings

# The one runtime module that may touch the process environment: the settings reader. (tools/servers.py
# copies it for the servers it starts as child processes, outside the runtime.)
MAY_READ_ENVIRON = {Path("bot/config.py")}


@pytest.mark.parametrize(("variable", "value", "attribute", "expected"), [
    ("KNOWLEDGE_DB_URL", "postgresql+psycopg2://u@db/k", "database_url", "postgresql+psycopg2://u@db/k"),
    ("KNOWLEDGE_DIR", "/srv/knowledge", "knowledge_dir", Path("/srv/knowledge")),
    ("SPACY_MODEL_DIR", "/srv/spacy", "spacy_model_dir", Path("/srv/spacy")),
    ("KNOWLEDGE_STALE_DAYS", "90", "stale_after_days", 90),
    ("CAMPUS_TIMEZONE", "America/Chicago", "timezone", "America/Chicago"),
    ("PUBLIC_BASE_URL", "https://assistant.example.edu/", "public_url", "https://assistant.example.edu"),
    ("HANDOFF_DB_URL", "sqlite:////srv/h.db", "handoff_db_url", "sqlite:////srv/h.db"),
    ("HANDOFF_SLACK_TOKEN", "xoxb-staff", "handoff_slack_token", "xoxb-staff"),
    ("HANDOFF_SLACK_CHANNEL", "C0STAFF", "handoff_slack_channel", "C0STAFF"),
    ("SLACK_BOT_TOKEN", "xoxb-bot", "slack_bot_token", "xoxb-bot"),
    ("SLACK_BOT_TOKEN", "xoxb-bot", "handoff_slack_token", "xoxb-bot"),  # staff share the students' workspace
    ("SLACK_SIGNING_SECRET", "s3cret", "slack_signing_secret", "s3cret"),
    ("SLACK_API_URL", "http://127.0.0.1:9/api", "slack_api_url", "http://127.0.0.1:9/api/"),
    ("WEBCHAT_ALLOWED_ORIGINS", "https://a.edu/, https://b.org,,", "webchat_allowed_origins",
     ("https://a.edu", "https://b.org")),
    ("ACTION_SERVER_HOST", "0.0.0.0", "action_server_host", "0.0.0.0"),  # noqa: S104 - a deployment's choice
    ("ACTION_SERVER_TOKEN", "t0k3n", "action_server_token", "t0k3n"),
])
def test_each_variable_is_read_from_the_mapping_given(variable, value, attribute, expected) -> None:
    assert getattr(load_settings({variable: value}), attribute) == expected


def test_defaults_need_no_services_and_ignore_the_process_environment(monkeypatch) -> None:
    for variable in documented_variables():
        monkeypatch.setenv(variable, "from-the-process")
    settings = load_settings({})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'knowledge.db'}"
    assert settings.handoff_db_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'handoffs.db'}"
    assert settings.knowledge_dir == PROJECT_ROOT / "knowledge"
    assert (settings.stale_after_days, settings.timezone) == (180, "America/New_York")
    assert settings.public_url == "http://localhost:5005"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.slack_bot_token == settings.handoff_slack_token == settings.handoff_slack_channel == ""
    assert settings.webchat_allowed_origins == ()
    assert (settings.action_server_host, settings.action_server_token) == ("127.0.0.1", "")


def test_the_staff_token_wins_over_the_bot_token() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-bot", "HANDOFF_SLACK_TOKEN": "xoxb-staff"})
    assert (settings.slack_bot_token, settings.handoff_slack_token) == ("xoxb-bot", "xoxb-staff")


def test_an_empty_url_means_the_default() -> None:
    assert load_settings({"KNOWLEDGE_DB_URL": "", "HANDOFF_DB_URL": ""}) == load_settings({})


def test_a_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="KNOWLEDGE_STALE_DAYS must be a whole number, not 'soon'"):
        load_settings({"KNOWLEDGE_STALE_DAYS": "soon"})


def test_no_module_reads_the_environment_itself() -> None:
    offenders = []
    for folder in ("bot", "actions"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT)
            if relative in MAY_READ_ENVIRON:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"os\.environ|getenv|from os import", line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "read settings through bot.config.load_settings instead"


def documented_variables() -> set[str]:
    """The variables in the Configuration table of docs/operations.md (the README points there)."""
    operations = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    section = operations.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", section, re.MULTILINE))


def test_every_variable_read_is_documented_in_the_readme() -> None:
    source = Path(config.__file__).read_text()
    read = set(re.findall(r'"([A-Z][A-Z0-9_]{3,})"', source.split("def load_settings", 1)[1]))
    assert read <= documented_variables()
    assert {"KNOWLEDGE_DB_URL", "HANDOFF_DB_URL", "SLACK_BOT_TOKEN", "WEBCHAT_ALLOWED_ORIGINS"} <= read


def test_channels_take_their_secrets_from_the_settings() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-bot", "SLACK_SIGNING_SECRET": "s3cret",
                              "SLACK_API_URL": "http://127.0.0.1:9/api",
                              "WEBCHAT_ALLOWED_ORIGINS": "https://ischool.example.edu/"})
    slack = SlackChannel.from_credentials({"use_threads": True}, settings)
    assert (slack.slack_token, slack.slack_signing_secret, slack.api_url) == (
        "xoxb-bot", "s3cret", "http://127.0.0.1:9/api/")
    assert slack.configured
    assert not SlackChannel.from_credentials(None, load_settings({})).configured
    overridden = SlackChannel.from_credentials({"slack_token": "xoxb-yml", "slack_signing_secret": "yml"}, settings)
    assert (overridden.slack_token, overridden.slack_signing_secret) == ("xoxb-yml", "yml"), "credentials.yml wins"
    assert WebchatInput.from_credentials(None, settings).allowed_origins == ["https://ischool.example.edu"]
    assert WebchatInput.from_credentials({"allowed_origins": "https://a.edu"}, settings).allowed_origins == [
        "https://a.edu"]
