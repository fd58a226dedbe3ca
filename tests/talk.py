"""Talking to the bot as a person, for every test module: `say()` and `account_id()`, one copy of each.

`who` is the person, console:u1 unless a test says otherwise. A module about a person of its own binds them
once, `say = partial(talk.say, who=USER)`, and still names anybody else with `who=`. `user=` and `platform=`
name a person by their parts instead (`say(app, "/help", user="u2")` is console:u2), as conftest's tests do.
"""

from __future__ import annotations

from bot.app import App
from bot.models import Address, Identity, IncomingMessage, Reply

PLATFORM = "console"
USER = Identity(PLATFORM, "u1")


async def say(
    app: App,
    text: str = "",
    button: str | None = None,
    who: Identity = USER,
    *,
    user: str | None = None,
    platform: str | None = None,
    private: bool = True,
) -> list[Reply]:
    """What `who` gets back for typing `text` (or pressing the button with payload `button`) in their own chat."""
    if user is not None or platform is not None:
        who = Identity(who.platform if platform is None else platform, who.user_id if user is None else user)
    message = IncomingMessage(who, Address(who.platform, who.user_id), text=text, button=button, is_private=private)
    return await app.handle(message)


def account_id(app: App, who: Identity = USER) -> str:
    """The id of the account `who` has (they must have one by now)."""
    account = app.regimen.account_for(who)
    assert account is not None
    return account.id
