"""Slash commands and buttons as discord.py objects: a command from a CommandSpec, the persistent button, a
Reply's buttons as a View. Built with discord.py's public API only (describe, rename, autocomplete)."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, Self, runtime_checkable

import discord
from discord import app_commands

from adapters.discord_render import CUSTOM_ID_TEMPLATE, CommandSpec, button_grid, dropped_buttons
from bot.models import Reply

logger = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
CommandCallback = Callable[[Interaction, CommandSpec, dict[str, str | None]], Coroutine[Any, Any, None]]
Autocomplete = Callable[[Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]
AutocompleteFor = Callable[[str, str], Autocomplete]  # (command, option) -> the option's autocomplete


@runtime_checkable
class ButtonPresses(Protocol):
    """The client that receives button presses (adapters.discord_adapter.ClearBackClient)."""

    async def button_pressed(self, interaction: Interaction, custom_id: str) -> None: ...


class PayloadButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=CUSTOM_ID_TEMPLATE):
    """A button whose custom_id carries its owner and payload ("cb:<owner>:<payload>").

    Registered once per client with `add_dynamic_items`, so a press on any message ever sent — also
    before a restart — is dispatched here from the custom_id alone.
    """

    def __init__(self, custom_id: str, label: str = "…", *, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(label=label, custom_id=custom_id, style=discord.ButtonStyle.secondary),
            row=row,
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        label = item.label if isinstance(item, discord.ui.Button) and item.label else "…"
        return cls(match.string, label)

    async def callback(self, interaction: Interaction) -> None:
        client = interaction.client
        if isinstance(client, ButtonPresses):
            await client.button_pressed(interaction, self.custom_id)


def slash_command(
    spec: CommandSpec, on_command: CommandCallback, autocomplete_for: AutocompleteFor | None
) -> app_commands.Command[Any, ..., None]:
    """A slash command with one typed string parameter per option (o0, o1, … renamed to the spec's)."""
    keys = [f"o{index}" for index in range(len(spec.options))]
    pairs = list(zip(keys, spec.options, strict=True))

    async def callback(interaction: Interaction, **values: str | None) -> None:
        named = {option.name: values.get(key) for key, option in pairs}
        await on_command(interaction, spec, named)

    parameters = [
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)
    ]
    for key, option in pairs:
        parameters.append(
            inspect.Parameter(
                key,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=str if option.required else str | None,
                default=inspect.Parameter.empty if option.required else None,
            )
        )
    setattr(callback, "__signature__", inspect.Signature(parameters))  # noqa: B010  (what discord.py reads)
    app_commands.describe(**{key: option.description for key, option in pairs})(callback)
    app_commands.rename(**{key: option.name for key, option in pairs})(callback)
    if autocomplete_for is not None:
        suggest = {key: autocomplete_for(spec.name, option.name) for key, option in pairs if option.autocomplete}
        app_commands.autocomplete(**suggest)(callback)
    return app_commands.Command(
        name=spec.name,
        description=spec.description,
        callback=callback,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )


def reply_view(reply: Reply, owner: str | None) -> discord.ui.View | None:
    """Reply.buttons as a View. It is only a rendering: presses are dispatched by PayloadButton's template,
    so the view is stopped at once and discord.py neither stores nor times it out."""
    specs = button_grid(reply, owner)
    if not specs:
        return None
    dropped = dropped_buttons(reply)
    if dropped:
        logger.warning("Discord: %d buttons do not fit a message and were left out", dropped)
    view = discord.ui.View(timeout=None)
    for spec in specs:
        view.add_item(PayloadButton(spec.custom_id, spec.label, row=spec.row))
    view.stop()
    return view
