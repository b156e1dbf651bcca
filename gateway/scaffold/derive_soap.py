"""WSDL -> a SOAP tool: WsdlTool derives the parameters from the operation's XSD input."""

from __future__ import annotations

import re
from pathlib import Path

from bridges.errors import ConfigError
from bridges.soap_schema import wsdl_operations
from gateway.scaffold.draft import Draft
from gateway.scaffold.plan import (
    REFERENCE,
    SOAP_REFERENCES,
    Request,
    ScaffoldError,
    literal,
    render,
)

_LOCATION = re.compile(rb'(?:schemaLocation|location)="([^"/\\:]+\.(?:xsd|wsdl))"')


def contract_files(wsdl: Path) -> dict[str, bytes]:
    """The WSDL and the local schemas it imports by plain file name (no path, no URL)."""
    files = {wsdl.name: wsdl.read_bytes()}
    pending = [wsdl.name]
    while pending:
        for name in _LOCATION.findall(files[pending.pop()]):
            text = name.decode()
            if text not in files and (wsdl.parent / text).is_file():
                files[text] = (wsdl.parent / text).read_bytes()
                pending.append(text)
    return files


def from_wsdl(request: Request) -> Draft:
    assert request.wsdl is not None and request.operation is not None  # checked by Request
    source = request.wsdl.resolve()
    contracts = (request.root / "fixtures" / "soap").resolve()
    fixtures: dict[str, str | bytes] = {}
    if source.parent == contracts:  # a contract the gateway already loads: refer to it
        wsdl, std_imports = literal(source.name), "from typing import Any"
        derive_from = source.name
    else:  # the adapter keeps its own copy, beside its other facts
        fixtures.update(contract_files(source))
        wsdl = f'str(Path(__file__).resolve().parents[1] / "fixtures" / "{request.name}" / ' \
               f'"{source.name}")'
        std_imports = "from pathlib import Path\nfrom typing import Any"
        derive_from = str(source)
    try:
        operations = wsdl_operations(derive_from)
    except ConfigError as exc:
        raise ScaffoldError(str(exc)) from None
    if request.operation not in operations:
        raise ScaffoldError(f"{source.name} has no operation {request.operation!r}; it has "
                            f"{', '.join(sorted(operations))}")
    params = operations[request.operation].Params
    if not request.examples:
        raise ScaffoldError("a derived tool needs its happy call: --example NAME=VALUE for "
                            f"{request.operation}'s inputs ({', '.join(params.model_fields)})")
    try:
        params.model_validate(request.examples)
    except ValueError as exc:
        raise ScaffoldError(f"--example does not fit {request.operation}'s input: {exc}") \
            from None
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", request.operation).lower()
    adapter = render(
        "soap_wsdl.py.tmpl", name=request.name, operation=request.operation,
        wsdl_name=source.name, wsdl=wsdl, std_imports=std_imports,
        system=request.target_system, tool=f"{request.name}_{snake}",
        tool_class=request.operation[:1].upper() + request.operation[1:],
        description=f"The {request.operation} operation of {source.name}, as the vendor "
                    "replies.", happy=literal(request.examples))
    reference = request.target_system if request.target_system in SOAP_REFERENCES \
        else REFERENCE["soap"]
    checks = [f'assert data["kind"] == {literal(request.operation)} and data["fields"]']
    return Draft(adapter, reference, checks, not_found=False, fixtures=fixtures)
