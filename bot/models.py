"""The core's own message types. Adapters translate platform events into these and back.

Everything here is platform-neutral: no telegram or discord type ever appears in bot/ or storage/.
Reply text is plain text; adapters escape it for their platform, so user input can never inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONSOLE = "console"
TELEGRAM = "telegram"
DISCORD = "discord"
PLATFORMS = (CONSOLE, TELEGRAM, DISCORD)

# Telegram's callback_data limit; Discord's custom_id allows 100, so 64 fits both.
MAX_PAYLOAD_BYTES = 64


@dataclass(frozen=True, slots=True)
class Identity:
    """A person on one platform. Data belongs to an account, never to an identity directly."""

    platform: str
    user_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Address:
    """Where a message goes: a chat on a platform (a DM, a group, a channel)."""

    platform: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class Button:
    """A button the user can press; `payload` comes back as IncomingMessage.button."""

    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload longer than {MAX_PAYLOAD_BYTES} bytes")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply: a chart (image) or an export (document)."""

    filename: str
    data: bytes = field(repr=False)
    mime_type: str

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One thing a person did: typed text, or pressed a button (then `button` holds its payload)."""

    identity: Identity
    address: Address
    text: str = ""
    button: str | None = None
    is_private: bool = True
    # Opaque platform id of the message that carried the pressed button, for edits.
    message_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """One message the bot sends.

    `edit` replaces the message whose button was pressed; `edit_ref` replaces an earlier message
    (by its platform id) at `address`. `address` None means: answer in the chat the message came from.
    `private` marks personal data: adapters keep it out of shared channels (ephemeral on Discord, a
    private chat on Telegram).
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    edit: bool = False
    address: Address | None = None
    edit_ref: str | None = None
    private: bool = True
    # Names one delivery (reminder_message: an occurrence's n-th delivery): retries of it share the key, so an
    # adapter can let the platform drop a repeat (Discord's message nonce). None: no such identity.
    dedupe_key: str | None = None
    # A reminder message names the occurrence it shows (and only a reminder message does): adapters and tests
    # tell reminders from other messages by this, never by their wording.
    occurrence_id: str | None = None

    def button_payloads(self) -> list[str]:
        return [button.payload for row in self.buttons for button in row]
