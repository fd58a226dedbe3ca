"""/link, /unlink and /deliver: one account across Telegram, Discord (and the console)."""

from __future__ import annotations

from bot import payloads
from bot.context import Context
from bot.linking import CODE_TTL, LinkError, PendingCode
from bot.models import Address, Button, Reply
from bot.regimen import MAX_REMINDERS, RegimenError
from storage.records import Account, IdentityRecord

PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "console": "the console"}
DELIVER_CHOICES = ("origin", "telegram", "discord", "both")


def link(ctx: Context, args: str) -> list[Reply]:
    words = args.split()
    if words and words[0].lower() == "confirm":  # no code: codes have no O or I
        return _confirm(ctx, words[1] if len(words) > 1 else "")
    if words and words[0].lower() == "cancel":
        return _cancel(ctx)
    if words:
        return _ask(ctx, args.strip())
    account = ctx.ensure_account()
    identity = ctx.msg.identity
    pending = ctx.regimen.links.issue(account.id, identity.key, identity.platform, ctx.now.timestamp())
    shown = f"{pending.code[:4]}-{pending.code[4:]}"
    return [
        Reply(
            text=(
                f"Your link code: {shown} (valid {int(CODE_TTL // 60)} minutes, works once).\n"
                f"On your other platform, send: /link {pending.code}\n"
                "Then both share one regimen: the same reminders, history and time zone. "
                "Keep the code to yourself: whoever enters it joins this account."
            )
        )
    ]


def _issuer(ctx: Context, pending: PendingCode) -> tuple[Account, IdentityRecord]:
    store = ctx.regimen.store
    keep = store.get_account(pending.account_id)
    issuer = store.get_identity(pending.identity_key)
    if keep is None or issuer is None or issuer.account_id != keep.id:
        raise LinkError("That code's account no longer exists (it was deleted). Ask for a new code with /link.")
    return keep, issuer


def _check_limit(ctx: Context, keep: Account, mine: Account | None) -> None:
    store = ctx.regimen.store
    together = len(store.reminders_of(keep.id)) + (len(store.reminders_of(mine.id)) if mine else 0)
    if together > MAX_REMINDERS:
        raise LinkError(
            f"Together you'd have {together} reminders; the most I keep is {MAX_REMINDERS}. "
            "Delete a few with /delete N, then ask for a new code with /link."
        )


def _reminders(n: int) -> str:
    return f"{n} reminder" if n == 1 else f"{n} reminders"


def _ask(ctx: Context, code: str) -> list[Reply]:
    """A valid code joins nothing yet: the redeemer sees what would happen and says Yes or No.

    The issuer consented by asking for the code; the redeemer's side may belong to someone who was handed a
    code by a stranger, so their data moves only on their own Yes. The buttons are bound to this identity
    (it may have no account yet) and name this question, so an older Yes cannot confirm a newer code.
    """
    identity = ctx.msg.identity
    pending = ctx.regimen.links.redeem(code, identity.key, identity.platform, ctx.now.timestamp())
    keep, issuer = _issuer(ctx, pending)
    mine = ctx.account()
    if mine is not None and mine.id == keep.id:
        return [Reply(text="These two are already linked.")]
    _check_limit(ctx, keep, mine)
    held = ctx.regimen.links.hold(pending, identity.key, ctx.now.timestamp())
    store = ctx.regimen.store
    ours = len(store.reminders_of(mine.id)) if mine else 0
    theirs = len(store.reminders_of(keep.id))
    there = PLATFORM_NAMES.get(issuer.platform, issuer.platform)
    here = PLATFORM_NAMES.get(identity.platform, identity.platform)
    if ours and theirs:
        joined = f"your {_reminders(ours)} here {'joins' if ours == 1 else 'join'} the {theirs} there"
    elif ours:
        joined = f"your {_reminders(ours)} here {'moves' if ours == 1 else 'move'} to the account there"
    elif theirs:
        joined = f"the {_reminders(theirs)} there {'shows' if theirs == 1 else 'show'} here too"
    else:
        joined = "neither has reminders yet"
    mine_tag = payloads.subject(None, identity.key)
    return [
        Reply(
            text=(
                f"This will show your regimen on {there} and {here} as one: {joined}; continue?\n"
                f"Only say yes if the code came from your own {there} account: whoever asked for it will see "
                f"your reminders, history and settings from here. (Typed: /link confirm, or /link cancel)"
            ),
            buttons=(
                (
                    Button("Yes, link them", payloads.bound(mine_tag, f"/link confirm {held.id}")),
                    Button("No, keep them apart", payloads.bound(mine_tag, "/link cancel")),
                ),
            ),
        )
    ]


