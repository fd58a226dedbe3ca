"""/link, /unlink and /deliver: one account across Telegram, Discord (and the console)."""

from __future__ import annotations

from dataclasses import replace

from bot import payloads
from bot.context import Context
from bot.linking import CODE_TTL, LinkError, merge_accounts
from bot.models import Address, Button, Reply
from bot.regimen import MAX_REMINDERS, RegimenError
from storage.records import IdentityRecord

PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "console": "the console"}
DELIVER_CHOICES = ("origin", "telegram", "discord", "both")


def link(ctx: Context, args: str) -> list[Reply]:
    if args.strip():
        return _redeem(ctx, args.strip())
    account = ctx.ensure_account()
    identity = ctx.msg.identity
    pending = ctx.regimen.links.issue(account.id, identity.key, identity.platform, ctx.now.timestamp())
    shown = f"{pending.code[:4]}-{pending.code[4:]}"
    return [
        Reply(
            text=(
                f"Your link code: {shown} (valid {int(CODE_TTL // 60)} minutes, works once).\n"
                f"On your other platform, send: /link {pending.code}\n"
                "Then both share one regimen: the same reminders, history and time zone."
            )
        )
    ]


def _redeem(ctx: Context, code: str) -> list[Reply]:
    identity = ctx.msg.identity
    pending = ctx.regimen.links.redeem(code, identity.key, identity.platform, ctx.now.timestamp())
    store = ctx.regimen.store
    keep = store.get_account(pending.account_id)
    issuer = store.get_identity(pending.identity_key)
    if keep is None or issuer is None or issuer.account_id != keep.id:
        raise LinkError("That code's account no longer exists (it was deleted). Ask for a new code with /link.")
    mine = ctx.account()
    if mine is not None and mine.id == keep.id:
        return [Reply(text="These two are already linked.")]
    together = len(store.reminders_of(keep.id)) + (len(store.reminders_of(mine.id)) if mine else 0)
    if together > MAX_REMINDERS:
        raise LinkError(
            f"Together you'd have {together} reminders; the most I keep is {MAX_REMINDERS}. "
            "Delete a few with /delete N, then ask for a new code with /link."
        )
    lines = [f"Linked! {PLATFORM_NAMES.get(issuer.platform, issuer.platform)} and here now share one regimen."]
    buttons: tuple[tuple[Button, ...], ...] = ()
    with store.atomic():
        if mine is not None:
            renumbered = merge_accounts(store, keep, mine)
            moved = [f"{old} → {new}" for old, new in renumbered.items() if old != new]
            if moved:
                lines.append("Your reminders from here were renumbered: " + ", ".join(moved) + ".")
            if mine.timezone != keep.timezone:
                lines.append(f"Time zone: {keep.timezone} stays. Prefer {mine.timezone}? Tap below.")
                buttons = ((Button(f"Use {mine.timezone}", payloads.command(f"/timezone {mine.timezone}")),),)
        store.put_identity(
            IdentityRecord(
                key=identity.key,
                account_id=keep.id,
                platform=identity.platform,
                user_id=identity.user_id,
                chat_id=identity.user_id,
                created_at=ctx.now.timestamp(),
            )
        )
    ctx.refresh(store.get_account(keep.id) or keep)
    here = PLATFORM_NAMES.get(identity.platform, identity.platform)
    notice = Reply(
        text=f"Linked with {here}: your reminders, history and settings are now shared.",
        address=Address(issuer.platform, issuer.chat_id),
    )
    return [Reply(text="\n".join(lines), buttons=buttons), notice]


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
                buttons=((Button("Yes, unlink", payloads.command("/unlink confirm")),),),
            )
        ]
    with ctx.regimen.store.atomic():
        for identity in others:
            ctx.regimen.store.delete_identity(identity.key)
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
    ctx.regimen.store.put_account(replace(account, deliver_to=choice))
    return [Reply(text=f"Reminders now go to: {_describe(choice)}.")]


def _describe(choice: str) -> str:
    if choice == "origin":
        return "the platform where each reminder was created"
    if choice == "both":
        return "every linked platform"
    return PLATFORM_NAMES.get(choice, choice)
