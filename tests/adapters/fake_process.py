"""A fake platform server in a process of its own, for the delivery benchmark.

In the bot's process a fake shares the event loop with the bot: it notes a request's arrival only when
the loop gets round to it, so arrival times bunch whenever the bot is busy (and the bot slows down
whenever the fake is). In its own process it sees requests when they really arrive.

    python -m tests.adapters.fake_process telegram --enforce --users 7000000 10000
    python -m tests.adapters.fake_process discord --global-limit 50 --users 7000000 10000

prints one JSON line with its URLs and token, serves until its standard input closes, then prints every
request it recorded as one JSON line: [method, target, status, arrival time], target being the chat id
(Telegram) or the path (Discord), the time `time.monotonic()`, the same clock in every process of a machine.
`running_in_child` does all of that from the benchmark's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.fake_telegram import FakeTelegram


@dataclass(frozen=True, slots=True)
class Arrival:
    method: str
    target: str
    status: int
    at: float


@dataclass
class ChildFake:
    """The benchmark's handle on a fake running in a child process."""

    info: dict[str, Any]
    process: asyncio.subprocess.Process
    arrivals: list[Arrival] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return str(self.info["base_url"])

    @property
    def token(self) -> str:
        return str(self.info["token"])

    async def stop(self) -> list[Arrival]:
        """End the child (close its input) and collect what it recorded."""
        assert self.process.stdin is not None and self.process.stdout is not None
        if not self.process.stdin.is_closing():
            self.process.stdin.close()
        output = await asyncio.wait_for(self.process.stdout.read(), timeout=60)
        await self.process.wait()
        lines = output.decode().strip().splitlines()
        if self.process.returncode != 0 or not lines:
            raise RuntimeError(f"the fake ended with code {self.process.returncode}")
        self.arrivals = [Arrival(str(m), str(t), int(s), float(a)) for m, t, s, a in json.loads(lines[-1])]
        return self.arrivals


@contextlib.asynccontextmanager
async def running_in_child(platform: str, *options: str) -> AsyncIterator[ChildFake]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.adapters.fake_process",
        platform,
        *options,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        if not line:
            raise RuntimeError(f"the fake {platform} did not start")
        child = ChildFake(json.loads(line), process)
        yield child
        if process.returncode is None:
            await child.stop()
    finally:
        if process.returncode is None:  # failed half-way: do not leave the child behind
            process.kill()
            await process.wait()


async def serve(args: argparse.Namespace) -> None:
    users = range(args.users[0], args.users[0] + args.users[1]) if args.users else range(0)
    arrivals: list[tuple[str, str, int, float]]
    if args.platform == "telegram":
        telegram = FakeTelegram(enforce_limits=args.enforce)
        await telegram.start()
        for user in users:
            telegram.open_private_chat(user)
        info = {"base_url": telegram.base_url, "token": telegram.token}
        close = telegram.close
    else:
        discord = FakeDiscord(global_limit=args.global_limit)
        await discord.start()
        for user in users:
            discord.user(f"user{user}", user_id=user)
        info = {"base_url": discord.base_url, "gateway_url": discord.gateway_url, "token": discord.token}
        close = discord.close
    print(json.dumps(info), flush=True)
    await asyncio.to_thread(sys.stdin.buffer.read)  # until the benchmark closes our input
    if args.platform == "telegram":
        arrivals = [(c.method, str(c.chat_id), c.status, c.at) for c in telegram.calls]
    else:
        arrivals = [(c.method, c.path, c.status, c.at) for c in discord.calls]
    await close()
    print(json.dumps(arrivals), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("platform", choices=["telegram", "discord"])
    parser.add_argument("--enforce", action="store_true", help="Telegram: 30 messages/s overall, 1/s per chat")
    parser.add_argument("--global-limit", type=int, help="Discord: requests allowed within any second")
    parser.add_argument("--users", type=int, nargs=2, metavar=("FIRST_ID", "COUNT"), help="users who can be written to")
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
