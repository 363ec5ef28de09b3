"""The staff command line, run in-process against a temporary SQLite database."""

from __future__ import annotations

import shutil
from importlib import import_module

import pytest

from bot.cli import main
from bot.config import load_settings
from tests.conftest import KNOWLEDGE_DIR


@pytest.fixture
def settings(tmp_path):
    return load_settings({"KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path}/k.db"})


def test_check_accepts_the_repository_files(settings, capsys) -> None:
    assert main(["knowledge", "check"], settings) == 0
    assert "are valid" in capsys.readouterr().out


def test_check_reports_a_bad_folder(settings, tmp_path, capsys) -> None:
    folder = tmp_path / "k"
    shutil.copytree(KNOWLEDGE_DIR, folder)
    (folder / "contacts.yml").write_text("contacts:\n  - key: x\n    email: nope\n")
    assert main(["knowledge", "check", "--dir", str(folder)], settings) == 1
    err = capsys.readouterr().err
    assert "contacts.yml:3: contacts.0.email: is not an email address" in err
    assert "contacts.yml:2: contacts.0.name: is required" in err
    assert "needs an entry with key: student_services" in err


def test_import_then_refused_import_leaves_data(settings, tmp_path, capsys) -> None:
    good = tmp_path / "info_sessions.csv"
    good.write_text("starts_at,format,campus,title,registration_url\n"
                    "2027-02-02T18:00:00-05:00,online,,Winter webinar,https://example.edu/w\n")
    assert main(["knowledge", "import", str(good)], settings) == 0
    bad = tmp_path / "bad" / "info_sessions.csv"
    bad.parent.mkdir()
    bad.write_text("starts_at,format,campus,title,registration_url\n2027-02-02,online,,X,ftp://x\n")
    assert main(["knowledge", "import", str(bad)], settings) == 1
    err = capsys.readouterr().err
    assert "Nothing was changed" in err and "info_sessions.csv:2: starts_at" in err
    import datetime as dt

    from bot.knowledge.store import open_store

    titles = [s.title for s in open_store(settings).upcoming_sessions(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))]
    assert titles == ["Winter webinar"]


def test_unknown_command_exits_with_usage(settings, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["knowledge", "frobnicate"], settings)
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(("program", "command"), [
    *(("bot", c) for c in ("knowledge", "handoffs", "reminders", "db", "report", "nlp", "privacy")),
    *(("tools", c) for c in ("serve", "eval", "cluster", "loadtest")),
])
def test_every_command_group_is_registered(program, command, capsys) -> None:
    parser = import_module(f"{program}.cli").build_parser()
    with pytest.raises(SystemExit) as done:
        parser.parse_args([command, "--help"])
    assert done.value.code == 0
    assert f"usage: python -m {program} {command}" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["serve", "eval", "cluster", "loadtest"])
def test_developer_commands_are_not_in_the_runtime_command_line(command, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main([command])
    assert done.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
