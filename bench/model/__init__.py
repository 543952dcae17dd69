"""Contracts shared by every stage: the query language, verdicts, translations and resource types.

These are the only types that cross stage boundaries, so they live at the bottom of the import graph
and import nothing else from the package.
"""

from bench.model.gold import Gold
from bench.model.query import DestinationKind, Protocol, Query, destination_kind
from bench.model.resources import (
    RA_RESOURCE_TYPES,
    UNSUPPORTED_RESOURCE_TYPES,
    ResourceType,
    resource_type_of_id,
)
from bench.model.translation import Translation, TranslationStatus, Usage
from bench.model.verdict import (
    EXPLANATION_CODES,
    BlockingComponent,
    Hop,
    Packet,
    Verdict,
)

__all__ = [
    "EXPLANATION_CODES",
    "RA_RESOURCE_TYPES",
    "UNSUPPORTED_RESOURCE_TYPES",
    "BlockingComponent",
    "DestinationKind",
    "Gold",
    "Hop",
    "Packet",
    "Protocol",
    "Query",
    "ResourceType",
    "Translation",
    "TranslationStatus",
    "Usage",
    "Verdict",
    "destination_kind",
    "resource_type_of_id",
]
