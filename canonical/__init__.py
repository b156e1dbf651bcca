"""Canonical, versioned business entities and their registry.

Importing this package registers every entity module in `canonical.entities`.
"""

import importlib
import pkgutil

from canonical import entities
from canonical.base import AwareDatetime, CanonicalModel, Identifier, Money
from canonical.registry import SchemaError, SchemaRegistry, registry

for _module in pkgutil.iter_modules(entities.__path__):
    importlib.import_module(f"{entities.__name__}.{_module.name}")

__all__ = [
    "AwareDatetime",
    "CanonicalModel",
    "Identifier",
    "Money",
    "SchemaError",
    "SchemaRegistry",
    "registry",
]
