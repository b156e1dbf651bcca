"""Property tests: generated copybooks and values survive encode -> decode, on both paths."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridges.records import Layout
from bridges.records.arrow import decode_table_fast
from bridges.records.fields import EXACT
from bridges.records.picture import Usage, parse_picture
from tests.records.test_arrow import assert_same

CODEPAGES = ["cp037", "cp1047", "cp500"]
TEXT = st.text(alphabet=st.sampled_from("ABCXYZabcz0189 -.,/[]^¬éÄß@#"), max_size=12)
USAGES = {"": Usage.DISPLAY, "COMP": Usage.BINARY, "COMP-4": Usage.BINARY,
          "BINARY": Usage.BINARY, "COMP-5": Usage.NATIVE, "COMP-3": Usage.PACKED}


@dataclass(frozen=True)
class Spec:
    name: str
    pic: str
    usage: str = ""
    sign: str = ""  # "", "LEADING", "TRAILING SEPARATE", ...
    occurs: int = 0

    def line(self) -> str:
        parts = [f"05 {self.name}", f"PIC {self.pic}", self.usage, self.sign]
        if self.occurs:
            parts.append(f"OCCURS {self.occurs} TIMES")
        # one clause a line: entries span lines, and every line stays inside column 72
        return "\n".join("           " + p for p in parts if p) + "."


@st.composite
def numeric_spec(draw: st.DrawFn, name: str) -> Spec:
    usage = draw(st.sampled_from(list(USAGES)))
    limit = 31 if usage == "COMP-3" else 18
    digits = draw(st.integers(1, limit))
    scale = draw(st.integers(0, digits))
    signed = draw(st.booleans())
    pic = ("S" if signed else "") + (f"9({digits - scale})" if digits > scale else "") + \
        (f"V9({scale})" if scale else "")
    sign = ""
    if signed and usage == "":
        sign = draw(st.sampled_from(["", "SIGN LEADING", "SIGN TRAILING SEPARATE",
                                     "SIGN IS LEADING SEPARATE CHARACTER"]))
    return Spec(name, pic, usage, sign, draw(st.sampled_from([0, 0, 2])))


@st.composite
def copybook(draw: st.DrawFn) -> tuple[str, list[Spec]]:
    specs: list[Spec] = []
    for i in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            specs.append(Spec(f"T{i}", f"X({draw(st.integers(1, 12))})",
                              occurs=draw(st.sampled_from([0, 0, 3]))))
        else:
            specs.append(draw(numeric_spec(f"N{i}")))
    return "       01  REC.\n" + "\n".join(s.line() for s in specs) + "\n", specs


@st.composite
def value_for(draw: st.DrawFn, spec: Spec) -> Any:
    picture = parse_picture(spec.pic)
    if spec.pic.startswith("X"):
        return draw(TEXT.map(str.rstrip).filter(lambda t: len(t) <= picture.length))
    top = 10 ** picture.digits - 1
    unscaled = draw(st.integers(-top if picture.signed else 0, top)
                    | st.sampled_from([0, top] + ([-top] if picture.signed else [])))
    return unscaled if picture.scale == 0 else Decimal(unscaled).scaleb(-picture.scale, EXACT)


@st.composite
def records(draw: st.DrawFn) -> tuple[str, str, list[dict[str, Any]]]:
    text, specs = draw(copybook())
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row: dict[str, Any] = {}
        for spec in specs:
            if spec.occurs:
                row[spec.name] = [draw(value_for(spec)) for _ in range(spec.occurs)]
            else:
                row[spec.name] = draw(value_for(spec))
        rows.append(row)
    return text, draw(st.sampled_from(CODEPAGES)), rows


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_encode_then_decode_round_trips(case: tuple[str, str, list[dict[str, Any]]]) -> None:
    text, codepage, rows = case
    layout = Layout.from_copybook(text, codepage)
    data = b""
    for row in rows:
        encoded = layout.encode(row)
        assert len(encoded) == layout.size
        values, errors, used = layout.decode(encoded)
        assert errors == [] and used == layout.size
        assert values == row
        data += encoded
    table, errors = decode_table_fast(data, layout)
    assert errors == [] and table.to_pylist() == rows


@settings(max_examples=40, deadline=None)
@given(records(), st.binary(min_size=1, max_size=400))
def test_garbage_never_crashes_and_both_paths_agree(
        case: tuple[str, str, list[dict[str, Any]]], noise: bytes) -> None:
    text, codepage, _ = case
    layout = Layout.from_copybook(text, codepage)
    assert_same(noise * (1 + layout.size // len(noise)), layout)


@lru_cache(maxsize=1)
def settlement_files() -> dict[str, bytes]:
    from emulators.sftp.settlement import PARTNERS, SettlementBook

    book = SettlementBook()
    return {"fixed": book.file(PARTNERS[0], book.days[-1]),
            "rdw": book.file(PARTNERS[1], book.days[-1])}


@st.composite
def damaged(draw: st.DrawFn) -> tuple[bytes, str]:
    fmt = draw(st.sampled_from(["fixed", "rdw", "bdw"]))
    if fmt == "bdw" or draw(st.booleans()):
        return draw(st.binary(max_size=2000)), fmt
    data = bytearray(settlement_files()[fmt])
    for _ in range(draw(st.integers(1, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[:draw(st.integers(0, len(data)))]), fmt


@settings(max_examples=80, deadline=None)
@given(damaged(), st.sampled_from(["fail", "quarantine"]))
def test_hostile_files_fail_cleanly(case: tuple[bytes, str], policy: str) -> None:
    """Damaged or random settlement files: decoded or refused with a MappingError, never a
    crash of another kind."""
    import contextlib
    import io

    data, fmt = case

    from bridges.errors import MappingError
    from bridges.records import ControlTotals, FileSpec, read_batch
    from tests.records.conftest import FIXTURES

    spec = FileSpec.from_copybook((FIXTURES / "STLREC.cpy").read_text(), format=fmt,
                                  policy=policy, control=ControlTotals(
                                      "STL-RECORD-COUNT", "STL-AMOUNT-TOTAL", "STL-AMOUNT"))
    with contextlib.suppress(MappingError):
        read_batch(io.BytesIO(data), spec)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 31), st.integers(0, 31), st.booleans(), st.booleans(), st.data())
def test_packed_and_zoned_edges(digits: int, scale: int, leading: bool, separate: bool,
                                data: st.DataObject) -> None:
    """Any digit count (odd and even byte lengths), the largest values, and negative zero."""
    from bridges.records.fields import FieldCodec
    from bridges.records.picture import storage_size

    scale = min(scale, digits)
    pic = "S" + (f"9({digits - scale})" if scale < digits else "") + \
        (f"V9({scale})" if scale else "")
    picture = parse_picture(pic)
    top = 10 ** digits - 1
    unscaled = data.draw(st.sampled_from([top, -top, 0, 1, -1]) | st.integers(-top, top))
    value = unscaled if scale == 0 else Decimal(unscaled).scaleb(-scale, EXACT)
    packed = FieldCodec(picture, Usage.PACKED, storage_size(picture, Usage.PACKED, False),
                        "cp037")
    assert packed.size == digits // 2 + 1
    assert packed.decode(packed.encode(value)) == value
    negative_zero = bytes(packed.size - 1) + b"\x0d"
    assert packed.decode(negative_zero) == 0 and packed.encode(0)[-1] == 0x0C
    if digits <= 18 or not separate:
        zoned = FieldCodec(picture, Usage.DISPLAY,
                           storage_size(picture, Usage.DISPLAY, separate), "cp037",
                           sign_leading=leading, sign_separate=separate)
        assert zoned.decode(zoned.encode(value)) == value
        minus_zero = zoned.encode(0)
        if not separate:
            at = 0 if leading else -1
            minus_zero = bytearray(minus_zero)
            minus_zero[at] = 0xD0
            assert zoned.decode(bytes(minus_zero)) == 0
