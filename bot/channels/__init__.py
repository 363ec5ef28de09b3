"""Rasa input channels of this project (listed in credentials.yml)."""

from bot.privacy import redaction

# Rasa loads our channels (credentials.yml) before it serves: from then on its logs carry no message text.
redaction.install()
