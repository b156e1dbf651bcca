"""Records engine: COBOL copybooks, EBCDIC code pages, record formats, batch files, Arrow."""

from bridges.records.batch import (
    BatchReader,
    ControlTotals,
    DecodedRecord,
    ErrorPolicy,
    FileSpec,
    RecordKind,
    Role,
    encode_batch,
    read_batch,
)
from bridges.records.copybook import CopybookError, parse_copybook
from bridges.records.framing import RecordFormat, frame, read_records
from bridges.records.layout import FieldError, Layout, RecordEncodeError, layouts

__all__ = ["BatchReader", "ControlTotals", "CopybookError", "DecodedRecord", "ErrorPolicy",
           "FieldError", "FileSpec", "Layout", "RecordEncodeError", "RecordFormat",
           "RecordKind", "Role", "encode_batch", "frame", "layouts", "parse_copybook",
           "read_batch", "read_records"]
