"""One benchmark case: the question a translator sees (``input``) and the gold it never sees.

``input`` and ``gold`` are separate models so that the runner can hand a translator ``case.input`` and
nothing else; only the ``oracle`` test double gets the gold, through its own channel.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Gold lives in bench.model so that scorers can read it without importing the cases stage;
# it is re-exported here, where a case file's readers look for it.
from bench.model import Gold


class InventoryItem(BaseModel):
    """What a console assistant sees of one resource: enough to resolve names, never the rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: str  # a bench.model.ResourceType value
    name: str | None = None
    region: str
    vpc_id: str | None = None
    subnet_id: str | None = None
    private_ips: tuple[str, ...] = ()
    public_ips: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    tags: dict[str, str] = Field(default_factory=dict)


class Context(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    home_region: str
    account_id: str
    inventory: tuple[InventoryItem, ...] = ()


class CaseInput(BaseModel):
    """Everything a translator may read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    turns: tuple[str, ...] = Field(min_length=1)  # user messages, oldest first; later ones may correct
    context: Context


class Case(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    suite: str
    split: Literal["dev", "test"]
    world: str
    lang: str
    input: CaseInput
    gold: Gold
    tags: tuple[str, ...] = ()  # "axis:value", e.g. fault:nacl-all, dest:fqdn, ref:name, lang:ja
    comment: str | None = None
