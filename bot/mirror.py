"""When a reminder shown in several places is answered in one, the others show the answer too."""

from __future__ import annotations

from bot.models import Address, IncomingMessage, Reply
from storage.records import Occurrence


def mirror_answer(message: IncomingMessage, occurrence: Occurrence, text: str) -> list[Reply]:
    """Edits for every other message that showed this occurrence (their buttons go away)."""
    replies = []
    for delivery in occurrence.deliveries:
        if delivery.message_ref is None:
            continue
        pressed_here = (
            message.button is not None
            and delivery.platform == message.identity.platform
            and delivery.message_ref == message.message_ref
        )
        if not pressed_here:
            replies.append(
                Reply(text=text, address=Address(delivery.platform, delivery.chat_id), edit_ref=delivery.message_ref)
            )
    return replies
