"""AWS FIS experiment templates as faults: parse, resolve targets like FIS, perform the EC2 mutations.

moto has no FIS experiments, so each supported action is carried out here with the EC2 calls FIS itself
makes (documented in the FIS action reference); the result is the account state *during* the experiment.
Actions of other services are accepted (real templates mix them) and reported as not modelled.
Errors name the template and the field, since templates are often copied from elsewhere.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.aws.regions import all_regions

DISRUPT = "aws:network:disrupt-connectivity"
RT_CROSS = "aws:network:route-table-disrupt-cross-region-connectivity"
TGW_CROSS = "aws:network:transit-gateway-disrupt-cross-region-connectivity"
VPCE = "aws:network:disrupt-vpc-endpoint"

# action id -> (target key, resource type, required parameters, optional parameters)
NETWORK_ACTIONS: dict[str, tuple[str, str, frozenset[str], frozenset[str]]] = {
    DISRUPT: (
        "Subnets",
        "aws:ec2:subnet",
        frozenset({"duration"}),
        frozenset({"scope", "prefixListIdentifier"}),
    ),
    RT_CROSS: ("Subnets", "aws:ec2:subnet", frozenset({"duration"}), frozenset({"region"})),
    TGW_CROSS: ("TransitGateways", "aws:ec2:transit-gateway", frozenset({"duration"}), frozenset({"region"})),
    VPCE: ("VPCEndpoints", "aws:ec2:vpc-endpoint", frozenset({"duration"}), frozenset()),
}
SCOPES = ("all", "availability-zone", "dynamodb", "prefix-list", "s3", "s3express", "vpc")

# Real FIS actions this benchmark does not model: accepted and reported in the world's provenance.
OTHER_ACTIONS = frozenset(
    {
        "aws:fis:wait",
        "aws:fis:inject-api-internal-error",
        "aws:fis:inject-api-throttle-error",
        "aws:fis:inject-api-unavailable-error",
        "aws:cloudwatch:assert-alarm-state",
        "aws:dynamodb:global-table-pause-replication",
        "aws:ebs:pause-volume-io",
        "aws:ec2:api-insufficient-instance-capacity-error",
        "aws:ec2:asg-insufficient-instance-capacity-error",
        "aws:ec2:reboot-instances",
        "aws:ec2:send-spot-instance-interruptions",
        "aws:ec2:stop-instances",
        "aws:ec2:terminate-instances",
        "aws:ecs:drain-container-instances",
        "aws:ecs:stop-task",
        "aws:ecs:task-cpu-stress",
        "aws:ecs:task-io-stress",
        "aws:ecs:task-kill-process",
        "aws:ecs:task-network-blackhole-port",
        "aws:ecs:task-network-latency",
        "aws:ecs:task-network-packet-loss",
        "aws:eks:inject-kubernetes-custom-resource",
        "aws:eks:pod-cpu-stress",
        "aws:eks:pod-delete",
        "aws:eks:pod-io-stress",
        "aws:eks:pod-memory-stress",
        "aws:eks:pod-network-blackhole-port",
        "aws:eks:pod-network-latency",
        "aws:eks:pod-network-packet-loss",
        "aws:eks:terminate-nodegroup-instances",
        "aws:elasticache:replicationgroup-interrupt-az-power",
        "aws:elasticache:interrupt-cluster-az-power",
        "aws:kinesis:stream-provisioned-throughput-exception",
        "aws:lambda:invocation-add-delay",
        "aws:lambda:invocation-error",
        "aws:lambda:invocation-http-integration-response",
        "aws:rds:failover-db-cluster",
        "aws:rds:reboot-db-instances",
        "aws:s3:bucket-pause-replication",
        "aws:ssm:send-command",
        "aws:ssm:start-automation-execution",
        "aws:arc:start-zonal-autoshift",
        "aws:directconnect:virtual-interface-disconnect",
        "aws:memorydb:multi-region-cluster-pause-replication",
        "aws:ec2:ebs-pause-io",
    }
)
_DURATION = re.compile(r"^PT(?=\d)(\d+H)?(\d+M)?(\d+S)?$")
_SELECTION = re.compile(r"^(ALL|COUNT\((\d+)\)|PERCENT\((\d+)\))$")


class FisTemplateError(ValueError):
    """A template that cannot be applied; the message names the template and the field."""


@dataclass(frozen=True)
class Template:
    name: str  # file path or "<scenario>: faults.<fault>[i]" for inline templates
    doc: dict[str, Any]

    def error(self, field: str, reason: str) -> FisTemplateError:
        return FisTemplateError(f"FIS template {self.name}: {field}: {reason}")


def load_template(value: str | dict[str, Any], base_dir: Path, inline_name: str) -> Template:
    """A template from a JSON file path (relative to the scenario) or an inline mapping."""
    if isinstance(value, dict):
        return Template(inline_name, value)
    path = Path(value)
    if not path.is_absolute():
        path = base_dir / path
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FisTemplateError(f"FIS template {path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise FisTemplateError(f"FIS template {path}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(doc, dict):
        raise FisTemplateError(f"FIS template {path}: top level must be an object")
    return Template(str(path), doc)


@dataclass(frozen=True)
class PlannedAction:
    name: str
    action_id: str
    parameters: dict[str, str]
    target_name: str | None
    modelled: bool


def validate(t: Template) -> list[PlannedAction]:
    """Check the template's shape and every action's id, parameters and target reference."""
    doc = t.doc
    actions = doc.get("actions")
    if not isinstance(actions, dict) or not actions:
        raise t.error("actions", "must be a non-empty object of named actions")
    targets = doc.get("targets", {})
    if not isinstance(targets, dict):
        raise t.error("targets", "must be an object of named targets")
    for tname, target in targets.items():
        _validate_target(t, tname, target)
    planned = []
    for name, action in actions.items():
        field = f"actions.{name}"
        if not isinstance(action, dict):
            raise t.error(field, "must be an object")
        action_id = action.get("actionId")
        if not isinstance(action_id, str):
            raise t.error(f"{field}.actionId", "missing")
        params = action.get("parameters", {}) or {}
        if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
            raise t.error(f"{field}.parameters", "must map names to strings")
        action_targets = action.get("targets", {}) or {}
        for key, ref in action_targets.items():
            if ref not in targets:
                raise t.error(f"{field}.targets.{key}", f"names target {ref!r}, not defined under targets")
        if action_id in NETWORK_ACTIONS:
            key, rtype, required, optional = NETWORK_ACTIONS[action_id]
            _check_params(t, field, action_id, params, required, optional)
            if set(action_targets) != {key}:
                raise t.error(f"{field}.targets", f"{action_id} takes exactly one target key {key!r}")
            tref = action_targets[key]
            if targets[tref].get("resourceType") != rtype:
                raise t.error(f"targets.{tref}.resourceType", f"{action_id} needs {rtype!r}")
            planned.append(PlannedAction(name, action_id, dict(params), tref, True))
        elif action_id in OTHER_ACTIONS:
            planned.append(PlannedAction(name, action_id, dict(params), None, False))
        else:
            known = sorted(NETWORK_ACTIONS) + sorted(OTHER_ACTIONS)
            close = difflib.get_close_matches(action_id, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise t.error(f"{field}.actionId", f"unknown FIS action {action_id!r}{hint}")
    return planned


def _check_params(
    t: Template,
    field: str,
    action_id: str,
    params: dict[str, str],
    required: frozenset[str],
    optional: frozenset[str],
) -> None:
    for p in sorted(required - set(params)):
        raise t.error(f"{field}.parameters.{p}", "required")
    for p in sorted(set(params) - required - optional):
        raise t.error(f"{field}.parameters.{p}", f"not a parameter of {action_id}")
    if not _DURATION.match(params["duration"]):
        raise t.error(
            f"{field}.parameters.duration", f"not an ISO 8601 duration like PT10M: {params['duration']!r}"
        )
    if action_id == DISRUPT:
        scope = params.get("scope", "all")
        if scope not in SCOPES:
            raise t.error(f"{field}.parameters.scope", f"{scope!r} is not one of {', '.join(SCOPES)}")
        if (scope == "prefix-list") != ("prefixListIdentifier" in params):
            raise t.error(
                f"{field}.parameters.prefixListIdentifier", "required with scope prefix-list, only then"
            )
    if action_id in (RT_CROSS, TGW_CROSS):
        region = params.get("region")
        if region is None:
            raise t.error(f"{field}.parameters.region", "required")
        if region not in all_regions():
            close = difflib.get_close_matches(region, list(all_regions()), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise t.error(f"{field}.parameters.region", f"unknown Region {region!r}{hint}")


def _validate_target(t: Template, tname: str, target: Any) -> None:
    field = f"targets.{tname}"
    if not isinstance(target, dict):
        raise t.error(field, "must be an object")
    if not isinstance(target.get("resourceType"), str):
        raise t.error(f"{field}.resourceType", "missing")
    if "resourceArns" in target and "resourceTags" in target:
        raise t.error(field, "give resourceArns or resourceTags, not both")
    if not any(k in target for k in ("resourceArns", "resourceTags", "filters")):
        raise t.error(field, "needs resourceArns, resourceTags or filters")
    mode = target.get("selectionMode")
    if not isinstance(mode, str) or not _SELECTION.match(mode):
        raise t.error(f"{field}.selectionMode", f"must be ALL, COUNT(n) or PERCENT(n), got {mode!r}")
    for i, flt in enumerate(target.get("filters", []) or []):
        if (
            not isinstance(flt, dict)
            or not isinstance(flt.get("path"), str)
            or not isinstance(flt.get("values"), list)
        ):
            raise t.error(f"{field}.filters[{i}]", "needs path (string) and values (list)")


def _dig(obj: Any, path: str) -> list[str]:
    """Values at a FIS filter path (dotted, into the Describe output); lists fan out."""
    items = [obj]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in items:
            value = item.get(part) if isinstance(item, dict) else None
            if isinstance(value, list):
                nxt.extend(value)
            elif value is not None:
                nxt.append(value)
        items = nxt
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def select(t: Template, tname: str, candidates: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """FIS target resolution over ``(arn, describe-output)`` candidates; deterministic selection.

    FIS picks COUNT/PERCENT members at random; here the first ones in ARN order are taken so the world
    is the same on every build. Returns the selected ARNs.
    """
    target = t.doc["targets"][tname]
    field = f"targets.{tname}"
    by_arn = dict(candidates)
    if "resourceArns" in target:
        arns = target["resourceArns"]
        if not isinstance(arns, list):
            raise t.error(f"{field}.resourceArns", "must be a list of ARNs")
        for i, arn in enumerate(arns):
            if arn not in by_arn:
                raise t.error(f"{field}.resourceArns[{i}]", f"no such resource in this world: {arn}")
        chosen = [(a, by_arn[a]) for a in arns]
    else:
        chosen = sorted(candidates)
        tags = target.get("resourceTags") or {}
        if not isinstance(tags, dict):
            raise t.error(f"{field}.resourceTags", "must map tag keys to values")
        for key, value in tags.items():
            chosen = [(a, d) for a, d in chosen if _tags(d).get(key) == value]
    for flt in target.get("filters", []) or []:
        wanted = {str(v) for v in flt["values"]}
        chosen = [(a, d) for a, d in chosen if wanted & set(_dig(d, flt["path"]))]
    arns = sorted({a for a, _ in chosen})
    m = _SELECTION.match(target["selectionMode"])
    assert m is not None  # validated
    if m.group(2) is not None:
        arns = arns[: int(m.group(2))]
    elif m.group(3) is not None:
        arns = arns[: math.ceil(len(arns) * int(m.group(3)) / 100)]
    return arns


def _tags(describe: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in describe.get("Tags", []) or []}


def empty_mode(t: Template) -> str:
    return str((t.doc.get("experimentOptions") or {}).get("emptyTargetResolutionMode", "fail"))
