"""The case corpus: schema, loader, generator, export."""

from bench.cases.schema import Case, CaseInput, Context, Gold, InventoryItem

__all__ = ["Case", "CaseInput", "Context", "Gold", "InventoryItem"]
