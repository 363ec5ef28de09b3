"""Staff reports past the retention window: they quote users' questions, so they expire like conversations.

A report is a folder in ``Settings.reports_dir`` holding ``report.html`` (``python -m bot report`` writes one
there unless given ``--out``); its age is that file's modification time.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path


def expired(reports_dir: Path, cutoff: dt.datetime) -> list[Path]:
    """The report folders in ``reports_dir`` written before ``cutoff``."""
    if not reports_dir.is_dir():
        return []
    pages = (folder / "report.html" for folder in reports_dir.iterdir())
    return sorted(page.parent for page in pages if page.is_file() and page.stat().st_mtime < cutoff.timestamp())


def delete(folders: list[Path]) -> None:
    """Delete report folders whole (the page and its plots)."""
    for folder in folders:
        shutil.rmtree(folder)
