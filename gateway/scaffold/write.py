"""Writing a drafted adapter into a project: never over an existing file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gateway.scaffold.derive_copybook import from_copybook
from gateway.scaffold.derive_odbc import from_catalog
from gateway.scaffold.derive_soap import from_wsdl
from gateway.scaffold.draft import Draft
from gateway.scaffold.hand import hand_written
from gateway.scaffold.plan import Request, ScaffoldError


@dataclass(frozen=True)
class Written:
    paths: list[Path]  # relative to the root, in the order written
    test: Path


def draft(request: Request) -> Draft:
    if request.table is not None:
        return from_catalog(request)
    if request.wsdl is not None:
        return from_wsdl(request)
    if request.copybook is not None:
        return from_copybook(request)
    return hand_written(request)


def scaffold(request: Request) -> Written:
    """Check, draft, then write every file or none."""
    request.check()
    files = draft(request).files(request)
    taken = [path for path in files if (request.root / path).exists()]
    if taken:
        raise ScaffoldError(f"refusing to overwrite {', '.join(taken)}")
    for path, content in files.items():
        target = request.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return Written([Path(p) for p in files], Path(f"tests/adapters/test_{request.name}.py"))
