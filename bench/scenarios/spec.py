"""The scenario format: a declarative YAML topology plus named faults (see docs/worlds.md).

Everything a scenario names (VPCs, subnets, groups, gateways...) gets a ``Name`` tag and is referred to
by that name elsewhere in the file, so names are unique within a scenario. Errors name the file, the
YAML path (and line) and the reason, because scenarios are written by hand.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError


class ScenarioError(ValueError):
    """A scenario that cannot be built; the message names the file, the YAML path and the reason."""


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        raise ValueError(f"not a CIDR block: {exc}") from None


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as exc:
        raise ValueError(str(exc)) from None


# Validated and normalized once, wherever a scenario names a block or an address.
Cidr = Annotated[str, AfterValidator(_cidr)]
IpAddress = Annotated[str, AfterValidator(_ip)]

Ports = int | str | None  # 22, "1024-65535", None = all


class SgRuleSpec(_M):
    """One security-group permission; exactly one peer kind per rule keeps the YAML readable."""

    protocol: str = "tcp"  # tcp | udp | icmp | all | IANA number
    ports: Ports = None
    icmp_type: int = -1
    icmp_code: int = -1
    cidr: Cidr | None = None
    group: str | None = None  # a security-group name of this scenario
    prefix_list: str | None = None  # a prefix-list name of this scenario or an AWS one (s3, dynamodb)
    description: str | None = None


class SecurityGroupSpec(_M):
    name: str
    description: str | None = None
    ingress: list[SgRuleSpec] = Field(default_factory=list)
    egress: list[SgRuleSpec] | None = None  # None: AWS's default allow-all egress
    tags: dict[str, str] = Field(default_factory=dict)


class NaclEntrySpec(_M):
    rule: int = Field(ge=1, le=32766)
    egress: bool = False
    protocol: str = "all"
    ports: Ports = None
    icmp_type: int = -1
    icmp_code: int = -1
    cidr: Cidr = "0.0.0.0/0"
    action: Literal["allow", "deny"] = "allow"


class NetworkAclSpec(_M):
    name: str
    subnets: list[str] = Field(default_factory=list)
    entries: list[NaclEntrySpec] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class RouteSpec(_M):
    destination: Cidr | None = None
    destination_prefix_list: str | None = None
    target: str  # name of an IGW, NAT, TGW, peering, VGW, instance; or an id


class RouteTableSpec(_M):
    name: str
    main: bool = False  # replace the VPC's main route table's routes instead of creating a table
    routes: list[RouteSpec] = Field(default_factory=list)
    propagate_from: list[str] = Field(default_factory=list)  # VGW names
    tags: dict[str, str] = Field(default_factory=dict)


class SubnetSpec(_M):
    name: str
    cidr: Cidr
    az: str = "a"  # a zone letter of the VPC's Region, or a full zone name
    public: bool = False  # MapPublicIpOnLaunch
    route_table: str | None = None  # None: the main route table
    tags: dict[str, str] = Field(default_factory=dict)


class InstanceSpec(_M):
    name: str
    subnet: str
    ip: IpAddress | None = None
    public_ip: bool | None = None  # None: the subnet's MapPublicIpOnLaunch
    groups: list[str] = Field(default_factory=list)
    instance_type: str = "t3.micro"
    source_dest_check: bool = True
    tags: dict[str, str] = Field(default_factory=dict)


class NatGatewaySpec(_M):
    name: str
    subnet: str
    ip: str | None = None
    connectivity: Literal["public", "private"] = "public"
    tags: dict[str, str] = Field(default_factory=dict)


class EndpointSpec(_M):
    name: str
    service: str  # s3 | dynamodb | sts | ... or a full com.amazonaws.<region>.<svc>
    type: Literal["Gateway", "Interface"] = "Gateway"
    route_tables: list[str] = Field(default_factory=list)
    subnets: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    private_dns: bool = True
    tags: dict[str, str] = Field(default_factory=dict)


class DbInstanceSpec(_M):
    name: str  # the DBInstanceIdentifier, also the Name tag
    engine: str = "postgres"
    port: int | None = None
    instance_class: str = "db.t3.micro"
    subnet_group: str
    subnets: list[str]
    groups: list[str] = Field(default_factory=list)
    ip: str | None = None  # fixed address of its ENI (AWS picks one; scenarios fix it)
    subnet: str | None = None  # where the ENI lives; default the first subnet with room for ip
    cluster: str | None = None  # Aurora: the DB cluster this instance joins (created by its first instance)
    tags: dict[str, str] = Field(default_factory=dict)


class AsgSpec(_M):
    name: str
    subnets: list[str]
    desired: int = 2
    min: int = 0
    max: int | None = None
    groups: list[str] = Field(default_factory=list)
    instance_type: str = "t3.micro"
    instance_name: str | None = None  # Name tag of member instances; default the group name
    tags: dict[str, str] = Field(default_factory=dict)


class LambdaSpec(_M):
    name: str
    subnets: list[str]
    groups: list[str] = Field(default_factory=list)
    runtime: str = "python3.12"
    tags: dict[str, str] = Field(default_factory=dict)


class VpnGatewaySpec(_M):
    name: str
    asn: int = 64512
    customer_gateway_ip: str = "203.0.113.10"
    customer_asn: int = 65000
    remote_cidrs: list[str] = Field(default_factory=list)  # static routes of the VPN connection
    tags: dict[str, str] = Field(default_factory=dict)


class VpcSpec(_M):
    name: str
    cidr: Cidr
    secondary_cidrs: list[str] = Field(default_factory=list)
    internet_gateway: str | None = None
    vpn_gateway: VpnGatewaySpec | None = None
    subnets: list[SubnetSpec] = Field(default_factory=list)
    route_tables: list[RouteTableSpec] = Field(default_factory=list)
    network_acls: list[NetworkAclSpec] = Field(default_factory=list)
    security_groups: list[SecurityGroupSpec] = Field(default_factory=list)
    instances: list[InstanceSpec] = Field(default_factory=list)
    nat_gateways: list[NatGatewaySpec] = Field(default_factory=list)
    endpoints: list[EndpointSpec] = Field(default_factory=list)
    db_instances: list[DbInstanceSpec] = Field(default_factory=list)
    autoscaling_groups: list[AsgSpec] = Field(default_factory=list)
    lambda_functions: list[LambdaSpec] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class TgwAttachmentSpec(_M):
    name: str
    vpc: str
    subnets: list[str]


class TgwRouteSpec(_M):
    destination: Cidr
    attachment: str | None = None  # attachment or TGW-peering name; None with blackhole
    blackhole: bool = False


class TransitGatewaySpec(_M):
    name: str
    asn: int = 64512
    attachments: list[TgwAttachmentSpec] = Field(default_factory=list)
    routes: list[TgwRouteSpec] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class PrefixListSpec(_M):
    name: str
    cidrs: list[str]


class RegionSpec(_M):
    vpcs: list[VpcSpec] = Field(default_factory=list)
    transit_gateways: list[TransitGatewaySpec] = Field(default_factory=list)
    prefix_lists: list[PrefixListSpec] = Field(default_factory=list)


class PeeringSpec(_M):
    name: str
    requester: str
    accepter: str


FaultStep = dict[str, Any]  # one key: fis | use | revoke_sg_rule | add_nacl_entry | ... (faults.py)


class ScenarioSpec(_M):
    name: str
    description: str = ""
    seed: int = 1
    account_id: str = "123456789012"
    regions: dict[str, RegionSpec]
    vpc_peerings: list[PeeringSpec] = Field(default_factory=list)
    tgw_peerings: list[PeeringSpec] = Field(default_factory=list)
    dns: dict[str, list[str]] = Field(default_factory=dict)
    faults: dict[str, list[FaultStep]] = Field(default_factory=dict)


def format_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("regions", "us-east-1", "vpcs", 0, "cidr")`` -> ``regions.us-east-1.vpcs[0].cidr``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<top>"


def line_of(node: yaml.Node | None, loc: tuple[Any, ...] | list[Any]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or of its nearest existing parent)."""
    best = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        best = node.start_mark.line + 1
    return best


