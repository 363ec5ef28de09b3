"""Time spaCy's tokenizer on hostile inputs, with and without the pipeline's text limit (prints figures).

    .venv/bin/python bench/worst_input.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from bot.nlu.text_limit import TextLimit, limited  # noqa: E402

INPUTS = {"50,000 x A + 500 emoji": "A" * 50_000 + "\U0001F600" * 500,
          "200,000 x A + 5,000 emoji": "A" * 200_000 + "\U0001F600" * 5000,
          "ordinary question": "How many credits is the online MLS?"}


def main() -> int:
    nlp = spacy.load(ROOT / "build" / "spacy-ischool")
    config = TextLimit.get_default_config()
    print(f"{'input':<28}{'limited ms':>12}{'unlimited ms':>14}")
    for name, text in INPUTS.items():
        started = time.perf_counter()
        nlp.make_doc(limited(text, config["max_characters"], config["max_word"]))
        cut = (time.perf_counter() - started) * 1000
        if len(text) > 60_000:
            print(f"{name:<28}{cut:>12.1f}{'(minutes)':>14}")
            continue
        started = time.perf_counter()
        nlp.make_doc(text)
        print(f"{name:<28}{cut:>12.1f}{(time.perf_counter() - started) * 1000:>14.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
