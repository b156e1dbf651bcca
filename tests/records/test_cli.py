"""`mainbridge batch decode` on settlement files: JSON lines, CSV, Parquet, errors."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from gateway.cli import app
from tests.records.conftest import FIXTURES

CONTROL = ["--control-count", "STL-RECORD-COUNT", "--control-sum", "STL-AMOUNT-TOTAL",
           "--amount", "STL-AMOUNT"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["batch", "decode", *args])
    return result.exit_code, result.stdout, result.stderr


def test_jsonl_to_stdout_with_exact_numbers(tmp_path: Path, fixed_file: bytes) -> None:
    path = tmp_path / "stl.dat"
    path.write_bytes(fixed_file)
    code, out, err = run(str(path), "--copybook", str(FIXTURES / "STLREC.cpy"), *CONTROL)
    assert code == 0, err
    rows = [json.loads(line, parse_float=Decimal) for line in out.splitlines()]
    assert len(rows) == len(fixed_file) // 153 - 2
    assert all(isinstance(r["STL-AMOUNT"], Decimal) for r in rows)
    assert '"STL-AMOUNT": ' in out and "e+" not in out.lower()
    assert "verified" in err and "records read" in err


def test_rdw_to_csv_and_parquet(tmp_path: Path, rdw_file: bytes) -> None:
    path = tmp_path / "stl.vb"
    path.write_bytes(rdw_file)
    common = [str(path), "--copybook", str(FIXTURES / "STLREC.cpy"), "--format", "rdw",
              "--codepage", "cp500"]
    code, out, err = run(*common, "--to", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and rows[0]["STL-REC-TYPE"] == "D"
    target = tmp_path / "out.parquet"
    code, _, err = run(*common, "--to", "parquet", "--out", str(target))
    assert code == 0, err
    table = pq.read_table(target)
    assert table.num_rows == len(rows)
    assert [str(a) for a in table.column("STL-AMOUNT").to_pylist()] == \
        [r["STL-AMOUNT"] for r in rows]


def test_bad_copybook_and_bad_records(tmp_path: Path, fixed_file: bytes) -> None:
    path = tmp_path / "stl.dat"
    corrupt = bytearray(fixed_file)
    corrupt[153 * 2 + 68] = 0xFA
    path.write_bytes(bytes(corrupt))
    broken = tmp_path / "broken.cpy"
    broken.write_text("01 R.\n   05 A PIC Q.\n")
    code, _, err = run(str(path), "--copybook", str(broken))
    assert code == 2 and "line 2" in err
    cpy = str(FIXTURES / "STLREC.cpy")
    code, out, err = run(str(path), "--copybook", cpy, *CONTROL)
    assert code == 0 and "record 2" in err and "nibble F" in err and "unverifiable" in err
    assert len(out.splitlines()) == len(fixed_file) // 153 - 3
    code, _, err = run(str(path), "--copybook", cpy, "--strict", *CONTROL)
    assert code == 1 and "STL-AMOUNT" in err
