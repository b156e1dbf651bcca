"""Typed parameters from a WSDL: per operation, a pydantic model (and so a JSON Schema) built
from the XSD of its input element, facets included (zeep drops enumerations and patterns).

Documents are read through the bridge's hardened loader, so the same rules hold: local files in
allowed folders or allow-listed hosts only, no DTDs.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, create_model

from bridges.errors import ConfigError
from bridges.soap import SoapSettings, build_transport

XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
QName = tuple[str | None, str]
BUILTINS: dict[str, Any] = {
    "string": str, "normalizedString": str, "token": str, "anyURI": str, "ID": str,
    "int": int, "integer": int, "long": int, "short": int, "byte": int,
    "nonNegativeInteger": Annotated[int, Field(ge=0)],
    "positiveInteger": Annotated[int, Field(ge=1)],
    "decimal": Decimal, "double": float, "float": float, "boolean": bool,
    "date": date, "dateTime": datetime, "time": time,
}
NUMERIC_FACETS = {"minInclusive": "ge", "maxInclusive": "le", "minExclusive": "gt",
                  "maxExclusive": "lt"}
LENGTH_FACETS = {"minLength": "min_length", "maxLength": "max_length"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True)


def _xs(name: str) -> str:
    return f"{{{XS}}}{name}"


@dataclass(frozen=True)
class OperationModel:
    """One WSDL operation as a typed tool parameter model."""

    name: str
    element: QName
    Params: type[BaseModel]

    def json_schema(self) -> dict[str, Any]:
        return self.Params.model_json_schema()


class SchemaSet:
    """The global elements and named types of every schema a WSDL uses."""

    def __init__(self, wsdl: Path, load: Callable[[str], bytes]) -> None:
        self.load = load
        self.elements: dict[QName, etree._Element] = {}
        self.types: dict[QName, etree._Element] = {}
        self._seen: set[Path] = set()
        self._models: dict[QName, type[BaseModel]] = {}
        self.wsdl = self._parse(wsdl)
        for schema in self.wsdl.iter(_xs("schema")):
            self._add(schema, wsdl)

    def _parse(self, path: Path) -> etree._Element:
        root = etree.fromstring(self.load(str(path)), _parser())
        if root.getroottree().docinfo.doctype:
            raise ConfigError(f"{path.name}: DTDs are not allowed in contracts")
        return root

    def _add(self, schema: etree._Element, base: Path) -> None:
        tns = schema.get("targetNamespace")
        for child in schema:
            if child.tag in (_xs("import"), _xs("include")) and child.get("schemaLocation"):
                location = base.parent / str(child.get("schemaLocation"))
                if location not in self._seen:
                    self._seen.add(location)
                    self._add(self._parse(location), location)
            elif child.tag == _xs("element"):
                self.elements[(tns, str(child.get("name")))] = child
            elif child.tag in (_xs("complexType"), _xs("simpleType")):
                self.types[(tns, str(child.get("name")))] = child

    @staticmethod
    def resolve(node: etree._Element, value: str) -> QName:
        prefix, _, local = value.rpartition(":")
        return node.nsmap.get(prefix or None), local

    # -- operations ----------------------------------------------------------------------
    def operations(self) -> dict[str, OperationModel]:
        parts = {m.get("name"): self.resolve(p, str(p.get("element")))
                 for m in self.wsdl.iter(f"{{{WSDL}}}message")
                 for p in m.iter(f"{{{WSDL}}}part") if p.get("element")}
        result: dict[str, OperationModel] = {}
        for port_type in self.wsdl.iter(f"{{{WSDL}}}portType"):
            for op in port_type.iter(f"{{{WSDL}}}operation"):
                name = str(op.get("name"))
                message = op.find(f"{{{WSDL}}}input")
                if message is None:
                    continue
                element = parts[self.resolve(message, str(message.get("message")))[1]]
                result[name] = OperationModel(name, element, self.element_model(element, name))
        return result

    def element_model(self, qname: QName, name: str) -> type[BaseModel]:
        node = self.elements.get(qname)
        if node is None:
            raise ConfigError(f"element {qname[1]} is not declared in the contract")
        annotation = self._type_of(node, f"{name}Params")
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise ConfigError(f"operation {name}: input element is not a complex type")
        return annotation

    # -- types ---------------------------------------------------------------------------
    def _type_of(self, node: etree._Element, model_name: str) -> Any:
        if node.get("ref"):
            return self._type_of(self.elements[self.resolve(node, str(node.get("ref")))],
                                 model_name)
        if node.get("type"):
            return self._type_ref(node, str(node.get("type")))
        inline = node.find(_xs("complexType"))
        if inline is not None:
            return self._complex(inline, model_name)
        simple = node.find(_xs("simpleType"))
        return self._simple(simple) if simple is not None else str

    def _type_ref(self, node: etree._Element, value: str) -> Any:
        qname = self.resolve(node, value)
        return BUILTINS.get(qname[1], str) if qname[0] == XS else self._named(qname)

    def _named(self, qname: QName) -> Any:
        node = self.types.get(qname)
        if node is None:
            raise ConfigError(f"type {qname[1]} is not declared in the contract")
        if node.tag == _xs("simpleType"):
            return self._simple(node)
        if qname not in self._models:
            self._models[qname] = self._complex(node, qname[1])
        return self._models[qname]

    def _simple(self, node: etree._Element) -> Any:
        restriction = node.find(_xs("restriction"))
        if restriction is None:
            return str  # lists and unions: accepted as text, the service validates
        base_name = restriction.get("base")
        base: Any = self._type_ref(restriction, base_name) if base_name else str
        enums = [e.get("value") for e in restriction.findall(_xs("enumeration"))]
        if enums:
            return Literal[tuple(enums)]
        constraints: dict[str, Any] = {}
        pattern = restriction.find(_xs("pattern"))
        if pattern is not None:  # XSD patterns are anchored at both ends
            constraints["pattern"] = f"^(?:{pattern.get('value')})$"
        for facet, arg in {**LENGTH_FACETS, **NUMERIC_FACETS}.items():
            found = restriction.find(_xs(facet))
            if found is not None:
                value = str(found.get("value"))
                constraints[arg] = int(value) if facet in LENGTH_FACETS else Decimal(value)
        return Annotated[base, Field(**constraints)] if constraints else base

    def _complex(self, node: etree._Element, model_name: str) -> type[BaseModel]:
        fields: dict[str, Any] = {}
        for child in node.iter(_xs("element")):
            if child.getparent() is None or child.getparent().tag not in (
                    _xs("sequence"), _xs("all"), _xs("choice")):
                continue
            name = str(child.get("name") or self.resolve(child, str(child.get("ref")))[1])
            fields[_python_name(name)] = self._field(child, name, f"{model_name}_{name}")
        return create_model(model_name, __config__=ConfigDict(extra="forbid",
                                                              populate_by_name=True), **fields)

    def _field(self, node: etree._Element, name: str, model_name: str) -> tuple[Any, Any]:
        annotation = self._type_of(node, model_name)
        doc = node.findtext(f"{_xs('annotation')}/{_xs('documentation')}")
        alias = name if _python_name(name) != name else None
        minimum = int(node.get("minOccurs", "1"))
        maximum = node.get("maxOccurs", "1")
        if maximum != "1":
            limit = None if maximum == "unbounded" else int(maximum)
            return (list[annotation], Field(default_factory=list, min_length=minimum,  # type: ignore[valid-type]
                                            max_length=limit, alias=alias, description=doc))
        if minimum == 0:
            return (annotation | None, Field(default=None, alias=alias, description=doc))
        return (annotation, Field(alias=alias, description=doc))


def _python_name(name: str) -> str:
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return clean + "_" if keyword.iskeyword(clean) else clean


@lru_cache(maxsize=32)
def wsdl_operations(wsdl: str) -> dict[str, OperationModel]:
    """Every operation of a WSDL (a path; relative ones under fixtures/soap), derived once."""
    settings = SoapSettings(wsdl=wsdl)
    transport = build_transport(settings)
    try:
        return SchemaSet(settings.wsdl_path(), transport.load).operations()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise ConfigError(f"cannot derive tools from {wsdl}: {exc}") from None
    finally:
        transport.close()


def operation_params(wsdl: str, operation: str) -> type[BaseModel]:
    try:
        return wsdl_operations(wsdl)[operation].Params
    except KeyError:
        raise ConfigError(f"{wsdl} has no operation {operation!r}") from None
