"""Rasa input channels of this project (listed in credentials.yml)."""

from bot import rasa_speedups
from bot.privacy import redaction

# Rasa loads our channels (credentials.yml) before it serves: from then on its logs carry no message text,
# and two per-turn costs of Rasa that give the same result every time are paid once (bot/rasa_speedups.py).
redaction.install()
rasa_speedups.install()
