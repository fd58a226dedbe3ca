"""What a handler needs to answer one message: who asked, their account, the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot.faq import FaqIndex
from bot.guide import Guide, default_guide
from bot.models import IncomingMessage
from bot.regimen import Regimen, RegimenError
from storage.records import Account, IdentityRecord, Reminder


@dataclass
class Context:
    msg: IncomingMessage
    regimen: Regimen
    faq: FaqIndex
    guide: Guide = field(default_factory=default_guide)
    _account: Account | None = field(default=None, init=False)
    _record: IdentityRecord | None = field(default=None, init=False)
    _record_read: bool = field(default=False, init=False)  # _record is the stored identity, read for this message

    @property
    def now(self) -> datetime:
        return self.regimen.now()

    def account(self) -> Account | None:
        if self._account is None and not self._record_read:
            self._account = self.regimen.account_for(self.msg.identity)
        return self._account

    def identity_read(self, record: IdentityRecord | None, account: Account | None) -> None:
        """The identity's record and its account as just read for this message: account() needs no read."""
        self._record, self._account, self._record_read = record, account, True

    def ensure_account(self) -> Account:
        if self._account is None:
            self._account = self.regimen.ensure_account(self.msg.identity)
        return self._account

    def refresh(self, account: Account) -> Account:
        self._account = account
        return account

    @property
    def tz(self) -> tzinfo:
        return self.regimen.tz(self.account())

    def account_timezone_name(self) -> str:
        account = self.account()
        return account.timezone if account else self.regimen.default_timezone

    def reminder_arg(self, raw: str, command: str, reminders: list[Reminder] | None = None) -> Reminder:
        """Resolve 'N' to one of this person's reminders; anybody else's are simply not found. `reminders`:
        theirs as just read for this message, when the caller has them."""
        token = raw.strip().split(maxsplit=1)[0] if raw.strip() else ""
        token = token.lstrip("#")
        # isdecimal, not isdigit: "¹" is a digit that int() cannot read; "٣" (Arabic-Indic 3) it can.
        if not token.isdecimal() or len(token) > 6:
            raise RegimenError(
                f"Which reminder? Give its number from /reminders, for example: /{command} 1"
                + (f' ("{clip(token)}" is not a number.)' if token else "")
            )
        account = self.account()
        if account is None:
            reminder = None
        elif reminders is None:
            reminder = self.regimen.reminder_by_number(account, int(token))
        else:
            reminder = next((r for r in reminders if r.number == int(token)), None)
        if reminder is None:
            raise RegimenError(f"You have no reminder {int(token)}. See your reminders with /reminders.")
        return reminder


def clip(text: str, limit: int = 40) -> str:
    """Quote user input back safely: printable and short."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
