"""Pure translation between Telegram's types and the core's: no I/O, no bot, no event loop.

Inbound: an Update (or its raw JSON) becomes an IncomingMessage, or None when the bot should stay quiet
(other bots' commands in groups, group chatter not addressed to us, channel posts, edits).
Outbound: a Reply becomes keyword arguments for send_message / edit_message_text / send_photo /
send_document. Reply text is plain text, so every piece of it is HTML-escaped here and sent with
ParseMode.HTML: nothing a user typed can ever turn into markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode

from adapters.text import split_text, utf16_len
from bot.models import TELEGRAM, Address, Button, Identity, IncomingMessage, Reply

# Telegram's limits, counted in UTF-16 code units of the text after entity parsing.
MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

GROUP_CHAT_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})

# "/cmd", "/cmd@SomeBot" at the very start of a message; the rest is the command's argument text.
_COMMAND_RE = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,64})(?:@(?P<mention>[A-Za-z0-9_]{1,64}))?(?=\s|$)")


class TextKwargs(TypedDict):
    """Keyword arguments for Bot.send_message / Bot.edit_message_text (besides chat and message id)."""

    text: str
    parse_mode: str
    reply_markup: InlineKeyboardMarkup | None


@dataclass(frozen=True, slots=True)
class AttachmentPlan:
    """How to send a Reply with an attachment: optional text messages first, then the file."""

    leading_texts: tuple[TextKwargs, ...]
    method: Literal["photo", "document"]
    filename: str
    data: bytes
    caption: str | None
    reply_markup: InlineKeyboardMarkup | None

    def file_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for send_photo / send_document, without chat_id."""
        file_key = "photo" if self.method == "photo" else "document"
        kwargs: dict[str, Any] = {
            file_key: self.data,
            "filename": self.filename,
            "reply_markup": self.reply_markup,
        }
        if self.caption is not None:
            kwargs["caption"] = self.caption
            kwargs["parse_mode"] = ParseMode.HTML
        return kwargs


# --------------------------------------------------------------------------------------------------
# Inbound
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str
    mention: str | None
    rest: str  # everything after "/name[@mention]", including the leading whitespace


def parse_command(text: str) -> ParsedCommand | None:
    match = _COMMAND_RE.match(text)
    if match is None:
        return None
    return ParsedCommand(name=match["name"], mention=match["mention"], rest=text[match.end() :])


def strip_bot_mention(text: str, bot_username: str) -> str | None:
    """`/remind@MyBot x` -> `/remind x`. None when the command names another bot."""
    command = parse_command(text)
    if command is None or command.mention is None:
        return text
    if command.mention.casefold() != bot_username.casefold():
        return None
    return f"/{command.name}{command.rest}"


def _is_reply_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


def incoming_from_message(message: Message, *, bot_username: str, bot_id: int) -> IncomingMessage | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    chat = message.chat
    is_private = chat.type == ChatType.PRIVATE
    if not is_private and chat.type not in GROUP_CHAT_TYPES:
        return None  # channels and anything new: not ours to answer
    raw_text = message.text or message.caption or ""
    text = strip_bot_mention(raw_text, bot_username)
    if text is None:
        return None  # a command for some other bot
    if not is_private:
        command = parse_command(raw_text)
        addressed = command is not None and command.mention is not None
        if not addressed and not _is_reply_to_bot(message, bot_id):
            return None
    return IncomingMessage(
        identity=Identity(TELEGRAM, str(user.id)),
        address=Address(TELEGRAM, str(chat.id)),
        text=text,
        is_private=is_private,
    )


def incoming_from_callback(query: CallbackQuery) -> IncomingMessage | None:
    """A button press; None for presses we cannot route (inline-mode messages, no payload)."""
    message = query.message
    if message is None or query.data is None:
        return None
    chat = message.chat
    return IncomingMessage(
        identity=Identity(TELEGRAM, str(query.from_user.id)),
        address=Address(TELEGRAM, str(chat.id)),
        button=query.data,
        is_private=chat.type == ChatType.PRIVATE,
        message_ref=str(message.message_id),
    )


def incoming_from_update(update: Update, *, bot_username: str, bot_id: int) -> IncomingMessage | None:
    if update.callback_query is not None:
        return incoming_from_callback(update.callback_query)
    if update.message is not None:
        return incoming_from_message(update.message, bot_username=bot_username, bot_id=bot_id)
    return None  # edited messages, channel posts, member updates...


def incoming_from_json(data: dict[str, Any], *, bot_username: str, bot_id: int) -> IncomingMessage | None:
    return incoming_from_update(Update.de_json(data, None), bot_username=bot_username, bot_id=bot_id)


# --------------------------------------------------------------------------------------------------
# Outbound
# --------------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Plain text -> Telegram HTML: only <, > and & are special."""
    return html.escape(text, quote=False)


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Plain text as Telegram messages (adapters.text.split_text): a cut at a space keeps the space, and the
    text is escaped after cutting, since the limit counts the text after entity parsing."""
    return split_text(text, limit)


def render_keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(button.label, callback_data=button.payload) for button in row]
        for row in buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def render_text(text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> list[TextKwargs]:
    """Plain text (+ buttons) -> one kwargs dict per message; only the last carries the keyboard."""
    chunks = split_message(text)
    keyboard = render_keyboard(buttons)
    return [
        TextKwargs(
            text=escape(chunk),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard if index == len(chunks) - 1 else None,
        )
        for index, chunk in enumerate(chunks)
    ]


def render_reply(reply: Reply) -> list[TextKwargs]:
    """A text Reply -> kwargs for send_message (or edit_message_text for the first)."""
    return render_text(reply.text, reply.buttons)


def render_attachment(reply: Reply) -> AttachmentPlan:
    """A Reply with an attachment: caption = text when it fits, otherwise the text goes first."""
    attachment = reply.attachment
    if attachment is None:
        raise ValueError("reply has no attachment")
    leading: tuple[TextKwargs, ...] = ()
    caption: str | None = None
    if reply.text and utf16_len(reply.text) <= MAX_CAPTION_LENGTH:
        caption = escape(reply.text)
    elif reply.text:
        leading = tuple(render_text(reply.text))
    return AttachmentPlan(
        leading_texts=leading,
        method="photo" if attachment.is_image else "document",
        filename=attachment.filename,
        data=attachment.data,
        caption=caption,
        reply_markup=render_keyboard(reply.buttons),
    )
