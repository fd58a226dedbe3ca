"""One function per command, grouped by what they change; each returns Replies and leaves writes to bot.regimen."""
