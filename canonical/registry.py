"""The schema registry: every canonical model by `entity@version`, plus its upcasters.

Upcasters are pure dict -> dict steps from version N to N+1, kept in order with a one-line
description each (a migration log a reviewer can read). There are no downcasts: an old
consumer asking for an old version of new data gets an error, not a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from canonical.base import CanonicalModel

Document = dict[str, Any]
UpcastFn = Callable[[Document], Document]


class SchemaError(Exception):
    """A schema key is unknown, or a document cannot be brought to the version asked for."""


@dataclass(frozen=True)
class Upcaster:
    entity: str
    from_version: int
    description: str
    fn: UpcastFn

    @property
    def to_version(self) -> int:
        return self.from_version + 1


def parse_key(key: str) -> tuple[str, int]:
    entity, sep, version = key.partition("@")
    if not sep or not entity or not version.isdigit():
        raise SchemaError(f"schema key must look like 'entity@N', got {key!r}")
    return entity, int(version)


class SchemaRegistry:
    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[CanonicalModel]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, model: type[CanonicalModel]) -> type[CanonicalModel]:
        """Class decorator: file a model under its `entity@version`."""
        ident = (model.entity, model.schema_version)
        if not model.entity or model.schema_version < 1:
            raise SchemaError(f"{model.__name__} must set entity and schema_version >= 1")
        if ident in self._models and self._models[ident] is not model:
            raise SchemaError(f"{model.key()} is already registered")
        self._models[ident] = model
        return model

    def upcaster(self, entity: str, from_version: int, description: str) -> Callable[
        [UpcastFn], UpcastFn
    ]:
        """Decorator: file a pure step that turns an `entity@N` document into `entity@N+1`."""

        def decorate(fn: UpcastFn) -> UpcastFn:
            ident = (entity, from_version)
            if ident in self._upcasters:
                raise SchemaError(f"{entity}@{from_version} already has an upcaster")
            self._upcasters[ident] = Upcaster(entity, from_version, description, fn)
            return fn

        return decorate

    def model(self, key: str) -> type[CanonicalModel]:
        ident = parse_key(key)
        try:
            return self._models[ident]
        except KeyError:
            raise SchemaError(f"unknown schema {key!r}") from None

    def keys(self) -> list[str]:
        return [f"{e}@{v}" for e, v in sorted(self._models)]

    def versions(self, entity: str) -> list[int]:
        return sorted(v for e, v in self._models if e == entity)

    def latest(self, entity: str) -> type[CanonicalModel]:
        versions = self.versions(entity)
        if not versions:
            raise SchemaError(f"unknown entity {entity!r}")
        return self._models[(entity, versions[-1])]

    def migrations(self, entity: str) -> Iterator[Upcaster]:
        """The ordered migration log of one entity."""
        for (e, _), step in sorted(self._upcasters.items()):
            if e == entity:
                yield step

    def upcast(self, entity: str, document: Document, from_version: int, to_version: int) -> (
        Document
    ):
        """Apply the upcasters in order; the input document is never modified."""
        if to_version < from_version:
            raise SchemaError(
                f"{entity}@{from_version} cannot be turned into the older @{to_version}: "
                "mainbridge never downcasts"
            )
        doc = dict(document)
        for version in range(from_version, to_version):
            step = self._upcasters.get((entity, version))
            if step is None:
                raise SchemaError(f"no upcaster from {entity}@{version} to @{version + 1}")
            doc = step.fn(doc)
            doc["version"] = step.to_version
        return doc

    def load(self, entity: str, document: Document, want: str | None = None) -> CanonicalModel:
        """Validate a document (it names its own `version`), upcast to `want` (default latest)."""
        version = document.get("version")
        if not isinstance(version, int):
            raise SchemaError(f"a {entity} document must carry an integer 'version'")
        target = self.model(want) if want else self.latest(entity)
        if target.entity != entity:
            raise SchemaError(f"asked for {target.key()} from a {entity} document")
        self.model(f"{entity}@{version}").model_validate(document)
        upcast = self.upcast(entity, document, version, target.schema_version)
        return target.model_validate(upcast)

    def convert(self, value: CanonicalModel, want: str) -> CanonicalModel:
        """Bring a model to another (newer or equal) version of the same entity."""
        return self.load(value.entity, value.model_dump(mode="json"), want)

    def json_schema(self, key: str) -> dict[str, Any]:
        model = self.model(key)
        schema = model.model_json_schema(mode="serialization")
        schema["$id"] = f"urn:mainbridge:schema:{key}"
        return schema


registry = SchemaRegistry()
"""The process-wide registry the canonical entity modules register into."""
