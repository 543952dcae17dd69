"""Read-only by construction: a botocore guard that admits exactly the operations the reader uses.

``reachbench worlds read`` points at a real account, so the reader must be unable to change it even if a
bug asks it to. The guard hooks botocore's ``before-call`` event on each client, which fires after the
request is built and before anything is sent; an operation that is not in the reader's allow-list
(``bench.world.reader.READ_OPERATIONS``: ``(service, Operation)`` pairs) raises :class:`ReadOnlyViolation`
and never reaches the network. A name prefix is not enough: ``sts:GetSessionToken``,
``sts:GetFederationToken``, ``cognito-identity:GetId`` and ``redshift:GetClusterCredentials`` start with
``Get`` and create credentials or identities. Every allowed pair is checked against botocore's service
model of the client it is registered on (the operation must exist there), so a typo cannot widen or
silently break the list. Only the operation name is reported, never parameters or credentials.

Threat model: this protects an account against *mistakes* in reachbench (a bug, a wrong method name, a
future change that calls something new). It is not a sandbox against code that means harm: Python code
running in the same process can unregister the hook or make its own client. Use credentials limited by
a read-only IAM policy (docs/worlds.md) for that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_UNIQUE_ID = "reachbench-read-only-guard"


class ReadOnlyViolation(PermissionError):
    """An AWS operation outside the reader's allow-list was attempted through a read-only client."""


def allowed_operations() -> frozenset[tuple[str, str]]:
    """The reader's ``(service, Operation)`` pairs: the allow-list, defined beside the calls it makes."""
    from bench.world.reader import READ_OPERATIONS

    return READ_OPERATIONS


def is_read_only(operation_name: str, service: str | None = None) -> bool:
    """True when the reader may call ``operation_name`` (on ``service``, or on any service)."""
    allowed = allowed_operations()
    if service is not None:
        return (service, operation_name) in allowed
    return any(op == operation_name for _, op in allowed)


def _service_name(model: Any) -> str:
    return str(getattr(getattr(model, "service_model", None), "service_name", "?"))


def _make_guard(allowed: frozenset[tuple[str, str]]) -> Any:
    def guard(model: Any = None, **_: Any) -> None:
        name = getattr(model, "name", "") or ""
        service = _service_name(model)
        if (service, name) not in allowed:
            raise ReadOnlyViolation(
                f"refused {service}:{name}: the reader may only call the operations it needs "
                f"(bench.world.reader.READ_OPERATIONS)"
            )

    return guard


def check_against_model(client: Any, allowed: Iterable[tuple[str, str]]) -> None:
    """Every allowed operation of the client's service exists in botocore's model of that service."""
    model = client.meta.service_model
    known = set(model.operation_names)
    missing = sorted(op for service, op in allowed if service == model.service_name and op not in known)
    if missing:
        raise ValueError(
            f"read-only allow-list names operations {model.service_name} does not have: {missing}"
        )


def guard_client(client: Any, allowed: Iterable[tuple[str, str]] | None = None) -> Any:
    """Register the guard on ``client`` (idempotent) and return it."""
    pairs = frozenset(allowed) if allowed is not None else allowed_operations()
    check_against_model(client, pairs)
    client.meta.events.register_first("before-call.*.*", _make_guard(pairs), unique_id=_UNIQUE_ID)
    return client


def read_only_client(session: Any, service: str, region: str) -> Any:
    """A boto3 client from ``session`` that can only make the reader's calls."""
    return guard_client(session.client(service, region_name=region))