def _confirm(ctx: Context, held_id: str) -> list[Reply]:
    identity = ctx.msg.identity
    held = ctx.regimen.links.take(identity.key, held_id, ctx.now.timestamp())
    keep, issuer = _issuer(ctx, held.pending)
    mine = ctx.account()  # again: it may have changed since the question
    if mine is not None and mine.id == keep.id:
        return [Reply(text="These two are already linked.")]
    _check_limit(ctx, keep, mine)
    store = ctx.regimen.store
    came = len(store.reminders_of(mine.id)) if mine else 0
    edit = ctx.msg.button is not None
    lines = [f"Linked! {PLATFORM_NAMES.get(issuer.platform, issuer.platform)} and here now share one regimen."]
    buttons: tuple[tuple[Button, ...], ...] = ()
    renumbered = ctx.regimen.join(identity, keep, mine)
    moved = [f"{old} → {new}" for old, new in renumbered.items() if old != new]
    if moved:
        lines.append("Your reminders from here were renumbered: " + ", ".join(moved) + ".")
    if mine is not None and mine.timezone != keep.timezone:
        lines.append(f"Time zone: {keep.timezone} stays. Prefer {mine.timezone}? Tap below.")
        use = payloads.bound(payloads.subject(keep.id, identity.key), f"/timezone {mine.timezone}")
        buttons = ((Button(f"Use {mine.timezone}", use),),)
    ctx.refresh(store.get_account(keep.id) or keep)
    here = PLATFORM_NAMES.get(identity.platform, identity.platform)
    brought = f" ({_reminders(came)} came from there)" if came else ""
    notice = Reply(
        text=f"Linked with {here}: your reminders, history and settings are now shared{brought}. "
        "Not you? Send /unlink here to separate them again.",
        address=Address(issuer.platform, issuer.chat_id),
    )
    return [Reply(text="\n".join(lines), buttons=buttons, edit=edit), notice]


def _cancel(ctx: Context) -> list[Reply]:
    ctx.regimen.links.drop(ctx.msg.identity.key)
    return [
        Reply(
            text="Okay, nothing was linked: both stay as they were. To link later, ask for a new code with /link "
            "on your other platform.",
            edit=ctx.msg.button is not None,
        )
    ]


def unlink(ctx: Context, args: str) -> list[Reply]:
    account = ctx.account()
    others = (
        [i for i in ctx.regimen.store.identities_of(account.id) if i.key != ctx.msg.identity.key] if account else []
    )
    if account is None or not others:
        return [Reply(text="This account isn't linked to another platform. Link one with /link.")]
    names = ", ".join(PLATFORM_NAMES.get(i.platform, i.platform) for i in others)
    if args.strip().lower() != "confirm":
        return [
            Reply(
                text=f"Unlink {names}? Your reminders and history stay here; {names} starts fresh. "
                "(Typed: /unlink confirm)",
                buttons=(
                    (
                        Button(
                            "Yes, unlink",
                            payloads.bound(payloads.subject(account.id, ctx.msg.identity.key), "/unlink confirm"),
                        ),
                    ),
                ),
            )
        ]
    ctx.regimen.unlink(others)
    return [Reply(text=f"Unlinked {names}. Everything stays here; {names} starts fresh next time.")]


def deliver(ctx: Context, args: str) -> list[Reply]:
    choice = args.strip().lower()
    account = ctx.ensure_account()
    if not choice:
        return [
            Reply(
                text=f"Reminders go to: {_describe(account.deliver_to)}. Change with /deliver telegram, "
                "/deliver discord, /deliver both or /deliver origin (where each reminder was made)."
            )
        ]
    if choice not in DELIVER_CHOICES:
        raise RegimenError("Choose where reminders go: /deliver telegram, /deliver discord or /deliver both.")
    platforms = {i.platform for i in ctx.regimen.store.identities_of(account.id)}
    if choice in ("telegram", "discord") and choice not in platforms:
        name = PLATFORM_NAMES[choice]
        raise RegimenError(f"You haven't linked {name} yet. Send /link here, then /link CODE on {name}.")
    ctx.regimen.set_delivery(account, choice)
    return [Reply(text=f"Reminders now go to: {_describe(choice)}.")]


def _describe(choice: str) -> str:
    if choice == "origin":
        return "the platform where each reminder was created"
    if choice == "both":
        return "every linked platform"
    return PLATFORM_NAMES.get(choice, choice)
