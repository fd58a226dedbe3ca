"""compose.yaml (the bot with PostgreSQL, gated on pg_isready) and compose.tinydb.yaml (TinyDB on a volume), read
as data: no container engine runs here, so `docker compose config` and `up` are not run (README says so)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.deploy.conftest import ROOT
from tests.deploy.dockerfile import final_stage

IMAGE = final_stage(ROOT / "Dockerfile")


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / name).read_text())
    assert isinstance(document, dict)
    return document


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> volume name (short syntax, as these files use)."""
    found = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        found[target] = source
    return found


def interpolated(value: str) -> str:
    """The variable a ${NAME:?message} stands for."""
    assert value.startswith("${") and value.endswith("}"), value
    return value[2:].split(":", 1)[0].split("}", 1)[0]


def test_postgres_variant_starts_the_bot_only_once_pg_isready_passes() -> None:
    compose = load("compose.yaml")
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    check = db["healthcheck"]["test"]
    assert check[0] == "CMD" and check[1] == "pg_isready"
    url = urlsplit(bot["environment"]["BOT_DATABASE_URL"])
    assert url.scheme == "postgresql" and url.hostname == "db" and url.password is None  # no password in the URL
    # pg_isready asks for the very role and database the bot will use.
    assert f"--username={url.username}" in check and f"--dbname={url.path.lstrip('/')}" in check
    assert db["environment"]["POSTGRES_USER"] == url.username
    assert db["environment"]["POSTGRES_DB"] == url.path.lstrip("/")
    assert interpolated(bot["environment"]["PGPASSWORD"]) == interpolated(db["environment"]["POSTGRES_PASSWORD"])
    assert set(mounts(db).values()) | set(mounts(bot).values()) <= set(compose["volumes"])
    assert "/var/lib/postgresql/data" in mounts(db)  # the database survives the container


def test_both_variants_build_this_image_and_keep_tokens_out_of_the_file() -> None:
    for name in ("compose.yaml", "compose.tinydb.yaml"):
        bot = load(name)["services"]["bot"]
        assert bot["build"] == "." and (ROOT / "Dockerfile").is_file()
        assert bot["env_file"] == ".env"  # tokens from .env (as .env.example), never in the compose file
        assert not any(key.endswith("_TOKEN") for key in bot.get("environment", {}))
        assert mounts(bot).keys() == set(IMAGE.volumes)  # the image's data directory is a named volume
        ports = {p.rsplit(":", 1)[-1]: p for p in bot["ports"]}
        assert ports[IMAGE.env["BOT_HTTP_PORT"]].startswith("127.0.0.1:")  # health and metrics: this host only
        assert bot["restart"] == "on-failure"


def test_tinydb_variant_keeps_the_database_on_its_volume() -> None:
    compose = load("compose.tinydb.yaml")
    assert list(compose["services"]) == ["bot"]  # no database server
    bot = compose["services"]["bot"]
    env = bot["environment"]
    assert env["BOT_DATABASE_URL"] == ""  # a URL in .env must not send this variant to PostgreSQL
    [data] = IMAGE.volumes
    assert os.path.dirname(env["BOT_DB_PATH"]) == data and mounts(bot)[data] in compose["volumes"]
    assert "replicas" not in bot.get("deploy", {})  # TinyDB: one process per volume
