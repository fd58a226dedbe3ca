"""adapters/stopping.py: the first signal stops gracefully and arms the watchdog, the second exits at once."""

from __future__ import annotations

import signal
import threading

from adapters.stopping import Stopper


def test_first_signal_stops_the_second_exits_at_once() -> None:
    stopped: list[bool] = []
    exits: list[int] = []
    stopper = Stopper(lambda: stopped.append(True), deadline=60, exit_now=exits.append)
    stopper.signalled(signal.SIGTERM)
    assert stopped == [True] and exits == []
    stopper.signalled(signal.SIGINT)
    assert exits == [128 + signal.SIGINT]
    stopper.disarm()


def test_the_watchdog_ends_a_stop_that_takes_too_long_and_disarm_cancels_it() -> None:
    ended = threading.Event()
    codes: list[int] = []

    def exit_now(code: int) -> None:
        codes.append(code)
        ended.set()

    Stopper(lambda: None, deadline=0.05, exit_now=exit_now).signalled(signal.SIGTERM)
    assert ended.wait(5) and codes == [0]

    calm: list[int] = []
    stopper = Stopper(lambda: None, deadline=0.05, exit_now=calm.append)
    stopper.signalled(signal.SIGTERM)
    stopper.disarm()
    assert not threading.Event().wait(0.15) and calm == []
