"""The Dockerfile, without a container engine: its settings read as data, and its entry command and health check
run for real against the wheel-installed `clearback` (what the image's `pip install` puts on its PATH).

Not run here: `docker build` itself (no engine on this machine), so the base image's Python, the useradd and
the pip install inside it are untested; README says so.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

from tests.deploy.conftest import ROOT, Installed, clean_env
from tests.deploy.dockerfile import Stage, final_stage

DOCKERFILE = ROOT / "Dockerfile"


def image() -> Stage:
    return final_stage(DOCKERFILE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def image_env(installed: Installed, volume: Path, **changes: str) -> dict[str, str]:
    """The image's ENV, with its data volume mounted at `volume` and its `clearback` first on PATH."""
    stage = image()
    [data] = stage.volumes
    env = clean_env()
    env.update({k: v.replace(data, str(volume), 1) if v.startswith(data) else v for k, v in stage.env.items()})
    env["PATH"] = f"{installed.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(changes)
    return env


def test_small_base_non_root_user_data_volume_and_health_check() -> None:
    stage = image()
    assert stage.base.startswith("python:3.11-slim")
    assert stage.user not in (None, "root", "0") and not (stage.user or "").startswith("0:")
    [data] = stage.volumes
    assert os.path.dirname(stage.env["BOT_DB_PATH"]) == data  # the database is on the volume
    assert stage.env["BOT_HTTP_HOST"] == "0.0.0.0" and stage.env["BOT_HTTP_PORT"] in stage.expose
    assert stage.entrypoint == ["clearback"] and stage.cmd == []
    assert stage.healthcheck == ["clearback", "healthcheck"]  # exec form: no shell, no curl
    assert set(stage.healthcheck_options) >= {"interval", "timeout", "start-period", "retries"}
    assert stage.stopsignal == "SIGTERM"
    assert "TOKEN" not in "".join(stage.env)  # tokens come at run time, never baked into the image


def test_entry_command_serves_and_its_health_check_follows_it(installed: Installed, tmp_path: Path) -> None:
    stage = image()
    volume = tmp_path / "data"
    env = image_env(installed, volume, BOT_HTTP_PORT=str(free_port()))  # 8080 may be taken on this machine
    workdir = tmp_path / "app"
    workdir.mkdir()

    def health() -> subprocess.CompletedProcess[str]:
        return subprocess.run(stage.healthcheck, env=env, cwd=workdir, capture_output=True, text=True, timeout=20)

    before = health()
    assert before.returncode == 1 and "cannot reach" in before.stderr  # nothing is listening yet

    # No token in the environment: the console chat, kept alive by an open standard input.
    bot = subprocess.Popen(
        stage.entrypoint + stage.cmd, env=env, cwd=workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 20
        answer = health()
        while answer.returncode != 0 and time.monotonic() < deadline and bot.poll() is None:
            time.sleep(0.1)
            answer = health()
        assert answer.returncode == 0, (answer.stdout, answer.stderr)
        assert answer.stdout.startswith("healthy:") and '"ok"' in answer.stdout
        out, _ = bot.communicate("/start\n", timeout=20)  # then end of input: a clean stop
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    assert bot.returncode == 0
    assert "ClearBack" in out
    assert (volume / "clearback.json").is_file()  # the data went to the volume
    after = health()
    assert after.returncode == 1  # a stopped bot is unhealthy


def test_health_check_without_the_endpoint_says_so(installed: Installed, tmp_path: Path) -> None:
    env = image_env(installed, tmp_path)
    del env["BOT_HTTP_PORT"]
    done = subprocess.run(image().healthcheck, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=20)
    assert done.returncode == 2 and "BOT_HTTP_PORT is not set" in done.stderr
