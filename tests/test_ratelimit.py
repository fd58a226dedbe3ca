from __future__ import annotations

from bot.ratelimit import Pacer, RateLimits


class ManualTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_global_rate_spaces_sends_across_chats() -> None:
    clock = ManualTime()
    pacer = Pacer(RateLimits(per_second=30, per_chat_interval=1.0), monotonic=clock)
    waits = [pacer.reserve(f"chat{i}") for i in range(60)]
    assert waits[0] == 0
    assert abs(waits[-1] - 59 / 30) < 1e-9  # 60 messages take two seconds at 30 a second


def test_per_chat_gap_is_kept_while_other_chats_go_ahead() -> None:
    clock = ManualTime()
    pacer = Pacer(RateLimits(per_second=30, per_chat_interval=1.0), monotonic=clock)
    assert pacer.reserve("alice") == 0
    assert abs(pacer.reserve("alice") - 1.0) < 1e-9
    bob = pacer.reserve("bob")
    assert bob < 0.1  # not held up behind alice's second message


def test_push_back_holds_every_send_for_retry_after() -> None:
    clock = ManualTime()
    pacer = Pacer(RateLimits(per_second=30, per_chat_interval=0.0), monotonic=clock)
    pacer.push_back(5.0)
    assert pacer.reserve("x") == 5.0
    clock.now += 10
    assert pacer.reserve("y") == 0
