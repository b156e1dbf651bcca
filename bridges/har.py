"""HAR files a browser bridge records: secrets masked, bodies kept byte-exact for replay."""

from __future__ import annotations

import base64
import codecs
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from bridges.errors import ConfigError
from bridges.recording import REDACTED, SECRET_KEYS, Redactor

_CHARSET = re.compile(r"charset=([\w.:-]+)", re.IGNORECASE)
# Headers whose values are credentials or sessions whatever they contain.
_SECRET_HEADERS = SECRET_KEYS | {"proxy-authorization"}


def form_encoded(value: str, charset: str = "iso-8859-1") -> str:
    """`value` as a browser puts it in an application/x-www-form-urlencoded body."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "*-._") else
                   "+" if ch == " " else "".join(f"%{b:02X}" for b in ch.encode(charset))
                   for ch in value)


def secret_forms(secret: str) -> list[str]:
    """Every spelling of a secret that may land in a HAR: raw, form- and URL-encoded."""
    forms = [secret, quote_plus(secret), quote(secret, safe="")]
    try:
        forms.append(form_encoded(secret))
    except UnicodeEncodeError:
        forms.append(form_encoded(secret, "utf-8"))
    return [f for f in forms if f]


def _mask(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, dict):
        name = str(value.get("name", "")).lower()
        if "value" in value and (name in _SECRET_HEADERS or name.startswith("x-api-key")):
            return {**value, "value": REDACTED}
        return {k: (_mask_cookies(v) if k == "cookies" else _mask(v, redactor))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, redactor) for v in value]
    if isinstance(value, str):
        return redactor.text(value)
    return value


def _mask_cookies(cookies: Any) -> Any:
    if not isinstance(cookies, list):
        return cookies
    return [{**c, "value": REDACTED} if isinstance(c, dict) else c for c in cookies]


def _as_recorded(content: Any) -> None:
    """Playwright keeps a text body as decoded text and replays it as UTF-8 bytes, whatever
    charset the page declared: an ISO-8859-1 page would come back garbled (Ã© for é). Store
    such bodies as the bytes the server sent (base64) instead."""
    if not isinstance(content, dict) or "text" not in content or content.get("encoding"):
        return
    match = _CHARSET.search(str(content.get("mimeType", "")))
    if not match:
        return
    try:
        charset = codecs.lookup(match.group(1)).name
    except LookupError:
        return
    if charset != "utf-8":
        raw = str(content["text"]).encode(charset, errors="xmlcharrefreplace")
        content["text"] = base64.b64encode(raw).decode("ascii")
        content["encoding"] = "base64"


def mask_har(path: Path, redactor: Redactor) -> None:
    """Rewrite a HAR in place (atomically) with secrets, cookies and auth headers masked and
    non-UTF-8 text bodies stored byte-exact."""
    try:
        har = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read HAR {path}: {exc}") from None
    masked = _mask(har, redactor)
    for entry in masked.get("log", {}).get("entries", []):
        _as_recorded(entry.get("response", {}).get("content"))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(masked, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def rebase_har(path: Path, old_base: str, new_base: str) -> None:
    """Move a recording to another base URL (a recording made against an emulator on a random
    port becomes replayable at a fixed, unresolvable address such as http://loans.invalid)."""
    old, new = urlsplit(old_base), urlsplit(new_base)
    text = path.read_text(encoding="utf-8").replace(old_base.rstrip("/"), new_base.rstrip("/"))
    text = text.replace(f'"{old.netloc}"', f'"{new.netloc}"')  # Host headers
    path.write_text(text, encoding="utf-8")
