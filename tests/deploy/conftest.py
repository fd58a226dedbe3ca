"""The installed `clearback` command, as a deployment gets it: a wheel built from the sources, installed into a
throwaway virtual environment (once per run, about five seconds, offline).

The wheel is built with --no-build-isolation from a copy of the sources that go into it (so nothing in the
checkout leaks in, and the build leaves no `build/` folder behind), and installed with --no-deps: the
dependencies come from this environment's site-packages, appended to the new environment's path by a .pth
line (a plain path line runs none of that folder's .pth files, so the checkout's editable install stays out).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "run_bot.py", "bot", "adapters", "storage")


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path

    @property
    def clearback(self) -> Path:
        return self.venv / "bin" / "clearback"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without tokens or a database URL (this machine's settings must not decide anything)."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN") and not k.startswith(("BOT_", "TELEGRAM_"))}
    env.update(LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (work / "dist").glob("clearback-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([*pip, "--python", str(venv / "bin" / "python"), "install", "--no-deps", str(wheel)], check=True)
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    yield Installed(venv, wheel)
