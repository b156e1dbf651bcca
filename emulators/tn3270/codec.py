"""EBCDIC code pages the host speaks: cp037 (Python's) and cp1047 (derived from cp037)."""

from __future__ import annotations

# cp1047 (Open Systems Latin-1) is cp037 with these byte positions swapped around; Python has
# no cp1047 codec, so it is built here from the differences.
_CP1047_DIFFS = {0x5F: "^", 0xAD: "[", 0xB0: "¬", 0xBA: "Ý", 0xBB: "¨", 0xBD: "]",
                 0x15: "\n", 0x25: "\x85"}


class Ebcdic:
    """Encode/decode one EBCDIC code page; characters it cannot hold become '?'."""

    def __init__(self, name: str = "cp037") -> None:
        if name not in ("cp037", "cp1047"):
            raise ValueError(f"unsupported code page {name!r}: cp037 or cp1047")
        self.name = name
        table = bytes(range(256)).decode("cp037")
        if name == "cp1047":
            chars = list(table)
            for byte, char in _CP1047_DIFFS.items():
                chars[byte] = char
            table = "".join(chars)
        self._decode = table
        self._encode = {char: byte for byte, char in enumerate(table)}

    def encode(self, text: str) -> bytes:
        question = self._encode["?"]
        return bytes(self._encode.get(ch, question) for ch in text)

    def decode(self, data: bytes) -> str:
        return "".join(self._decode[b] for b in data)
