"""The schema registry: golden documents, upcasting, JSON Schema, compatibility."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pytest
from pydantic import ValidationError

from canonical import CanonicalModel, Money, SchemaError, SchemaRegistry, registry
from canonical.base import AwareDatetime
from canonical.compat import Compatibility, incompatibilities, is_compatible
from canonical.entities.customer import CustomerV1, CustomerV2
from emulators.dataset import fixtures_dir

GOLDEN = sorted((fixtures_dir() / "canonical").glob("*/v*/*.json"))


def test_there_are_golden_documents_for_every_registered_entity() -> None:
    covered = {p.parts[-3] for p in GOLDEN}
    keys: list[str] = registry.keys()
    entities = {key.split("@")[0] for key in keys}
    assert entities <= covered, f"no golden document for {sorted(entities - covered)}"


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: "/".join(p.parts[-3:]))
def test_golden_document_validates_and_upcasts_to_latest(path: Path) -> None:
    entity, version = path.parts[-3], int(path.parts[-2][1:])
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == version
    registry.model(f"{entity}@{version}").model_validate(document)
    latest = registry.load(entity, document)
    assert type(latest) is registry.latest(entity)
    assert latest.model_dump()["version"] == registry.versions(entity)[-1]


def test_customer_v1_upcasts_to_v2_field_by_field() -> None:
    v1 = {"version": 1, "customer_id": "C000001", "name": "John Doe", "phone": "+1 555",
          "email": "john.doe@example.com", "segment": "retail", "country": "US"}
    v2 = registry.load("customer", v1)
    assert isinstance(v2, CustomerV2)
    assert (v2.first_name, v2.last_name, v2.mobile_phone) == ("John", "Doe", "+1 555")
    assert v2.preferred_language is None
    assert v1["name"] == "John Doe", "upcasting must not modify its input"


def test_multi_word_and_single_names_split_predictably() -> None:
    doc = {"version": 1, "customer_id": "C1", "segment": "retail", "country": "FR"}
    jean = registry.load("customer", {**doc, "name": "Jean  de la Fontaine"})
    assert (jean.first_name, jean.last_name) == ("Jean", "de la Fontaine")  # type: ignore[attr-defined]
    cher = registry.load("customer", {**doc, "name": "Cher"})
    assert (cher.first_name, cher.last_name) == ("", "Cher")  # type: ignore[attr-defined]


def test_no_downcasts_and_unknown_keys_are_errors() -> None:
    v2 = json.loads((fixtures_dir() / "canonical/customer/v2/john_doe.json").read_text())
    with pytest.raises(SchemaError, match="never downcasts"):
        registry.load("customer", v2, want="customer@1")
    with pytest.raises(SchemaError):
        registry.model("customer@9")
    with pytest.raises(SchemaError):
        registry.model("customer")


def test_migration_log_is_ordered_and_described() -> None:
    steps = list(registry.migrations("customer"))
    assert [(s.from_version, s.to_version) for s in steps] == [(1, 2)]
    assert "first_name" in steps[0].description


def test_json_schema_export_is_closed_and_identified() -> None:
    schema = registry.json_schema("customer@2")
    assert schema["$id"] == "urn:mainbridge:schema:customer@2"
    assert schema["additionalProperties"] is False
    assert {"first_name", "last_name", "customer_id"} <= set(schema["required"])


def test_customer_v2_is_a_breaking_change_in_both_directions() -> None:
    problems = incompatibilities(CustomerV1, CustomerV2, Compatibility.FULL)
    assert any("backward" in p and ".first_name" in p for p in problems)
    assert any("forward" in p and ".mobile_phone" in p for p in problems)


class _V1(CanonicalModel):
    entity, schema_version = "thing", 1
    version: Literal[1] = 1
    thing_id: str
    note: str | None = None


class _V2Optional(CanonicalModel):
    entity, schema_version = "thing", 2
    version: Literal[2] = 2
    thing_id: str
    note: str | None = None
    colour: str | None = None


class _V2Required(CanonicalModel):
    entity, schema_version = "thing", 2
    version: Literal[2] = 2
    thing_id: str
    note: str | None = None
    colour: str


class _V2Retyped(CanonicalModel):
    entity, schema_version = "thing", 2
    version: Literal[2] = 2
    thing_id: int
    note: str | None = None


def test_new_optional_field_is_backward_but_not_forward_compatible() -> None:
    assert is_compatible(_V1, _V2Optional, Compatibility.BACKWARD)
    assert not is_compatible(_V1, _V2Optional, Compatibility.FORWARD)  # v1 readers are closed


def test_new_required_field_and_changed_type_break_backward() -> None:
    assert not is_compatible(_V1, _V2Required, Compatibility.BACKWARD)
    retyped = incompatibilities(_V1, _V2Retyped, Compatibility.BACKWARD)
    assert retyped and ".thing_id" in retyped[0]


def test_identical_versions_are_fully_compatible() -> None:
    assert is_compatible(_V1, _V1, Compatibility.FULL)


def test_a_registry_refuses_duplicates_and_unversioned_models() -> None:
    local = SchemaRegistry()
    local.register(_V1)
    with pytest.raises(SchemaError):
        local.register(_V2Optional.__class__("Clash", (_V1,), {}))
    with pytest.raises(SchemaError):
        local.upcaster("thing", 1, "a")(lambda d: d)
        local.upcaster("thing", 1, "b")(lambda d: d)


def test_money_is_exact_and_refuses_floats_and_unknown_currencies() -> None:
    assert Money(amount="0.10", currency="EUR").amount == Decimal("0.10")
    assert (Money(amount="0.10", currency="EUR") + Money(amount="0.20", currency="EUR")).amount \
        == Decimal("0.30")
    with pytest.raises(ValidationError, match="never float"):
        Money(amount=0.1, currency="EUR")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="ISO 4217"):
        Money(amount="1", currency="XXY")
    with pytest.raises(ValueError, match="cannot add"):
        Money(amount="1", currency="EUR") + Money(amount="1", currency="USD")


def test_timestamps_must_carry_a_time_zone() -> None:
    class Stamp(CanonicalModel):
        at: AwareDatetime

    with pytest.raises(ValidationError, match="timezone-aware"):
        Stamp(at=datetime(2026, 1, 1, 12, 0))
    assert Stamp(at="2026-01-01T12:00:00+01:00").at.utcoffset() is not None  # type: ignore[arg-type]


def test_models_are_frozen_and_closed() -> None:
    customer = CustomerV1(customer_id="C1", name="A B", segment="retail", country="US")
    with pytest.raises(ValidationError):
        customer.name = "X"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        CustomerV1(customer_id="C1", name="A", segment="retail", country="US", shoe_size=9)  # type: ignore[call-arg]
