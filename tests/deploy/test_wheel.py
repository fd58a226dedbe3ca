"""`pip install` of the built wheel gives a working `clearback` command: version, console, from anywhere."""

from __future__ import annotations

import subprocess
import tomllib
import zipfile
from pathlib import Path

from tests.deploy.conftest import ROOT, Installed, clean_env


def test_wheel_holds_the_packages_the_entry_module_and_the_migrations(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert "run_bot.py" in names
    assert {"bot/core.py", "adapters/console_adapter.py", "storage/tinydb/store.py"} <= set(names)
    assert any(n.startswith("storage/postgres/migrations/") and n.endswith(".sql") for n in names)
    assert not any(n.startswith(("tests/", "scripts/")) for n in names)


def test_version_is_the_package_version(installed: Installed, tmp_path: Path) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    done = subprocess.run(
        [str(installed.clearback), "--version"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"clearback {version}"


def test_console_chat_runs_from_the_installed_code(installed: Installed, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed.python), "-c", "import bot, run_bot; print(bot.__file__); print(run_bot.__file__)"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(path.startswith(str(installed.venv)) for path in where), where  # not the checkout
    done = subprocess.run(
        [str(installed.clearback), "--console"],
        input="/start\n/remind stretch in 2 hours\n/reminders\n",
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Reminder 1 set: stretch" in done.stdout
    assert "1. stretch" in done.stdout
    assert (tmp_path / "data" / "clearback.json").is_file()  # BOT_DB_PATH's default, from where it was started
