"""Code pages: cp1047 checked byte for byte against glibc's iconv; EBCDIC differences."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bridges.errors import ConfigError
from bridges.records.codepages import check_codepage


@pytest.mark.skipif(shutil.which("iconv") is None, reason="needs iconv")
@pytest.mark.parametrize("ours,theirs", [("cp1047", "IBM1047"), ("cp037", "IBM037"),
                                         ("cp500", "IBM500")])
def test_code_page_equals_iconv(ours: str, theirs: str) -> None:
    every = bytes(range(256))
    utf32 = subprocess.run(["iconv", "-f", theirs, "-t", "UTF-32BE"], input=every,
                           capture_output=True, check=True).stdout
    assert every.decode(check_codepage(ours)) == utf32.decode("utf-32-be")
    assert utf32.decode("utf-32-be").encode(ours) == every


def test_brackets_differ_between_ebcdic_pages() -> None:
    assert "[]".encode("cp037") == b"\xba\xbb"
    assert "[]".encode("cp1047") == b"\xad\xbd"
    assert "[]".encode("cp500") == b"\x4a\x5a"
    with pytest.raises(ConfigError):
        check_codepage("cp99999")
