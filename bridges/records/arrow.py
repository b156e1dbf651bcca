"""The fast path: fixed-length records decoded column by column with numpy into Arrow tables.

Every field is decoded for all records at once from a (records x bytes) matrix. The result
equals the record-by-record path (`Layout.decode`), errors included: rows a vectorized check
rejects are re-read by the scalar codec, whose reason is reported, so both paths say the same
thing; a field kind with no vectorized decoder uses the scalar codec for its column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from bridges.errors import ConfigError
from bridges.records import vector
from bridges.records.batch import FileSpec
from bridges.records.fields import FieldCodec, FieldDecodeError
from bridges.records.layout import FieldError, Layout, Node
from bridges.records.picture import Category, Usage
from bridges.records.vector import Ints, Mask, Matrix


@dataclass
class _Rows:
    """Which record (and which occurrence of each enclosing OCCURS) each matrix row is."""

    record: Ints
    occurrences: tuple[Ints, ...] = ()

    def path(self, template: str, row: int) -> str:
        return template.format(*(int(o[row]) for o in self.occurrences))


def arrow_type(codec: FieldCodec) -> pa.DataType:
    pic = codec.picture
    if pic.category is not Category.NUMERIC:
        return pa.string()
    digits = pic.digits
    if codec.usage is Usage.NATIVE:  # COMP-5: the whole binary range, not the PICTURE's
        digits = {2: 5, 4: 10, 8: 20}[codec.size]
    if pic.scale > 0:
        return pa.decimal128(max(digits, pic.scale), pic.scale)
    if digits - pic.scale <= 18:
        return pa.int64()
    return pa.decimal128(digits - pic.scale, 0)


def _vectorizable(codec: FieldCodec) -> bool:
    pic = codec.picture
    if pic.category is not Category.NUMERIC:
        return not codec.justified_right
    if codec.usage is Usage.NATIVE and codec.size == 8:
        return False  # unsigned 64-bit values overflow int64
    return pic.digits - min(pic.scale, 0) <= 18


def _decimal(unscaled: Ints, bad: Mask, dtype: pa.DataType) -> pa.Array:
    words = np.empty((len(unscaled), 2), dtype=np.int64)  # 128-bit little-endian
    words[:, 0] = unscaled
    words[:, 1] = unscaled >> 63
    validity = pa.py_buffer(np.packbits(~bad, bitorder="little"))
    return pa.Array.from_buffers(dtype, len(unscaled), [validity, pa.py_buffer(words)],
                                 null_count=int(bad.sum()))


def _column(s: Matrix, node: Node, rows: _Rows, template: str, base: Ints,
            errors: list[tuple[int, FieldError]]) -> pa.Array:
    codec = node.codec
    assert codec is not None
    dtype = arrow_type(codec)
    s = np.ascontiguousarray(s)  # one pass over the records; then column work stays in cache

    def error(r: int, reason: str) -> None:
        errors.append((int(rows.record[r]), FieldError(
            rows.path(template, r), int(base[r]), s[r].tobytes().hex().upper(), reason,
            node.alternative)))

    if not _vectorizable(codec):
        values = []
        for r in range(len(s)):
            try:
                values.append(codec.decode(s[r].tobytes()))
            except FieldDecodeError as exc:
                values.append(None)
                error(r, str(exc))
        return pa.array(values, type=dtype)
    if codec.picture.category is not Category.NUMERIC:
        text = vector.text_column(s, codec)
        if text is not None:
            return text
        return pa.array([codec.decode(s[r].tobytes()) for r in range(len(s))], type=dtype)
    decoder = {Usage.DISPLAY: vector.zoned, Usage.PACKED: vector.packed}.get(codec.usage,
                                                                            vector.binary)
    value, bad = decoder(s, codec)
    for row in np.flatnonzero(bad):
        try:
            codec.decode(s[row].tobytes())
        except FieldDecodeError as exc:
            error(int(row), str(exc))
        else:
            raise AssertionError(f"vectorized and scalar decoders disagree on {template}")
    if codec.picture.scale < 0:
        value = value * 10 ** -codec.picture.scale
    if pa.types.is_decimal(dtype):
        return _decimal(value, bad, dtype)
    return pa.array(value, type=dtype, mask=bad)


def _group(m: Matrix, node: Node, rows: _Rows, prefix: str, errors: list[tuple[int, FieldError]],
           base: Ints) -> pa.StructArray:
    """`base`: each row's offset in its record, for error reports."""
    arrays, names = [], []
    for child in node.children:
        if child.is_filler:
            continue
        assert child.offset is not None and node.offset is not None
        start = child.offset - node.offset
        template = prefix + child.name.replace("{", "{{").replace("}", "}}")
        if child.occurs:
            count = child.occurs
            block = m[:, start:start + child.size * count].reshape(len(m) * count, child.size)
            occ = np.tile(np.arange(count, dtype=np.int64), len(m))
            sub = _Rows(np.repeat(rows.record, count),
                        (*(np.repeat(o, count) for o in rows.occurrences), occ))
            sub_base = np.repeat(base, count) + start + occ * child.size
            values = _node(block, child, sub, template + "[{}]", errors, sub_base)
            arrays.append(pa.FixedSizeListArray.from_arrays(values, count))
        else:
            arrays.append(_node(m[:, start:start + child.size], child, rows, template, errors,
                                base + start))
        names.append(child.name)
    return pa.StructArray.from_arrays(arrays, names=names)


