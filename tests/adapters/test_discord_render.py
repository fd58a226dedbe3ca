"""Pure translation for Discord: escaping, splitting, custom_ids, command specs."""

from __future__ import annotations

import pytest

from adapters.discord_render import (
    MAX_CUSTOM_ID_CHARS,
    MAX_MESSAGE_CHARS,
    CommandSpec,
    OptionSpec,
    button_grid,
    choices,
    command_text,
    decode_custom_id,
    dropped_buttons,
    encode_custom_id,
    escape_text,
    specs_from_core,
    split_content,
)
from adapters.text import utf16_len
from bot.commands import COMMANDS
from bot.models import MAX_PAYLOAD_BYTES, Button, Reply

# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    ("plain", "escaped"),
    [
        ("*bold* _it_", r"\*bold\* \_it\_"),
        ("__under__ ~~strike~~ ||spoiler||", r"\_\_under\_\_ \~\~strike\~\~ \|\|spoiler\|\|"),
        ("`code` ```block```", r"\`code\` \`\`\`block\`\`\`"),
        ("> quote", r"\> quote"),
        ("# Heading", r"\# Heading"),
        ("-# subtext", r"\-# subtext"),
        ("- item", r"\- item"),
        ("  - indented item", r"  \- indented item"),
        ("1. first", r"1\. first"),
        ("[masked](https://example.com)", r"\[masked](https://example.com)"),
        ("a\\b", r"a\\b"),
        ("snake_case", r"snake\_case"),
        ("<@123> <@&456> <#789> <t:1700000000:R> <:e:1>", r"\<@123> \<@&456> \<#789> \<t:1700000000:R> \<:e:1>"),
        ("plain words 20:00, mon,thu", "plain words 20:00, mon,thu"),
    ],
)
def test_escape_text(plain: str, escaped: str) -> None:
    assert escape_text(plain) == escaped


def test_escape_leaves_links_clickable() -> None:
    assert escape_text("see https://example.com/a_b_c*d") == "see https://example.com/a_b_c*d"


def test_escape_keeps_lines() -> None:
    text = "line *one*\n> two\n\n- three"
    assert escape_text(text).count("\n") == text.count("\n")


# ---------------------------------------------------------------- splitting


def test_short_text_is_one_chunk() -> None:
    assert split_content("hello") == ["hello"]
    assert split_content("") == [""]


def test_split_on_line_boundaries() -> None:
    lines = [f"line {i:04d} " + "x" * 80 for i in range(60)]
    text = "\n".join(lines)
    chunks = split_content(text)
    assert len(chunks) > 1
    assert all(utf16_len(chunk) <= MAX_MESSAGE_CHARS for chunk in chunks)
    assert "\n".join(chunks) == text  # nothing lost, cut only where lines end
    assert all(chunk.startswith("line ") for chunk in chunks)


def test_exactly_the_limit_is_one_chunk() -> None:
    assert split_content("a" * MAX_MESSAGE_CHARS) == ["a" * MAX_MESSAGE_CHARS]
    assert len(split_content("a" * (MAX_MESSAGE_CHARS + 1))) == 2


def test_long_line_cut_between_words() -> None:
    text = " ".join(["word"] * 1000)  # 4999 characters on one line
    chunks = split_content(text)
    assert all(utf16_len(chunk) <= MAX_MESSAGE_CHARS for chunk in chunks)
    assert all(not chunk.startswith(" ") and not chunk.endswith(" ") for chunk in chunks)
    assert " ".join(chunks) == text


def test_long_line_never_separates_an_escape() -> None:
    text = escape_text("*" * 3000)  # "\*" pairs, 6000 characters, no spaces
    chunks = split_content(text)
    assert all(utf16_len(chunk) <= MAX_MESSAGE_CHARS for chunk in chunks)
    assert "".join(chunks) == text
    for chunk in chunks:
        assert chunk.startswith("\\*") and chunk.endswith("\\*")


def test_split_counts_emoji_as_two() -> None:
    text = "🙂" * 1500  # 1500 code points but 3000 UTF-16 units
    chunks = split_content(text)
    assert len(chunks) == 2
    assert all(utf16_len(chunk) <= MAX_MESSAGE_CHARS for chunk in chunks)
    assert "".join(chunks) == text


# ---------------------------------------------------------------- custom ids


