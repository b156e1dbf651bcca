"""Safe input for s3270: every value we type is validated and quoted here, nowhere else.

s3270 reads one line of actions at a time and runs every action on it (one of them,
`Execute()`, runs a shell command). py3270's `send_string` neither escapes `"` nor refuses
newlines, so agent text is never handed to it: a value becomes exactly one quoted string
argument, and anything that could end that argument or the line is refused or escaped.
"""

from __future__ import annotations

import re

from bridges.errors import ConfigError

# Printable ASCII and Latin-1 letters (what an EBCDIC Latin-1 code page can hold); no
# control characters at all, so no newline, carriage return or NUL can end the line.
_ALLOWED = re.compile(r"^[\x20-\x7e\u00a0-\u00ff]*$")
KEYS = frozenset({"ENTER", "CLEAR", "PA1", "PA2", "PA3", "TAB", "HOME"}
                 | {f"PF{n}" for n in range(1, 25)})


class UnsafeInput(ConfigError):
    """A value cannot be typed safely on a 3270 screen (control characters, too long)."""


def check_text(value: str, max_length: int | None = None) -> str:
    if not _ALLOWED.match(value):
        raise UnsafeInput("value contains characters a 3270 field cannot take "
                          "(control characters or non-Latin-1 text)")
    if max_length is not None and len(value) > max_length:
        raise UnsafeInput(f"value is longer than the {max_length}-character field")
    return value


def quote(value: str) -> str:
    """One s3270 string argument: backslash and double quote escaped, inside double quotes."""
    check_text(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def key_action(key: str) -> str:
    """The s3270 action for a key name: ENTER -> Enter(), PF8 -> PF(8), PA1 -> PA(1)."""
    name = key.upper()
    if name not in KEYS:
        raise UnsafeInput(f"unknown key {key!r}")
    if name.startswith("PF"):
        return f"PF({int(name[2:])})"
    if name.startswith("PA"):
        return f"PA({int(name[2:])})"
    return {"ENTER": "Enter()", "CLEAR": "Clear()", "TAB": "Tab()", "HOME": "Home()"}[name]


def position(row: int, col: int, rows: int = 43, cols: int = 80) -> str:
    """MoveCursor's 0-based arguments from our 1-based (row, col), range-checked."""
    if not (1 <= row <= rows and 1 <= col <= cols):
        raise UnsafeInput(f"position ({row}, {col}) is off the screen")
    return f"MoveCursor({row - 1},{col - 1})"
