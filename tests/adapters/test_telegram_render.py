"""Pure translation tests: real Bot API JSON -> IncomingMessage, Reply -> send/edit kwargs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode

from adapters.telegram_render import (
    MAX_CAPTION_LENGTH,
    MAX_MESSAGE_LENGTH,
    escape,
    incoming_from_json,
    render_attachment,
    render_keyboard,
    render_reply,
    split_message,
    strip_bot_mention,
)
from adapters.text import utf16_len
from bot.models import Address, Attachment, Button, Identity, IncomingMessage, Reply

BOT_ID = 7_123_456_789
BOT = "ClearBackBot"

# Shapes copied from real getUpdates responses (ids and names changed).
PRIVATE_MESSAGE: dict[str, Any] = {
    "update_id": 483920117,
    "message": {
        "message_id": 311,
        "from": {
            "id": 5829104452,
            "is_bot": False,
            "first_name": "Dana",
            "last_name": "K",
            "username": "dana_k",
            "language_code": "en",
        },
        "chat": {"id": 5829104452, "first_name": "Dana", "last_name": "K", "username": "dana_k", "type": "private"},
        "date": 1732540800,
        "text": "/remind stretch in 2h",
        "entities": [{"offset": 0, "length": 7, "type": "bot_command"}],
    },
}

GROUP_COMMAND: dict[str, Any] = {
    "update_id": 483920118,
    "message": {
        "message_id": 1204,
        "from": {"id": 5829104452, "is_bot": False, "first_name": "Dana", "username": "dana_k", "language_code": "en"},
        "chat": {"id": -1001874561230, "title": "Back care club", "type": "supergroup"},
        "date": 1732540860,
        "text": "/remind@ClearBackBot stretch at 21:00",
        "entities": [{"offset": 0, "length": 20, "type": "bot_command"}],
    },
}

CALLBACK_QUERY: dict[str, Any] = {
    "update_id": 483920119,
    "callback_query": {
        "id": "2503772218830412655",
        "from": {"id": 5829104452, "is_bot": False, "first_name": "Dana", "username": "dana_k", "language_code": "en"},
        "message": {
            "message_id": 312,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "ClearBack", "username": BOT},
            "chat": {"id": 5829104452, "first_name": "Dana", "username": "dana_k", "type": "private"},
            "date": 1732544400,
            "edit_date": 1732544410,
            "text": "Time for: stretch",
            "reply_markup": {
                "inline_keyboard": [
                    [
                        {"text": "Done", "callback_data": "r:done:17"},
                        {"text": "Snooze", "callback_data": "r:snooze:17"},
                        {"text": "Skip", "callback_data": "r:skip:17"},
                    ]
                ]
            },
        },
        "chat_instance": "-7391120445188745231",
        "data": "r:done:17",
    },
}

DANA = Identity("telegram", "5829104452")
DANA_CHAT = Address("telegram", "5829104452")
GROUP = Address("telegram", "-1001874561230")


def incoming(data: dict[str, Any]) -> IncomingMessage | None:
    return incoming_from_json(data, bot_username=BOT, bot_id=BOT_ID)


def with_message(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, "message": {**base["message"], **changes}}


# ---- inbound -------------------------------------------------------------------------------------


def test_private_message_becomes_incoming_message() -> None:
    assert incoming(PRIVATE_MESSAGE) == IncomingMessage(
        identity=DANA, address=DANA_CHAT, text="/remind stretch in 2h", is_private=True
    )


def test_private_command_with_bot_mention_is_stripped() -> None:
    data = with_message(PRIVATE_MESSAGE, text="/remind@ClearBackBot x")
    result = incoming(data)
    assert result is not None and result.text == "/remind x"


def test_group_command_for_this_bot() -> None:
    assert incoming(GROUP_COMMAND) == IncomingMessage(
        identity=DANA, address=GROUP, text="/remind stretch at 21:00", is_private=False
    )


def test_group_command_mention_is_case_insensitive() -> None:
    result = incoming(with_message(GROUP_COMMAND, text="/stats@clearbackbot"))
    assert result is not None and result.text == "/stats"


@pytest.mark.parametrize(
    "text",
    ["/remind stretch", "/remind@OtherBot stretch", "good morning everyone", "/remindClearBackBot"],
)
def test_group_messages_not_addressed_to_the_bot_are_ignored(text: str) -> None:
    assert incoming(with_message(GROUP_COMMAND, text=text)) is None


def test_group_reply_to_the_bot_is_handled() -> None:
    bot_message = {
        "message_id": 1203,
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "ClearBack", "username": BOT},
        "chat": GROUP_COMMAND["message"]["chat"],
        "date": 1732540800,
        "text": "Which area?",
    }
    data = with_message(GROUP_COMMAND, text="upper back", reply_to_message=bot_message)
    data["message"].pop("entities")
    result = incoming(data)
    assert result == IncomingMessage(identity=DANA, address=GROUP, text="upper back", is_private=False)


def test_group_reply_to_someone_else_is_ignored() -> None:
    other = {
        "message_id": 1202,
        "from": {"id": 111, "is_bot": False, "first_name": "Sam"},
        "chat": GROUP_COMMAND["message"]["chat"],
        "date": 1732540800,
        "text": "hi",
    }
    data = with_message(GROUP_COMMAND, text="hello", reply_to_message=other)
    assert incoming(data) is None


def test_private_command_for_another_bot_is_ignored() -> None:
    assert incoming(with_message(PRIVATE_MESSAGE, text="/start@SomeOtherBot")) is None


def test_messages_from_bots_and_channel_posts_are_ignored() -> None:
    from_bot = with_message(PRIVATE_MESSAGE, **{"from": {"id": 99, "is_bot": True, "first_name": "B"}})
    assert incoming(from_bot) is None
    channel_post = {
        "update_id": 1,
        "channel_post": {
            "message_id": 5,
            "sender_chat": {"id": -1002, "title": "News", "type": "channel"},
            "chat": {"id": -1002, "title": "News", "type": "channel"},
            "date": 1732540800,
            "text": "/start@ClearBackBot",
        },
    }
    assert incoming(channel_post) is None
    edited = {"update_id": 2, "edited_message": PRIVATE_MESSAGE["message"]}
    assert incoming(edited) is None


def test_photo_caption_is_the_text() -> None:
    data = with_message(PRIVATE_MESSAGE, caption="week 3 progress")
    data["message"].pop("text")
    data["message"].pop("entities")
    data["message"]["photo"] = [{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 90, "height": 67}]
    result = incoming(data)
    assert result is not None and result.text == "week 3 progress"


def test_callback_query_becomes_button_press() -> None:
    assert incoming(CALLBACK_QUERY) == IncomingMessage(
        identity=DANA, address=DANA_CHAT, button="r:done:17", is_private=True, message_ref="312"
    )


def test_callback_query_in_group_is_not_private() -> None:
    data = {
        **CALLBACK_QUERY,
        "callback_query": {
            **CALLBACK_QUERY["callback_query"],
            "message": {**CALLBACK_QUERY["callback_query"]["message"], "chat": GROUP_COMMAND["message"]["chat"]},
        },
    }
    result = incoming(data)
    assert result is not None
    assert result.address == GROUP and not result.is_private and result.message_ref == "312"


def test_inline_mode_callback_without_message_is_ignored() -> None:
    query = dict(CALLBACK_QUERY["callback_query"])
    query.pop("message")
    query["inline_message_id"] = "AAAAA"
    assert incoming({"update_id": 5, "callback_query": query}) is None


def test_strip_bot_mention() -> None:
    assert strip_bot_mention("/remind@MyBot x", "MyBot") == "/remind x"
    assert strip_bot_mention("/remind@MyBot", "mybot") == "/remind"
    assert strip_bot_mention("/remind x", "MyBot") == "/remind x"
    assert strip_bot_mention("/remind@Other x", "MyBot") is None
    assert strip_bot_mention("email me@MyBot", "MyBot") == "email me@MyBot"


# ---- outbound ------------------------------------------------------------------------------------


def test_user_text_is_html_escaped() -> None:
    (kwargs,) = render_reply(Reply("Saved: <b>bold</b> *star* _under_ & co"))
    assert kwargs["text"] == "Saved: &lt;b&gt;bold&lt;/b&gt; *star* _under_ &amp; co"
    assert kwargs["parse_mode"] == ParseMode.HTML
    assert kwargs["reply_markup"] is None


def test_escape_leaves_markdown_characters_alone() -> None:
    # HTML mode: * _ ` [ ] are plain characters and need no escaping.
    assert escape("*_`[x](y)") == "*_`[x](y)"
    assert escape("a < b > c & d") == "a &lt; b &gt; c &amp; d"


def test_keyboard_layout_and_payloads() -> None:
    reply = Reply(
        "Time for: stretch",
        buttons=(
            (Button("Done", "r:done:17"), Button("Snooze", "r:snooze:17")),
            (),
            (Button("Skip", "r:skip:17"),),
        ),
    )
    (kwargs,) = render_reply(reply)
    markup = kwargs["reply_markup"]
    assert isinstance(markup, InlineKeyboardMarkup)
    assert markup.to_dict() == {
        "inline_keyboard": [
            [{"text": "Done", "callback_data": "r:done:17"}, {"text": "Snooze", "callback_data": "r:snooze:17"}],
            [{"text": "Skip", "callback_data": "r:skip:17"}],
        ]
    }


def test_button_labels_are_not_escaped() -> None:
    # Button labels are never parsed as HTML by Telegram: they must go out verbatim.
    markup = render_keyboard(((Button("Tom & Jerry <3", "x"),),))
    assert markup is not None
    assert markup.inline_keyboard[0][0].text == "Tom & Jerry <3"


def test_no_buttons_no_keyboard() -> None:
    assert render_keyboard(()) is None
    assert render_keyboard(((),)) is None


def test_long_text_splits_on_line_boundaries_and_only_last_chunk_has_keyboard() -> None:
    line = "x" * 99  # 100 with the newline
    text = "\n".join([line] * 100)  # 9999 characters
    reply = Reply(text, buttons=((Button("OK", "ok"),),))
    parts = render_reply(reply)
    assert len(parts) == 3
    assert all(utf16_len(part["text"]) <= MAX_MESSAGE_LENGTH for part in parts)
    assert [part["reply_markup"] is None for part in parts] == [True, True, False]
    assert all(line_ == line for part in parts for line_ in part["text"].split("\n"))
    assert "\n".join(part["text"] for part in parts) == text


def test_split_counts_escaped_text_by_visible_length() -> None:
    # 4096 visible "&" characters become 20480 characters of HTML but still fit one message.
    parts = render_reply(Reply("&" * MAX_MESSAGE_LENGTH))
    assert len(parts) == 1
    assert parts[0]["text"] == "&amp;" * MAX_MESSAGE_LENGTH


def test_split_long_line_prefers_spaces_and_keeps_surrogate_pairs() -> None:
    words = " ".join(["word"] * 2000)  # one 9999-character line
    chunks = split_message(words)
    assert all(utf16_len(chunk) <= MAX_MESSAGE_LENGTH for chunk in chunks)
    assert all(chunk.endswith(" ") for chunk in chunks[:-1])
    assert "".join(chunks) == words
    emoji = "😀" * 3000  # 6000 UTF-16 units, no spaces
    chunks = split_message(emoji)
    assert [utf16_len(chunk) for chunk in chunks] == [4096, 1904]
    assert "".join(chunks) == emoji


def _no_space(text: str) -> str:
    return re.sub(r"\s", "", text)


@given(st.text(alphabet="ab <&\n😀", max_size=400), st.integers(min_value=2, max_value=60))
def test_split_property_nothing_lost_and_all_chunks_fit(text: str, limit: int) -> None:
    chunks = split_message(text, limit)
    assert chunks
    assert all(utf16_len(chunk) <= limit for chunk in chunks) or chunks == [text]
    assert _no_space("".join(chunks)) == _no_space(text)


@given(st.lists(st.text(alphabet="abc&<😀", min_size=1, max_size=20), max_size=40), st.integers(40, 80))
def test_split_property_short_lines_split_only_at_newlines(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    assert "\n".join(split_message(text, limit)) == text


def test_photo_attachment_with_short_caption() -> None:
    reply = Reply(
        "Week 3 <progress>",
        attachment=Attachment("chart.png", b"\x89PNG...", "image/png"),
        buttons=((Button("More", "m"),),),
    )
    plan = render_attachment(reply)
    assert plan.method == "photo" and plan.leading_texts == ()
    kwargs = plan.file_kwargs()
    assert kwargs["photo"] == b"\x89PNG..."
    assert kwargs["filename"] == "chart.png"
    assert kwargs["caption"] == "Week 3 &lt;progress&gt;"
    assert kwargs["parse_mode"] == ParseMode.HTML
    assert isinstance(kwargs["reply_markup"], InlineKeyboardMarkup)


def test_document_attachment_with_long_text_sends_text_first() -> None:
    text = "a" * (MAX_CAPTION_LENGTH + 1)
    plan = render_attachment(Reply(text, attachment=Attachment("export.csv", b"a,b\n", "text/csv")))
    assert plan.method == "document"
    assert plan.caption is None
    assert [part["text"] for part in plan.leading_texts] == [text]
    kwargs = plan.file_kwargs()
    assert kwargs["document"] == b"a,b\n" and "caption" not in kwargs


def test_attachment_without_text_has_no_caption() -> None:
    plan = render_attachment(Reply("", attachment=Attachment("x.pdf", b"%PDF", "application/pdf")))
    assert plan.caption is None and plan.leading_texts == ()
    with pytest.raises(ValueError):
        render_attachment(Reply("no file"))
