"""The treatment guide in the conversation: a question's answer, an honest decline, follow-ups and feedback.

Answers are general information (not private: fine in a shared channel) and create no record; a 👍 or 👎
adds one to the entry's count and stores nothing about who pressed it or what they had asked.
"""

from __future__ import annotations

from bot import payloads
from bot.context import Context
from bot.faq_content import DISCLAIMER
from bot.guide import DERMATOLOGIST, SEED, Answer, Entry
from bot.models import Button, Reply

DECLINE = "I don't have a good answer to that."
CLOSEST = "The closest topics I know are below, or ask me another way."
CLOSEST_QUESTIONS = "Is it one of these questions? If not, the closest topics are below, or ask me another way."
FROM_SEED = "From ClearBack's treatment guide text."
GENERAL_NOTE = "General skin-care guidance, not from the guide's source text."
THANKS = "Thanks for telling me: it helps improve the guide. (I only count the vote, nothing about you.)"
GONE = "That question is no longer in the guide. Ask me another way, or see /faq."
HELPFUL, NOT_HELPFUL = "👍 Helpful", "👎 Not helpful"


def entry_reply(ctx: Context, entry: Entry) -> Reply:
    """The direct answer first, the detail after, where it comes from, then the follow-ups and the vote."""
    source = FROM_SEED if entry.provenance == SEED else GENERAL_NOTE
    text = f"{entry.question}\n{entry.short}\n\n{entry.detail}\n\n{source}\n{DISCLAIMER}"
    rows: list[tuple[Button, ...]] = []
    for related_id in entry.related[:3]:
        related = ctx.guide.get(related_id)
        if related is not None:
            rows.append((Button(related.question, payloads.question(related.id)),))
    rows.append(
        (Button(HELPFUL, payloads.feedback(entry.id, True)), Button(NOT_HELPFUL, payloads.feedback(entry.id, False)))
    )
    return Reply(text=text, buttons=tuple(rows), private=False)


def decline_reply(ctx: Context, answer: Answer) -> Reply | None:
    """ "I don't have a good answer" with the closest questions (when the question was on the subject) and
    the closest topics; None when nothing was even close (the caller then shows every topic)."""
    topics = [t for t in (ctx.faq.get(topic_id) for topic_id in answer.closest_topics()) if t is not None]
    if not topics:
        return None
    questions = answer.closest_questions()
    if not questions:
        buttons = tuple((Button(t.title, payloads.faq(t.id)),) for t in topics)
        return Reply(text=f"{DECLINE} {CLOSEST} {DERMATOLOGIST}", buttons=buttons, private=False)
    # one question to a row (their labels are long), then the two closest topics on one row (two stay readable
    # on a phone): 4 rows, within Discord's 5
    rows: list[tuple[Button, ...]] = [(Button(e.question, payloads.question(e.id)),) for e in questions]
    rows.append(tuple(Button(t.title, payloads.faq(t.id)) for t in topics[:2]))
    return Reply(text=f"{DECLINE} {CLOSEST_QUESTIONS} {DERMATOLOGIST}", buttons=tuple(rows), private=False)


def press_question(ctx: Context, entry_id: str) -> list[Reply]:
    entry = ctx.guide.get(entry_id)
    return [entry_reply(ctx, entry) if entry is not None else Reply(text=GONE)]


def press_feedback(ctx: Context, entry_id: str, vote: str) -> list[Reply]:
    entry = ctx.guide.get(entry_id)
    if entry is None:  # a forged or old id: never a row for it
        return [Reply(text=GONE)]
    ctx.regimen.count_feedback(entry.id, vote == "u")
    return [Reply(text=THANKS, private=False)]


def topic_questions(ctx: Context, topic_id: str, limit: int = 3) -> tuple[tuple[Button, ...], ...]:
    """Buttons for a topic's first questions, one to a row (their labels are whole questions)."""
    return tuple((Button(e.question, payloads.question(e.id)),) for e in ctx.guide.of_topic(topic_id)[:limit])
