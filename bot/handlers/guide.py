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
WARNING = (
    "⚠️ What you describe is worth showing a doctor soon: a mole or spot that is new, growing, changing or "
    "bleeding; a spot that is hot, swollen or oozing, redness that spreads, or a fever; blisters or pain that "
    "grows after a treatment. If you feel very unwell or it gets worse fast, get urgent care."
)


def entry_reply(ctx: Context, entry: Entry, warning: tuple[str, ...] = ()) -> Reply:
    """The direct answer first, the detail after, where it comes from, then the follow-ups and the vote. With
    warning signs (Answer.warning) that this entry is not itself about, the advice to see a doctor comes first
    and their safety entries lead the follow-ups."""
    source = FROM_SEED if entry.provenance == SEED else GENERAL_NOTE
    text = f"{entry.question}\n{entry.short}\n\n{entry.detail}\n\n{source}\n{DISCLAIMER}"
    others = tuple(i for i in warning if i != entry.id)
    if others:
        text = f"{WARNING}\n\n{text}"
    rows: list[tuple[Button, ...]] = []
    for related_id in list(dict.fromkeys((*others, *entry.related)))[:3]:
        related = ctx.guide.get(related_id)
        if related is not None:
            rows.append((Button(related.question, payloads.question(related.id)),))
    rows.append(
        (Button(HELPFUL, payloads.feedback(entry.id, True)), Button(NOT_HELPFUL, payloads.feedback(entry.id, False)))
    )
    return Reply(text=text, buttons=tuple(rows), private=False)


def decline_reply(ctx: Context, answer: Answer) -> Reply | None:
    """ "I don't have a good answer" with the closest questions (when the question was on the subject) and
    the closest topics; None when nothing was even close (the caller then shows every topic). A question that
    describes warning signs always gets the advice to see a doctor first, with their safety entries to tap."""
    if answer.warning:
        return _warning_reply(ctx, answer)
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


def _warning_reply(ctx: Context, answer: Answer) -> Reply:
    safety = [e for e in (ctx.guide.get(i) for i in answer.warning) if e is not None]
    offered = [e for e in answer.closest_questions() if e not in safety]
    rows: list[tuple[Button, ...]] = [(Button(e.question, payloads.question(e.id)),) for e in [*safety, *offered][:3]]
    topics = [t for t in (ctx.faq.get(topic_id) for topic_id in answer.closest_topics()) if t is not None]
    if topics:
        rows.append(tuple(Button(t.title, payloads.faq(t.id)) for t in topics[:2]))
    return Reply(text=f"{WARNING}\n\n{DECLINE} {DERMATOLOGIST}", buttons=tuple(rows), private=False)


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
