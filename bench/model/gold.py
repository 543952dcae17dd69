"""The gold answer of a case: what scorers judge a translation against.

It lives with the other contracts (not in ``bench.cases``) because scorers read it and must import only
``bench.model``; ``bench.cases.schema`` re-exports it as part of a case.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bench.model.query import Query
from bench.model.verdict import BlockingComponent, Verdict


class Gold(BaseModel):
    """The right answer, computed by the engine from the world (never typed by hand).

    ``answerable`` is judged under the ``ra`` profile; ``verdict`` is the ``truth`` profile's verdict of
    ``query`` (for an unanswerable case it is still the true answer, so a translator that answers
    anyway is judged against the truth). ``equivalents`` lists, per slot (``source``/``destination``),
    other ids that name the same endpoint for this case (e.g. the instance's primary ENI).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    answerable: bool
    abstain_reason: str | None = None
    query: Query | None = None
    verdict: Verdict | None = None
    ra_verdict: Verdict | None = None
    blocking: BlockingComponent | None = None
    equivalents: dict[str, tuple[str, ...]] = Field(default_factory=dict)