class ScenarioSource:
    """A parsed scenario with what is needed to report errors against its file."""

    def __init__(self, path: Path, spec: ScenarioSpec, root: yaml.Node | None) -> None:
        self.path = path
        self.spec = spec
        self.root = root

    def error(self, loc: tuple[Any, ...] | list[Any], reason: str) -> ScenarioError:
        line = line_of(self.root, loc)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ScenarioError(f"{where}: {format_path(loc)}: {reason}")


def load_scenario(path: str | Path) -> ScenarioSource:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ScenarioError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: <top>: a scenario must be a mapping")
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        src = ScenarioSource(path, ScenarioSpec.model_construct(), root)
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise src.error(first["loc"], first["msg"] + more) from None
    source = ScenarioSource(path, spec, root)
    _check_names(source)
    return source


_SAFE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _check_names(source: ScenarioSource) -> None:
    """World file names are ``<scenario>__<fault>``: both must be plain lower-case words with dashes."""
    spec = source.spec
    if not _SAFE.match(spec.name):
        raise source.error(("name",), f"{spec.name!r} must be lower-case letters, digits and dashes")
    for fault, steps in spec.faults.items():
        if not _SAFE.match(fault):
            raise source.error(
                ("faults", fault), f"fault name {fault!r} must be lower-case letters, digits and dashes"
            )
        if fault == "baseline" and steps:
            raise source.error(("faults", "baseline"), "the baseline world has no fault steps")