def test_longest_payload_fits_custom_id() -> None:
    payload = "o:d:" + "x" * (MAX_PAYLOAD_BYTES - 4)
    owner = str(2**64 - 1)  # the largest snowflake: 20 digits
    custom_id = encode_custom_id(payload, owner)
    assert len(custom_id) <= MAX_CUSTOM_ID_CHARS
    assert decode_custom_id(custom_id) == (owner, payload)


def test_custom_id_round_trip_with_colons_and_no_owner() -> None:
    assert decode_custom_id(encode_custom_id("o:s15:abc@1700000000")) == (None, "o:s15:abc@1700000000")
    assert decode_custom_id(encode_custom_id("faq:laser", "42")) == ("42", "faq:laser")


@pytest.mark.parametrize("custom_id", ["", "cb:", "cb:12", "xx:1:p", "cb:abc:p", "cb:1:"])
def test_foreign_custom_ids_are_not_ours(custom_id: str) -> None:
    assert decode_custom_id(custom_id) is None


def test_encode_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        encode_custom_id("x" * (MAX_PAYLOAD_BYTES + 1))
    with pytest.raises(ValueError):
        encode_custom_id("")
    with pytest.raises(ValueError):
        encode_custom_id("p", "not-an-id")


def test_button_grid_wraps_rows_and_drops_what_does_not_fit() -> None:
    row = tuple(Button(f"B{i}", f"p{i}") for i in range(7))
    singles = [(Button("R", f"r{i}"),) for i in range(5)]
    reply = Reply("x", buttons=(row, (Button("Again", "p0"), Button("C", "q")), *singles))
    specs = button_grid(reply, "7")
    assert [spec.row for spec in specs[:7]] == [0, 0, 0, 0, 0, 1, 1]
    assert {spec.row for spec in specs} == {0, 1, 2, 3, 4}
    custom_ids = [spec.custom_id for spec in specs]
    assert len(custom_ids) == len(set(custom_ids))  # the repeated payload p0 was dropped
    assert all(custom_id.startswith("cb:7:") for custom_id in custom_ids)
    assert dropped_buttons(reply) == 3  # rows 6 and 7 of the 8 wrapped rows


def test_button_labels_are_cut_to_80() -> None:
    (spec,) = button_grid(Reply("x", buttons=((Button("L" * 100, "p"),),)), None)
    assert len(spec.label) == 80


# ---------------------------------------------------------------- commands


def test_command_text_in_option_order() -> None:
    spec = CommandSpec("snooze", "Snooze", (OptionSpec("number", "n"), OptionSpec("duration", "d", False)))
    assert command_text(spec, {"duration": "1h", "number": "2"}) == "/snooze 2 1h"
    assert command_text(spec, {"number": " 2 ", "duration": None}) == "/snooze 2"
    remind = CommandSpec("remind", "Remind", (OptionSpec("what", "w"), OptionSpec("when", "w")))
    assert command_text(remind, {"what": "apply  cream\n", "when": "in 2s"}) == "/remind apply cream in 2s"


@pytest.mark.parametrize(
    "build",
    [
        lambda: CommandSpec("Bad", "d"),
        lambda: CommandSpec("ok", ""),
        lambda: CommandSpec("ok", "d" * 101),
        lambda: CommandSpec("ok", "d", (OptionSpec("a", "d", False), OptionSpec("b", "d", True))),
        lambda: CommandSpec("ok", "d", (OptionSpec("a", "d"), OptionSpec("a", "d"))),
        lambda: CommandSpec("ok", "d", tuple(OptionSpec(f"o{i}", "d") for i in range(26))),
    ],
)
def test_command_spec_validation(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_specs_from_core_cover_every_command() -> None:
    specs = specs_from_core()
    assert [spec.name for spec in specs] == [command.name for command in COMMANDS]
    remind = next(spec for spec in specs if spec.name == "remind")
    assert [(o.name, o.required) for o in remind.options] == [("what", True), ("when", True)]
    timezone = next(spec for spec in specs if spec.name == "timezone")
    assert timezone.option("zone").autocomplete


def test_choices_respect_discord_limits() -> None:
    suggestions = [(f"name {i}", f"v{i}") for i in range(40)] + [("", "x"), ("n", "v" * 101)]
    result = choices([("", "x"), ("n", "v" * 101), *suggestions])
    assert len(result) == 25
    assert result[0] == ("name 0", "v0")
    assert choices([("n" * 150, "v")]) == [("n" * 100, "v")]
