"""EBCDIC and ASCII code pages for record data: cp037, cp1047, cp500 (and any Python codec).

Python ships cp037 and cp500 but not cp1047 (z/OS Open Systems Latin-1), which differs from
cp037 in exactly six code points; it is built here from cp037 plus that table and registered
as a normal Python codec, so `bytes.decode("cp1047")` works everywhere after import.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

from bridges.errors import ConfigError

# byte -> character where IBM-1047 differs from IBM-037 (checked against glibc iconv in tests)
_CP1047_OVER_CP037 = {0x5F: "^", 0xAD: "[", 0xB0: "¬", 0xBA: "Ý", 0xBB: "¨", 0xBD: "]"}

_DECODE_1047 = "".join(_CP1047_OVER_CP037.get(b, bytes([b]).decode("cp037")) for b in range(256))
_ENCODE_1047 = codecs.charmap_build(_DECODE_1047)


def _cp1047_search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "").replace("_", "").lower() not in ("cp1047", "ibm1047"):
        return None

    def encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
        return codecs.charmap_encode(text, errors, _ENCODE_1047)

    def decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
        return codecs.charmap_decode(data, errors, _DECODE_1047)

    return codecs.CodecInfo(encode, decode, name="cp1047")  # type: ignore[arg-type]


codecs.register(_cp1047_search)

EBCDIC = frozenset({"cp037", "cp1047", "cp500", "cp1140", "cp273", "cp1026"})


@lru_cache(maxsize=32)
def check_codepage(name: str) -> str:
    """The normalized codec name, or ConfigError for one Python does not know."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ConfigError(f"unknown code page {name!r}") from None


@lru_cache(maxsize=32)
def decode_table(codepage: str) -> tuple[str, ...]:
    """The character of every byte value (U+FFFD where the code page has none)."""
    return tuple(bytes([b]).decode(codepage, errors="replace") for b in range(256))
