"""deploy/clearback.service: `systemd-analyze verify` (where it exists) and the directives the README promises.

Not run here: the unit under a running systemd (this machine has none as PID 1), so the sandboxing options are
verified, not exercised; README says so.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, Installed

UNIT = ROOT / "deploy" / "clearback.service"


def directives() -> dict[str, dict[str, list[str]]]:
    """Section -> key -> every value (a key may repeat, as Environment= does; configparser would merge them)."""
    found: dict[str, dict[str, list[str]]] = {}
    section = ""
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            found[section] = {}
            continue
        key, _, value = line.partition("=")
        found[section].setdefault(key, []).append(value)
    return found


def one(section: str, key: str) -> str:
    [value] = directives()[section][key]
    return value


def test_restart_sandbox_state_directory_and_root_only_environment_file() -> None:
    service = directives()["Service"]
    assert one("Service", "Restart") == "on-failure"
    assert one("Service", "NoNewPrivileges") == "yes"
    assert one("Service", "ProtectSystem") == "strict"  # read-only everywhere...
    assert one("Service", "StateDirectory") == "clearback"  # ...but /var/lib/clearback
    env = dict(item.split("=", 1) for item in service["Environment"])
    assert env["BOT_DB_PATH"].startswith("/var/lib/clearback/")
    assert "BOT_HTTP_HOST" not in env  # the health endpoint stays on 127.0.0.1
    assert one("Service", "EnvironmentFile") == "/etc/clearback/clearback.env"
    user = one("Service", "User")
    assert user not in ("root", "0") or one("Service", "DynamicUser") == "yes"
    assert one("Service", "ExecStart").endswith("/clearback")
    assert "2" in one("Service", "RestartPreventExitStatus").split()  # a wrong setting is not retried forever
    assert int(one("Service", "TimeoutStopSec").removesuffix("s")) > 10  # SIGTERM stops within 10 s
    assert one("Install", "WantedBy") == "multi-user.target"


def test_systemd_analyze_verify_finds_nothing_to_say(installed: Installed, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this machine: the unit's directives are checked above only")
    # verify also checks that ExecStart= is executable: point it at the clearback a wheel install made.
    text = UNIT.read_text().replace("/opt/clearback/bin/clearback", str(installed.clearback))
    unit = tmp_path / "clearback.service"
    unit.write_text(text)
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # Unknown keys and bad values are only warnings: the output must be empty, not just the status 0.
    noise = [line for line in (done.stdout + done.stderr).splitlines() if "clearback" in line]
    assert noise == [], noise