def _node(m: Matrix, node: Node, rows: _Rows, template: str,
          errors: list[tuple[int, FieldError]], base: Ints) -> pa.Array:
    if node.codec is None:
        return _group(m, node, rows, template + ".", errors, base)
    return _column(m, node, rows, template, base, errors)


def decode_matrix(m: Matrix, layout: Layout, records: Ints | None = None) -> (
    tuple[pa.Table, list[tuple[int, FieldError]]]
):
    """Decode a (records x record length) byte matrix; `records`: file index of each row."""
    if not layout.fixed:
        raise ConfigError("vectorized decoding needs fixed-length records (no OCCURS "
                          "DEPENDING ON)")
    if m.shape[1] < layout.size:
        raise ConfigError(f"record length {m.shape[1]} is shorter than layout {layout.name} "
                          f"({layout.size} bytes)")
    count = len(m)
    errors: list[tuple[int, FieldError]] = []
    rows = _Rows(np.arange(count, dtype=np.int64) if records is None else records)
    struct = _group(m, layout.root, rows, "", errors, np.zeros(count, dtype=np.int64))
    errors.sort(key=lambda item: (item[0], item[1].offset, item[1].field))
    return pa.Table.from_struct_array(struct), errors


def decode_table_fast(data: bytes, layout: Layout, record_length: int | None = None) -> (
    tuple[pa.Table, list[tuple[int, FieldError]]]
):
    """All records of a fixed-length file as one Arrow table, plus (record index, error)."""
    length = record_length or layout.size
    count = len(data) // length
    m = np.frombuffer(data, dtype=np.uint8, count=count * length).reshape(count, length)
    table, errors = decode_matrix(m, layout)
    if len(data) % length:  # a short last record: the scalar path reports it field by field
        values, tail_errors, _ = layout.decode(data[count * length:])
        table = pa.concat_tables([table, pa.Table.from_pylist([values], schema=table.schema)])
        errors.extend((count, e) for e in tail_errors)
    return table, errors


def decode_kinds_fast(data: bytes, spec: FileSpec) -> (
    dict[str, tuple[pa.Table, list[tuple[int, FieldError]]]]
):
    """A fixed-length multi-record file: one table per record type, rows in file order.
    Records of an unknown type (and a short last record) are left to the record path."""
    length = spec.record_length or max(k.layout.size for k in spec.kinds.values())
    count = len(data) // length
    m = np.frombuffer(data, dtype=np.uint8, count=count * length).reshape(count, length)
    codes = m[:, spec.type_offset:spec.type_offset + spec.type_length]
    out = {}
    for code, kind in spec.kinds.items():
        key = np.frombuffer(code.encode(spec.codepage), dtype=np.uint8)
        rows = np.flatnonzero((codes == key).all(axis=1)) if spec.type_length else \
            np.arange(count)
        out[kind.layout.name] = decode_matrix(m[rows], kind.layout, rows.astype(np.int64))
    return out
