"""Resource types the query language can name, and how to tell them from an id.

The twelve types Amazon Q network troubleshooting accepted (DESIGN.md) are the ``ra`` profile's
vocabulary; Lambda functions and ECS tasks exist in worlds so that questions about them can be asked
and must be declined.
"""

from __future__ import annotations

from enum import StrEnum


class ResourceType(StrEnum):
    INSTANCE = "instance"
    NETWORK_INTERFACE = "network-interface"
    DB_INSTANCE = "db-instance"
    AUTOSCALING_GROUP = "autoscaling-group"
    INTERNET_GATEWAY = "internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    TRANSIT_GATEWAY = "transit-gateway"
    TRANSIT_GATEWAY_ATTACHMENT = "transit-gateway-attachment"
    VPN_GATEWAY = "vpn-gateway"
    VPC = "vpc"
    VPC_ENDPOINT = "vpc-endpoint"
    VPC_PEERING_CONNECTION = "vpc-peering-connection"
    SUBNET = "subnet"
    # Present in worlds, outside Reachability Analyzer's reach.
    LAMBDA_FUNCTION = "lambda-function"
    ECS_TASK = "ecs-task"
    # Components that block or carry traffic but are not endpoints of a query.
    SECURITY_GROUP = "security-group"
    NETWORK_ACL = "network-acl"
    ROUTE_TABLE = "route-table"
    TRANSIT_GATEWAY_ROUTE_TABLE = "transit-gateway-route-table"
    PREFIX_LIST = "prefix-list"


ENDPOINT_TYPES: frozenset[ResourceType] = frozenset(
    {
        ResourceType.INSTANCE,
        ResourceType.NETWORK_INTERFACE,
        ResourceType.DB_INSTANCE,
        ResourceType.AUTOSCALING_GROUP,
        ResourceType.INTERNET_GATEWAY,
        ResourceType.NAT_GATEWAY,
        ResourceType.TRANSIT_GATEWAY,
        ResourceType.TRANSIT_GATEWAY_ATTACHMENT,
        ResourceType.VPN_GATEWAY,
        ResourceType.VPC,
        ResourceType.VPC_ENDPOINT,
        ResourceType.VPC_PEERING_CONNECTION,
        ResourceType.SUBNET,
    }
)
RA_RESOURCE_TYPES = ENDPOINT_TYPES
UNSUPPORTED_RESOURCE_TYPES: frozenset[ResourceType] = frozenset(
    {ResourceType.LAMBDA_FUNCTION, ResourceType.ECS_TASK}
)

# EC2-style ids carry their type in a prefix. RDS instances and Auto Scaling groups are named by the
# user (DBInstanceIdentifier, AutoScalingGroupName), so they cannot be recognised from the id alone.
_ID_PREFIXES: tuple[tuple[str, ResourceType], ...] = (
    ("tgw-attach-", ResourceType.TRANSIT_GATEWAY_ATTACHMENT),
    ("tgw-rtb-", ResourceType.TRANSIT_GATEWAY_ROUTE_TABLE),
    ("tgw-", ResourceType.TRANSIT_GATEWAY),
    ("i-", ResourceType.INSTANCE),
    ("eni-", ResourceType.NETWORK_INTERFACE),
    ("igw-", ResourceType.INTERNET_GATEWAY),
    ("nat-", ResourceType.NAT_GATEWAY),
    ("vgw-", ResourceType.VPN_GATEWAY),
    ("vpce-", ResourceType.VPC_ENDPOINT),
    ("vpc-", ResourceType.VPC),
    ("pcx-", ResourceType.VPC_PEERING_CONNECTION),
    ("subnet-", ResourceType.SUBNET),
    ("sg-", ResourceType.SECURITY_GROUP),
    ("acl-", ResourceType.NETWORK_ACL),
    ("rtb-", ResourceType.ROUTE_TABLE),
    ("pl-", ResourceType.PREFIX_LIST),
)


def resource_type_of_id(resource_id: str) -> ResourceType | None:
    """The type an EC2-style id announces by its prefix, or None (names, ARNs, RDS/ASG names)."""
    for prefix, rtype in _ID_PREFIXES:
        if resource_id.startswith(prefix):
            return rtype
    if resource_id.startswith("arn:aws:lambda:"):
        return ResourceType.LAMBDA_FUNCTION
    if resource_id.startswith("arn:aws:ecs:") and ":task/" in resource_id:
        return ResourceType.ECS_TASK
    return None
