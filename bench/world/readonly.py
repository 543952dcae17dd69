"""Read-only by construction: a botocore guard that refuses every mutating operation.

``reachbench worlds read`` points at a real account, so the reader must be unable to change it even if a
bug asks it to. The guard hooks botocore's ``before-call`` event on each client, which fires after the
request is built and before anything is sent; an operation whose name does not start with one of
``READ_PREFIXES`` raises :class:`ReadOnlyViolation` and never reaches the network. Only the operation
name is reported, never parameters or credentials.
"""

from __future__ import annotations

from typing import Any

READ_PREFIXES = ("Describe", "List", "Get", "Search")


class ReadOnlyViolation(PermissionError):
    """A mutating AWS operation was attempted through a read-only client."""


def is_read_only(operation_name: str) -> bool:
    return operation_name.startswith(READ_PREFIXES)


def _guard(model: Any = None, **_: Any) -> None:
    name = getattr(model, "name", "") or ""
    if not is_read_only(name):
        service = getattr(getattr(model, "service_model", None), "service_name", "?")
        raise ReadOnlyViolation(
            f"refused {service}:{name}: the reader may only call operations starting with "
            f"{', '.join(READ_PREFIXES)}"
        )


def guard_client(client: Any) -> Any:
    """Register the guard on ``client`` (idempotent) and return it."""
    client.meta.events.register_first("before-call.*.*", _guard, unique_id="reachbench-read-only-guard")
    return client


def read_only_client(session: Any, service: str, region: str) -> Any:
    """A boto3 client from ``session`` that can only read."""
    return guard_client(session.client(service, region_name=region))
