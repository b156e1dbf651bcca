"""Field codecs against hand-written byte vectors: packed, zoned (overpunch), binary, text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridges.records.fields import FieldCodec, FieldDecodeError, FieldEncodeError
from bridges.records.picture import Usage, parse_picture, storage_size


def codec(pic: str, usage: Usage = Usage.DISPLAY, codepage: str = "cp037", *,
          leading: bool = False, separate: bool = False) -> FieldCodec:
    picture = parse_picture(pic)
    return FieldCodec(picture, usage, storage_size(picture, usage, separate), codepage,
                      sign_leading=leading, sign_separate=separate)


@pytest.mark.parametrize(("pic", "value", "hexbytes"), [
    ("S9(5)V99", Decimal("-12.34"), "0001234D"),
    ("S9(3)", 123, "123C"),
    ("S9(3)", -123, "123D"),
    ("9(3)", 123, "123F"),
    ("S9(4)", 1234, "01234C"),  # even digit count: a leading zero nibble
    ("S9(18)", 999_999_999_999_999_999, "999999999999999999" + "9C"[1:].rjust(2, "0")),
    ("S9(31)", -(10 ** 31 - 1), "9" * 31 + "D"),  # beyond 64 bits
    ("SV9(3)", Decimal("-0.005"), "005D"),
])
def test_packed_vectors(pic: str, value: int | Decimal, hexbytes: str) -> None:
    c = codec(pic, Usage.PACKED)
    if pic == "S9(18)":
        hexbytes = "0" + "9" * 18 + "C"
    assert c.encode(value).hex().upper() == hexbytes
    assert c.decode(bytes.fromhex(hexbytes)) == value


def test_packed_negative_zero_and_bad_nibbles() -> None:
    c = codec("S9(3)V99", Usage.PACKED)
    zero = c.decode(bytes.fromhex("00000D"))
    assert zero == 0 and str(zero) == "0.00"  # negative zero reads as plain zero
    assert c.decode(bytes.fromhex("00000F")) == 0  # F: unsigned-positive sign
    for bad, reason in (("0A000C", "nibble A"), ("000001", "sign nibble 1"),
                        ("00000", "ends inside")):
        with pytest.raises(FieldDecodeError, match=reason):
            c.decode(bytes.fromhex(bad.ljust(6, "0")) if len(bad) == 6 else bytes.fromhex(
                "0000"))
    with pytest.raises(FieldDecodeError, match="exceeds"):
        codec("S9(4)", Usage.PACKED).decode(bytes.fromhex("91234C"))
    with pytest.raises(FieldDecodeError, match="unsigned"):
        codec("9(3)", Usage.PACKED).decode(bytes.fromhex("123D"))


@pytest.mark.parametrize(("pic", "leading", "separate", "value", "hexbytes"), [
    ("S9(3)", False, False, -123, "F1F2D3"),
    ("S9(3)", False, False, 123, "F1F2C3"),
    ("9(3)", False, False, 123, "F1F2F3"),
    ("S9(3)", True, False, -123, "D1F2F3"),
    ("S9(3)", False, True, -123, "F1F2F360"),
    ("S9(3)", True, True, 123, "4EF1F2F3"),
    ("S9(2)V9", False, False, Decimal("-0.1"), "F0F0D1"),
    ("S9(3)", False, False, -120, "F1F2D0"),
])
def test_zoned_vectors(pic: str, leading: bool, separate: bool, value: int | Decimal,
                       hexbytes: str) -> None:
    c = codec(pic, leading=leading, separate=separate)
    assert c.encode(value).hex().upper() == hexbytes
    assert c.decode(bytes.fromhex(hexbytes)) == value


def test_zoned_edge_cases() -> None:
    signed = codec("S9(3)")
    assert signed.decode(bytes.fromhex("F1F2F3")) == 123  # F zone: positive
    assert signed.decode(bytes.fromhex("F0F0D0")) == 0  # negative zero
    with pytest.raises(FieldDecodeError, match="position 2"):
        signed.decode(bytes.fromhex("F140C3"))
    with pytest.raises(FieldDecodeError, match="not a digit"):
        signed.decode(bytes.fromhex("404040"))  # blanks are not zero
    with pytest.raises(FieldDecodeError, match="unsigned"):
        codec("9(3)").decode(bytes.fromhex("F1F2D3"))
    with pytest.raises(FieldDecodeError, match="sign byte"):
        codec("S9(3)", separate=True).decode(bytes.fromhex("F1F2F3F1"))
    big = codec("S9(18)V99")
    top = Decimal("9999999999999999.99")
    assert big.decode(big.encode(-top)) == -top


def test_ascii_zoned_overpunch() -> None:
    c = codec("S9(3)", codepage="latin-1")
    assert c.decode(b"12L") == -123 and c.decode(b"12{") == 120 and c.decode(b"12}") == -120
    assert c.encode(-123) == b"12L"


def test_binary_ranges() -> None:
    comp = codec("S9(4)", Usage.BINARY)
    assert comp.encode(-2) == b"\xff\xfe" and comp.decode(b"\xff\xfe") == -2
    with pytest.raises(FieldDecodeError, match="exceeds"):
        codec("9(4)", Usage.BINARY).decode(b"\x27\x10")  # 10000 > PIC 9(4)
    native = codec("9(4)", Usage.NATIVE)
    assert native.decode(b"\xff\xff") == 65535 and native.encode(65535) == b"\xff\xff"
    assert storage_size(parse_picture("9(9)"), Usage.BINARY, False) == 4
    assert storage_size(parse_picture("S9(18)"), Usage.BINARY, False) == 8
    with pytest.raises(FieldEncodeError, match="binary bytes"):
        native.encode(70000)


def test_p_scaling() -> None:
    hundreds = codec("9(3)PP")
    assert hundreds.decode(b"\xf1\xf2\xf3") == 12300
    assert hundreds.encode(12300) == b"\xf1\xf2\xf3"
    with pytest.raises(FieldEncodeError, match="decimal places"):
        hundreds.encode(12345)
    tiny = codec("PP99")
    assert tiny.decode(b"\xf1\xf2") == Decimal("0.0012")


def test_encode_refuses_what_does_not_fit() -> None:
    amount = codec("S9(3)V99", Usage.PACKED)
    for bad, reason in ((Decimal("1.005"), "decimal places"), (1000, "exceeds"),
                        ("abc", "not a number"), (1.5, "expected a number")):
        with pytest.raises(FieldEncodeError, match=reason):
            amount.encode(bad)
    with pytest.raises(FieldEncodeError, match="unsigned"):
        codec("9(3)").encode(-1)
    text = codec("X(3)")
    with pytest.raises(FieldEncodeError, match="truncation"):
        text.encode("ABCD")
    with pytest.raises(FieldEncodeError, match="no code"):
        text.encode("€")
    assert text.encode("AB") == b"\xc1\xc2\x40" and text.decode(b"\xc1\xc2\x40") == "AB"
