"""Adapter authoring: `mainbridge new adapter` writes a working adapter, its fixture folder
and its test, from one template per bridge or derived from a self-describing contract."""

from gateway.scaffold.plan import BRIDGES, REFERENCE_SYSTEMS, Request, ScaffoldError
from gateway.scaffold.write import Written, scaffold

__all__ = ["BRIDGES", "REFERENCE_SYSTEMS", "Request", "ScaffoldError", "Written", "scaffold"]
