"""adapters/link.py: the back-off's bounds, the reasons an operator reads, and the link's changes."""

from __future__ import annotations

import random
import socket

import httpx
import pytest

from adapters.link import CONNECTED, REJECTED, UNREACHABLE, Backoff, Link, reason_of, retry_line


def test_backoff_doubles_with_jitter_and_never_exceeds_its_cap() -> None:
    backoff = Backoff(first=5, cap=300, rng=random.Random(7))
    waits = [backoff.next() for _ in range(12)]
    steps = [min(300.0, 5 * 2.0**i) for i in range(12)]
    assert all(step / 2 <= wait <= step for wait, step in zip(waits, steps, strict=True))
    assert max(waits) <= 300 and waits[-1] >= 150  # capped at 5 minutes, never below half of it
    assert len({round(w, 6) for w in waits[6:]}) > 1  # jittered: the capped waits differ
    backoff.reset()
    assert backoff.next() <= 5


def test_backoff_refuses_a_cap_below_the_first_wait() -> None:
    with pytest.raises(ValueError):
        Backoff(first=10, cap=5)


def test_reasons_name_what_an_operator_can_act_on() -> None:
    assert reason_of(socket.gaierror(-3, "Temporary failure in name resolution")) == "name resolution failed"
    assert reason_of(httpx.ConnectError("[Errno 111] Connection refused")) == "connection refused"
    wrapped = RuntimeError("network error")
    wrapped.__cause__ = TimeoutError()
    assert reason_of(wrapped) == "timed out"
    assert reason_of(ValueError("something else")) == "ValueError"
    assert retry_line("Telegram", "name resolution failed", 20.2) == (
        "Telegram unreachable (name resolution failed); retrying in 20 s"
    )


def test_link_tells_listeners_of_changes_only_and_keeps_a_rejection() -> None:
    link = Link("telegram")
    seen: list[str] = []
    link.on_change(lambda changed: seen.append(changed.state))
    link.down("connection refused")
    link.down("connection refused")
    link.up()
    link.reject("TELEGRAM_TOKEN was rejected")
    link.up()  # a late success does not undo the verdict
    link.down("timed out")
    assert seen == [UNREACHABLE, CONNECTED, REJECTED]
    assert link.state == REJECTED and link.reason == "TELEGRAM_TOKEN was rejected"
