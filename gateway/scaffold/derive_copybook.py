"""Copybook -> an SFTP file tool: one typed record model per detail layout of the copybook."""

from __future__ import annotations

from bridges.errors import ConfigError
from bridges.records import CopybookError, FileSpec, Layout, Role
from bridges.records.picture import Category
from gateway.scaffold.draft import Draft
from gateway.scaffold.plan import (
    REFERENCE,
    Request,
    ScaffoldError,
    class_name,
    literal,
    render,
)

# The reference system's facts: where its partners' files are and how they are written.
FOLDER, CODEPAGE, FORMAT = "clearing/outbox", "cp037", "FIXED"
EXAMPLE_FILE = "STL_CLEARING_20261126.DAT"


def field_line(path: str, layout: Layout) -> tuple[str, str]:
    """(python name, declaration) of one top-level item of a record layout."""
    node = dict(layout.leaves())[path]
    python = path.replace("-", "_")
    assert node.codec is not None  # leaves() yields elementary items only
    picture = node.codec.picture
    if picture.category is not Category.NUMERIC:
        return python, f'str = Field(alias="{path}", max_length={picture.length})'
    if picture.scale > 0:
        return python, (f'Decimal = Field(alias="{path}", max_digits={picture.digits}, '
                        f"decimal_places={picture.scale})")
    return python, f'int = Field(alias="{path}")'


def model(layout: Layout) -> tuple[str, bool, bool]:
    """A record model's source, and whether it needs Decimal / Any."""
    lines = [f"class {class_name(layout.name)}(BaseModel):",
             f'    """One {layout.name} record, typed as the copybook declares it."""', ""]
    decimal = nested = False
    seen: set[str] = set()
    for path, _node in layout.leaves():
        top = path.split(".")[0].removesuffix("[]")
        if top in seen:
            continue
        seen.add(top)
        if top != path:  # a group or a table: kept as decoded, typed by hand if needed
            lines.append(f'    {top.replace("-", "_")}: Any = Field(alias="{top}")')
            nested = True
            continue
        python, declaration = field_line(path, layout)
        decimal = decimal or declaration.startswith("Decimal")
        lines.append(f"    {python}: {declaration}")
    return "\n".join(lines), decimal, nested


def from_copybook(request: Request) -> Draft:
    assert request.copybook is not None  # checked by Request
    try:
        text = request.copybook.read_text(encoding="utf-8")
        spec = FileSpec.from_copybook(text, codepage=CODEPAGE)
    except (OSError, CopybookError, ConfigError) as exc:
        raise ScaffoldError(f"cannot derive records from {request.copybook}: {exc}") from None
    details = [kind.layout for kind in spec.kinds.values() if kind.role is Role.DETAIL]
    models = [model(layout) for layout in details]
    std = ["import io", *(["from decimal import Decimal"] if any(m[1] for m in models) else []),
           "from functools import cache", "from pathlib import Path",
           *(["from typing import Any"] if any(m[2] for m in models) else [])]
    example = request.examples.get("file_name", EXAMPLE_FILE)
    adapter = render(
        "sftp_copybook.py.tmpl", name=request.name, system=request.target_system,
        copybook=request.copybook.name, folder=FOLDER, codepage=CODEPAGE, format=FORMAT,
        layouts=", ".join(layout.name for layout in details), std_imports="\n".join(std),
        models="\n\n\n".join(m[0] for m in models),
        records=", ".join(f'"{layout.name}": {class_name(layout.name)}' for layout in details),
        example=literal(example), tool=f"{request.name}_read_file",
        tool_class=f"Read{class_name(request.name)}File")
    checks = ['assert data and {r["kind"] for r in data} <= '
              + literal({layout.name for layout in details}),
              f'assert all(r["source"].endswith({literal(example)}) for r in data)']
    return Draft(adapter, REFERENCE["sftp"], checks,
                 fixtures={request.copybook.name: text})
