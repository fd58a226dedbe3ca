# ClearBack in a container: `docker build -t clearback .`, then see compose.yaml (with PostgreSQL) or
# compose.tinydb.yaml (TinyDB on a volume). README, "Running in production".
#
# Two stages: the first builds the wheel (the same `pip install .` an operator would run); the second installs it
# with its dependencies and holds no source tree, no build tools and no pip cache.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md run_bot.py ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
# The progress charts need matplotlib (the `charts` extra, ~100 MB); build with --build-arg EXTRAS= to leave it
# out: /progress then gives its numbers and says the chart needs the extra.
ARG EXTRAS=charts
COPY --from=build /wheels /wheels
# The wheel by its file name, so no other "clearback" on an index can ever be picked instead.
RUN wheel="$(ls /wheels/clearback-*.whl)" \
    && pip install --no-cache-dir "${wheel}${EXTRAS:+[$EXTRAS]}" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin clearback \
    && mkdir -p /data /app \
    && chown clearback:clearback /data \
    && chmod 0700 /data
# Settings come from the environment (compose's env_file, `docker run --env-file`); .env is read from the working
# directory, an empty /app here. Tokens are never baked into the image.
ENV BOT_DB_PATH=/data/clearback.json \
    BOT_HTTP_HOST=0.0.0.0 \
    BOT_HTTP_PORT=8080 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
USER clearback
# TinyDB's snapshot, journals and history (and the console's exports) live here: keep it on a volume.
VOLUME ["/data"]
# 8080: /healthz and /metrics. A Telegram webhook also needs TELEGRAM_WEBHOOK_LISTEN=0.0.0.0 and its port (8443).
EXPOSE 8080
# 200 from /healthz: the store takes writes and every configured platform is connected (urllib: no curl here).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["clearback", "healthcheck"]
# SIGTERM (docker stop) finishes in-flight sends and exits within 10 s.
STOPSIGNAL SIGTERM
# `docker run IMAGE backup /data/backups/` etc. run the other subcommands.
ENTRYPOINT ["clearback"]
CMD []
