"""Text measured and cut as the platforms count it: UTF-16 code units, long text split into messages."""

from __future__ import annotations


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram and Discord count it (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, *, keep_space: bool = True, escape: str | None = None) -> list[str]:
    """Cut `text` into chunks of at most `limit` UTF-16 units, on line boundaries where possible.

    A newline where the text is cut is dropped (each chunk is its own message). A line longer than the limit
    is cut at its last space that fits, unless that is in the first half of the chunk (then anywhere, but
    never inside a character): `keep_space` leaves the space at the end of the first piece, else it is
    dropped. With `escape` (a markup's escape character, e.g. a backslash) a cut never separates it from the
    character it escapes. Whitespace-only chunks are dropped (platforms refuse empty messages), unless the
    whole text is one; empty text gives one empty chunk.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for piece in _cut_line(line, limit, keep_space, escape):
            if current is None:
                current = piece
            elif utf16_len(current) + 1 + utf16_len(piece) <= limit:
                current = f"{current}\n{piece}"
            else:
                chunks.append(current)
                current = piece
    if current is not None:
        chunks.append(current)
    kept = [chunk for chunk in chunks if chunk.strip()]
    return kept or [chunks[0]]


def _cut_line(line: str, limit: int, keep_space: bool, escape: str | None) -> list[str]:
    """One line as pieces of at most `limit` units each."""
    pieces: list[str] = []
    while utf16_len(line) > limit:
        end = used = 0
        for index, char in enumerate(line):  # the longest prefix within the limit
            used += 2 if ord(char) > 0xFFFF else 1
            if used > limit:
                break
            end = index + 1
        space = line.rfind(" ", 0, end)
        if space > end // 2:  # a word boundary not too far back
            pieces.append(line[: space + 1] if keep_space else line[:space])
            line = line[space + 1 :]
            continue
        if escape is not None:  # count the escape characters before the cut: an odd number escapes the next one
            escapes = len(line[:end]) - len(line[:end].rstrip(escape))
            if escapes % 2 == 1 and end > 1:
                end -= 1
        end = max(end, 1)
        pieces.append(line[:end])
        line = line[end:]
    pieces.append(line)
    return pieces
