"""normalize() on hand-written snapshots shaped exactly like AWS responses (EC2/RDS/ASG/Lambda API docs)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bench.world.normalize import normalize
from bench.world.snapshot import SnapshotError

ACCOUNT = "123456789012"


def _tags(name: str) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}]


def _east() -> dict[str, Any]:
    vpc = "vpc-0a1"
    return {
        "ec2:DescribeVpcs": {
            "Vpcs": [
                {
                    "VpcId": vpc,
                    "CidrBlock": "10.0.0.0/16",
                    "IsDefault": False,
                    "OwnerId": ACCOUNT,
                    "State": "available",
                    "CidrBlockAssociationSet": [
                        {
                            "AssociationId": "vpc-cidr-assoc-1",
                            "CidrBlock": "10.0.0.0/16",
                            "CidrBlockState": {"State": "associated"},
                        },
                        {
                            "AssociationId": "vpc-cidr-assoc-2",
                            "CidrBlock": "100.64.0.0/16",
                            "CidrBlockState": {"State": "associated"},
                        },
                        {
                            "AssociationId": "vpc-cidr-assoc-3",
                            "CidrBlock": "100.65.0.0/16",
                            "CidrBlockState": {"State": "disassociated"},
                        },
                    ],
                    "Tags": _tags("lab-vpc"),
                }
            ]
        },
        "ec2:DescribeSubnets": {
            "Subnets": [
                {
                    "SubnetId": "subnet-pub",
                    "VpcId": vpc,
                    "CidrBlock": "10.0.0.0/24",
                    "AvailabilityZone": "us-east-1a",
                    "MapPublicIpOnLaunch": True,
                    "State": "available",
                    "Tags": _tags("lab-public-a"),
                },
                {
                    "SubnetId": "subnet-pa",
                    "VpcId": vpc,
                    "CidrBlock": "10.0.1.0/24",
                    "AvailabilityZone": "us-east-1a",
                    "MapPublicIpOnLaunch": False,
                    "State": "available",
                    "Tags": _tags("lab-private-a"),
                },
                {
                    "SubnetId": "subnet-pb",
                    "VpcId": vpc,
                    "CidrBlock": "10.0.2.0/24",
                    "AvailabilityZone": "us-east-1b",
                    "MapPublicIpOnLaunch": False,
                    "State": "available",
                    "Tags": _tags("lab-private-b"),
                },
            ]
        },
        "ec2:DescribeRouteTables": {
            "RouteTables": [
                {
                    "RouteTableId": "rtb-main",
                    "VpcId": vpc,
                    "OwnerId": ACCOUNT,
                    "PropagatingVgws": [],
                    "Associations": [
                        {
                            "Main": True,
                            "RouteTableAssociationId": "rtbassoc-m",
                            "RouteTableId": "rtb-main",
                            "AssociationState": {"State": "associated"},
                        }
                    ],
                    "Routes": [
                        {
                            "DestinationCidrBlock": "10.0.0.0/16",
                            "GatewayId": "local",
                            "Origin": "CreateRouteTable",
                            "State": "active",
                        },
                        {
                            "DestinationCidrBlock": "0.0.0.0/0",
                            "GatewayId": "igw-1",
                            "Origin": "CreateRoute",
                            "State": "active",
                        },
                    ],
                    "Tags": _tags("lab-public-rt"),
                },
                {
                    "RouteTableId": "rtb-priv",
                    "VpcId": vpc,
                    "OwnerId": ACCOUNT,
                    "PropagatingVgws": [{"GatewayId": "vgw-1"}],
                    "Associations": [
                        {
                            "Main": False,
                            "RouteTableAssociationId": "rtbassoc-a",
                            "RouteTableId": "rtb-priv",
                            "SubnetId": "subnet-pa",
                            "AssociationState": {"State": "associated"},
                        },
                        {
                            "Main": False,
                            "RouteTableAssociationId": "rtbassoc-old",
                            "RouteTableId": "rtb-priv",
                            "SubnetId": "subnet-pub",
                            "AssociationState": {"State": "disassociated"},
                        },
                    ],
                    "Routes": [
                        {
                            "DestinationCidrBlock": "10.0.0.0/16",
                            "GatewayId": "local",
                            "Origin": "CreateRouteTable",
                            "State": "active",
                        },
                        {
                            "DestinationCidrBlock": "0.0.0.0/0",
                            "NatGatewayId": "nat-1",
                            "Origin": "CreateRoute",
                            "State": "active",
                        },
                        {
                            "DestinationCidrBlock": "10.1.0.0/16",
                            "TransitGatewayId": "tgw-east",
                            "Origin": "CreateRoute",
                            "State": "active",
                        },
                        {
                            "DestinationCidrBlock": "35.72.0.0/13",
                            "GatewayId": "igw-gone",
                            "Origin": "CreateRoute",
                            "State": "blackhole",
                        },
                        {
                            "DestinationCidrBlock": "10.9.0.0/16",
                            "VpcPeeringConnectionId": "pcx-1",
                            "Origin": "CreateRoute",
                            "State": "active",
                        },
                        {
                            "DestinationCidrBlock": "192.168.0.0/16",
                            "InstanceId": "i-bastion",
                            "InstanceOwnerId": ACCOUNT,
                            "NetworkInterfaceId": "eni-bastion",
                            "Origin": "CreateRoute",
                            "State": "active",
                        },
                        {
                            "DestinationCidrBlock": "172.16.0.0/12",
                            "GatewayId": "vgw-1",
                            "Origin": "EnableVgwRoutePropagation",
                            "State": "active",
                        },
                        {
                            "DestinationPrefixListId": "pl-63a5400a",
                            "GatewayId": "vpce-s3",
                            "Origin": "CreateRoute",
                            "State": "active",
                        },
                        {
                            "DestinationIpv6CidrBlock": "::/0",
                            "EgressOnlyInternetGatewayId": "eigw-1",
                            "Origin": "CreateRoute",
                            "State": "active",
                        },
                    ],
                    "Tags": _tags("lab-private-rt"),
                },
            ]
        },
        "ec2:DescribeNetworkAcls": {
            "NetworkAcls": [
                {
                    "NetworkAclId": "acl-default",
                    "VpcId": vpc,
                    "IsDefault": True,
                    "OwnerId": ACCOUNT,
                    "Associations": [
                        {
                            "NetworkAclAssociationId": "aclassoc-1",
                            "NetworkAclId": "acl-default",
                            "SubnetId": "subnet-pub",
                        },
                        {
                            "NetworkAclAssociationId": "aclassoc-2",
                            "NetworkAclId": "acl-default",
                            "SubnetId": "subnet-pa",
                        },
                    ],
                    "Entries": [
                        {
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": True,
                            "Protocol": "-1",
                            "RuleAction": "allow",
                            "RuleNumber": 100,
                        },
                        {
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": True,
                            "Protocol": "-1",
                            "RuleAction": "deny",
                            "RuleNumber": 32767,
                        },
                        {
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": False,
                            "Protocol": "-1",
                            "RuleAction": "allow",
                            "RuleNumber": 100,
                        },
                        {
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": False,
                            "Protocol": "-1",
                            "RuleAction": "deny",
                            "RuleNumber": 32767,
                        },
                    ],
                },
                {
                    "NetworkAclId": "acl-fis",
                    "VpcId": vpc,
                    "IsDefault": False,
                    "OwnerId": ACCOUNT,
                    "Associations": [
                        {
                            "NetworkAclAssociationId": "aclassoc-3",
                            "NetworkAclId": "acl-fis",
                            "SubnetId": "subnet-pb",
                        }
                    ],
                    "Entries": [
                        {
                            "CidrBlock": "10.0.0.0/8",
                            "Egress": False,
                            "Protocol": "1",
                            "RuleAction": "allow",
                            "RuleNumber": 90,
                            "IcmpTypeCode": {"Code": -1, "Type": 8},
                        },
                        {
                            "CidrBlock": "10.0.0.0/8",
                            "Egress": False,
                            "Protocol": "6",
                            "RuleAction": "deny",
                            "RuleNumber": 95,
                            "PortRange": {"From": 5432, "To": 5432},
                        },
                        {
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": False,
                            "Protocol": "17",
                            "RuleAction": "allow",
                            "RuleNumber": 96,
                            "PortRange": {"From": 53, "To": 53},
                        },
                        {
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": False,
                            "Protocol": "47",
                            "RuleAction": "allow",
                            "RuleNumber": 97,
                        },
                        {
                            "Ipv6CidrBlock": "::/0",
                            "Egress": False,
                            "Protocol": "-1",
                            "RuleAction": "allow",
                            "RuleNumber": 101,
                        },
                        {
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": False,
                            "Protocol": "-1",
                            "RuleAction": "deny",
                            "RuleNumber": 32767,
                        },
                        {
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": True,
                            "Protocol": "-1",
                            "RuleAction": "deny",
                            "RuleNumber": 32767,
                        },
                    ],
                    "Tags": [{"Key": "managedByFIS", "Value": "true"}],
                },
            ]
        },
        "ec2:DescribeSecurityGroups": {
            "SecurityGroups": [
                {
                    "GroupId": "sg-app",
                    "GroupName": "app-sg",
                    "Description": "app",
                    "VpcId": vpc,
                    "OwnerId": ACCOUNT,
                    "IpPermissions": [
                        {
                            "IpProtocol": "icmp",
                            "FromPort": -1,
                            "ToPort": -1,
                            "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                            "Ipv6Ranges": [],
                            "PrefixListIds": [],
                            "UserIdGroupPairs": [],
                        },
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 22,
                            "ToPort": 22,
                            "IpRanges": [],
                            "Ipv6Ranges": [],
                            "PrefixListIds": [],
                            "UserIdGroupPairs": [{"GroupId": "sg-bastion", "UserId": ACCOUNT}],
                        },
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 8080,
                            "ToPort": 8080,
                            "IpRanges": [],
                            "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
                            "PrefixListIds": [{"PrefixListId": "pl-corp"}],
                            "UserIdGroupPairs": [{"GroupId": "sg-app", "UserId": ACCOUNT}],
                        },
                    ],
                    "IpPermissionsEgress": [
                        {
                            "IpProtocol": "-1",
                            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                            "Ipv6Ranges": [],
                            "PrefixListIds": [],
                            "UserIdGroupPairs": [],
                        }
                    ],
                    "Tags": _tags("app-sg"),
                },
                {
                    "GroupId": "sg-db",
                    "GroupName": "db-sg",
                    "Description": "db",
                    "VpcId": vpc,
                    "OwnerId": ACCOUNT,
                    "IpPermissions": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 5432,
                            "ToPort": 5432,
                            "IpRanges": [],
                            "UserIdGroupPairs": [{"GroupId": "sg-app", "UserId": ACCOUNT}],
                        }
                    ],
                    "IpPermissionsEgress": [],
                },
            ]
        },
        "ec2:DescribeNetworkInterfaces": {
            "NetworkInterfaces": [
                {
                    "NetworkInterfaceId": "eni-bastion",
                    "SubnetId": "subnet-pub",
                    "VpcId": vpc,
                    "AvailabilityZone": "us-east-1a",
                    "InterfaceType": "interface",
                    "Description": "",
                    "PrivateIpAddress": "10.0.0.10",
                    "PrivateIpAddresses": [
                        {
                            "Primary": True,
                            "PrivateIpAddress": "10.0.0.10",
                            "Association": {"PublicIp": "54.1.2.3"},
                        },
                        {"Primary": False, "PrivateIpAddress": "10.0.0.11"},
                    ],
                    "Association": {"PublicIp": "54.1.2.3", "IpOwnerId": "amazon"},
                    "Attachment": {
                        "AttachmentId": "eni-attach-1",
                        "DeviceIndex": 0,
                        "InstanceId": "i-bastion",
                        "Status": "attached",
                    },
                    "Groups": [{"GroupId": "sg-app", "GroupName": "app-sg"}],
                    "SourceDestCheck": True,
                    "Status": "in-use",
                    "TagSet": [],
                },
                {
                    "NetworkInterfaceId": "eni-nat",
                    "SubnetId": "subnet-pub",
                    "VpcId": vpc,
                    "InterfaceType": "nat_gateway",
                    "Description": "Interface for NAT Gateway nat-1",
                    "RequesterId": "amazon",
                    "RequesterManaged": True,
                    "PrivateIpAddress": "10.0.0.5",
                    "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.0.5"}],
                    "Groups": [],
                    "SourceDestCheck": False,
                    "Status": "in-use",
                    "TagSet": [],
                },
                {
                    "NetworkInterfaceId": "eni-db-decoy",
                    "SubnetId": "subnet-pa",
                    "VpcId": vpc,
                    "InterfaceType": "interface",
                    "Description": "RDSNetworkInterface",
                    "RequesterId": "amazon-rds",
                    "RequesterManaged": True,
                    "PrivateIpAddress": "10.0.1.77",
                    "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.1.77"}],
                    "Groups": [{"GroupId": "sg-app", "GroupName": "app-sg"}],
                    "Status": "in-use",
                    "TagSet": [],
                },
                {
                    "NetworkInterfaceId": "eni-db",
                    "SubnetId": "subnet-pb",
                    "VpcId": vpc,
                    "InterfaceType": "interface",
                    "Description": "RDSNetworkInterface",
                    "RequesterId": "amazon-rds",
                    "RequesterManaged": True,
                    "PrivateIpAddress": "10.0.2.20",
                    "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.2.20"}],
                    "Groups": [{"GroupId": "sg-db", "GroupName": "db-sg"}],
                    "Status": "in-use",
                    "TagSet": [],
                },
                {
                    "NetworkInterfaceId": "eni-vpce",
                    "SubnetId": "subnet-pa",
                    "VpcId": vpc,
                    "InterfaceType": "vpc_endpoint",
                    "Description": "VPC Endpoint Interface vpce-ssm",
                    "PrivateIpAddress": "10.0.1.50",
                    "Groups": [{"GroupId": "sg-app", "GroupName": "app-sg"}],
                    "Status": "in-use",
                    "TagSet": [],
                },
                {
                    "NetworkInterfaceId": "eni-fn",
                    "SubnetId": "subnet-pa",
                    "VpcId": vpc,
                    "InterfaceType": "lambda",
                    "Description": "AWS Lambda VPC ENI-resize-1b2c3d4e-aaaa-bbbb-cccc-ddddeeeeffff",
                    "PrivateIpAddress": "10.0.1.60",
                    "Groups": [{"GroupId": "sg-app", "GroupName": "app-sg"}],
                    "Status": "in-use",
                    "TagSet": [{"Key": "Name", "Value": "fn-eni"}],
                },
            ]
        },
        "ec2:DescribeInstances": {
            "Reservations": [
                {
                    "ReservationId": "r-1",
                    "OwnerId": ACCOUNT,
                    "Instances": [
                        {
                            "InstanceId": "i-bastion",
                            "SubnetId": "subnet-pub",
                            "VpcId": vpc,
                            "PrivateIpAddress": "10.0.0.10",
                            "PublicIpAddress": "54.1.2.3",
                            "State": {"Code": 16, "Name": "running"},
                            "SecurityGroups": [{"GroupId": "sg-app", "GroupName": "app-sg"}],
                            "NetworkInterfaces": [
                                {
                                    "NetworkInterfaceId": "eni-bastion",
                                    "Attachment": {"DeviceIndex": 0, "Status": "attached"},
                                }
                            ],
                            "Tags": _tags("bastion"),
                        },
                        {
                            "InstanceId": "i-dead",
                            "State": {"Code": 48, "Name": "terminated"},
                            "NetworkInterfaces": [],
                        },
                    ],
                }
            ]
        },
        "ec2:DescribeInternetGateways": {
            "InternetGateways": [
                {
                    "InternetGatewayId": "igw-1",
                    "Attachments": [{"State": "available", "VpcId": vpc}],
                    "OwnerId": ACCOUNT,
                    "Tags": _tags("lab-igw"),
                },
                {"InternetGatewayId": "igw-detached", "Attachments": [], "OwnerId": ACCOUNT},
            ]
        },
        "ec2:DescribeNatGateways": {
            "NatGateways": [
                {
                    "NatGatewayId": "nat-1",
                    "SubnetId": "subnet-pub",
                    "VpcId": vpc,
                    "State": "available",
                    "ConnectivityType": "public",
                    "NatGatewayAddresses": [
                        {
                            "AllocationId": "eipalloc-1",
                            "NetworkInterfaceId": "eni-nat",
                            "PrivateIp": "10.0.0.5",
                            "PublicIp": "3.3.3.3",
                            "IsPrimary": True,
                            "Status": "succeeded",
                        }
                    ],
                    "Tags": _tags("lab-nat"),
                },
                {
                    "NatGatewayId": "nat-old",
                    "SubnetId": "subnet-pub",
                    "VpcId": vpc,
                    "State": "deleted",
                    "NatGatewayAddresses": [],
                },
            ]
        },
        "ec2:DescribeVpcEndpoints": {
            "VpcEndpoints": [
                {
                    "VpcEndpointId": "vpce-s3",
                    "VpcEndpointType": "Gateway",
                    "VpcId": vpc,
                    "ServiceName": "com.amazonaws.us-east-1.s3",
                    "State": "available",
                    "RouteTableIds": ["rtb-priv"],
                    "SubnetIds": [],
                    "Groups": [],
                    "NetworkInterfaceIds": [],
                    "DnsEntries": [],
                },
                {
                    "VpcEndpointId": "vpce-ssm",
                    "VpcEndpointType": "Interface",
                    "VpcId": vpc,
                    "ServiceName": "com.amazonaws.us-east-1.ssm",
                    "State": "available",
                    "RouteTableIds": [],
                    "SubnetIds": ["subnet-pa"],
                    "Groups": [{"GroupId": "sg-app", "GroupName": "app-sg"}],
                    "NetworkInterfaceIds": ["eni-vpce"],
                    "PrivateDnsEnabled": True,
                    "DnsEntries": [
                        {"DnsName": "vpce-ssm-x.ssm.us-east-1.vpce.amazonaws.com", "HostedZoneId": "Z1"},
                        {"DnsName": "ssm.us-east-1.amazonaws.com", "HostedZoneId": "Z2"},
                    ],
                },
            ]
        },
        "ec2:DescribePrefixLists": {
            "PrefixLists": [
                {
                    "PrefixListId": "pl-63a5400a",
                    "PrefixListName": "com.amazonaws.us-east-1.s3",
                    "Cidrs": ["54.231.0.0/16", "52.216.0.0/15"],
                }
            ]
        },
        "ec2:DescribeManagedPrefixLists": {
            "PrefixLists": [
                {
                    "PrefixListId": "pl-corp",
                    "PrefixListName": "corp-ranges",
                    "AddressFamily": "IPv4",
                    "State": "create-complete",
                    "MaxEntries": 5,
                    "Version": 1,
                    "OwnerId": ACCOUNT,
                    "Tags": _tags("corp"),
                },
                {
                    "PrefixListId": "pl-63a5400a",
                    "PrefixListName": "com.amazonaws.us-east-1.s3",
                    "AddressFamily": "IPv4",
                    "State": "create-complete",
                    "OwnerId": "AWS",
                },
            ]
        },
        "ec2:GetManagedPrefixListEntries": {
            "pl-corp": {
                "Entries": [{"Cidr": "192.0.2.0/24", "Description": "office"}, {"Cidr": "2001:db8::/32"}]
            },
            "pl-63a5400a": {"Entries": [{"Cidr": "54.231.0.0/16"}, {"Cidr": "3.5.0.0/19"}]},
        },
        "ec2:DescribeVpcPeeringConnections": {
            "VpcPeeringConnections": [
                {
                    "VpcPeeringConnectionId": "pcx-1",
                    "Status": {"Code": "active", "Message": "Active"},
                    "RequesterVpcInfo": {
                        "VpcId": vpc,
                        "OwnerId": ACCOUNT,
                        "Region": "us-east-1",
                        "CidrBlock": "10.0.0.0/16",
                        "CidrBlockSet": [{"CidrBlock": "10.0.0.0/16"}],
                    },
                    "AccepterVpcInfo": {
                        "VpcId": "vpc-tokyo",
                        "OwnerId": ACCOUNT,
                        "Region": "ap-northeast-1",
                        "CidrBlockSet": [{"CidrBlock": "10.1.0.0/16"}],
                    },
                    "Tags": _tags("east-tokyo"),
                }
            ]
        },
        "ec2:DescribeVpnGateways": {
            "VpnGateways": [
                {
                    "VpnGatewayId": "vgw-1",
                    "State": "available",
                    "Type": "ipsec.1",
                    "AmazonSideAsn": 64512,
                    "VpcAttachments": [{"State": "attached", "VpcId": vpc}],
                    "Tags": _tags("lab-vgw"),
                }
            ]
        },
        "ec2:DescribeVpnConnections": {
            "VpnConnections": [
                {
                    "VpnConnectionId": "vpn-1",
                    "VpnGatewayId": "vgw-1",
                    "CustomerGatewayId": "cgw-1",
                    "State": "available",
                    "Type": "ipsec.1",
                    "Options": {"StaticRoutesOnly": True},
                    "Routes": [
                        {"DestinationCidrBlock": "172.16.0.0/12", "Source": "Static", "State": "available"},
                        {"DestinationCidrBlock": "192.168.50.0/24", "Source": "Static", "State": "deleted"},
                    ],
                }
            ]
        },
        "ec2:DescribeTransitGateways": {
            "TransitGateways": [
                {
                    "TransitGatewayId": "tgw-east",
                    "State": "available",
                    "OwnerId": ACCOUNT,
                    "Options": {
                        "DefaultRouteTableAssociation": "enable",
                        "AssociationDefaultRouteTableId": "tgw-rtb-e",
                        "DefaultRouteTablePropagation": "disable",
                        "PropagationDefaultRouteTableId": "tgw-rtb-e",
                    },
                    "Tags": _tags("lab-tgw"),
                }
            ]
        },
        "ec2:DescribeTransitGatewayAttachments": {
            "TransitGatewayAttachments": [
                {
                    "TransitGatewayAttachmentId": "tgw-attach-vpc",
                    "TransitGatewayId": "tgw-east",
                    "ResourceType": "vpc",
                    "ResourceId": vpc,
                    "State": "available",
                    "Association": {"TransitGatewayRouteTableId": "tgw-rtb-e", "State": "associated"},
                },
                {
                    "TransitGatewayAttachmentId": "tgw-attach-peer",
                    "TransitGatewayId": "tgw-east",
                    "ResourceType": "peering",
                    "ResourceId": "tgw-tokyo",
                    "State": "available",
                    # stale: GetTransitGatewayRouteTableAssociations below says it is not associated
                    "Association": {"TransitGatewayRouteTableId": "tgw-rtb-e", "State": "associated"},
                },
            ]
        },
        "ec2:DescribeTransitGatewayVpcAttachments": {
            "TransitGatewayVpcAttachments": [
                {
                    "TransitGatewayAttachmentId": "tgw-attach-vpc",
                    "TransitGatewayId": "tgw-east",
                    "VpcId": vpc,
                    "SubnetIds": ["subnet-pb", "subnet-pa"],
                    "State": "available",
                }
            ]
        },
        "ec2:DescribeTransitGatewayPeeringAttachments": {
            "TransitGatewayPeeringAttachments": [
                {
                    "TransitGatewayAttachmentId": "tgw-attach-peer",
                    "State": "available",
                    "RequesterTgwInfo": {
                        "TransitGatewayId": "tgw-east",
                        "OwnerId": ACCOUNT,
                        "Region": "us-east-1",
                    },
                    "AccepterTgwInfo": {
                        "TransitGatewayId": "tgw-tokyo",
                        "OwnerId": ACCOUNT,
                        "Region": "ap-northeast-1",
                    },
                    "Status": {"Code": "available"},
                }
            ]
        },
        "ec2:DescribeTransitGatewayRouteTables": {
            "TransitGatewayRouteTables": [
                {
                    "TransitGatewayRouteTableId": "tgw-rtb-e",
                    "TransitGatewayId": "tgw-east",
                    "State": "available",
                    "DefaultAssociationRouteTable": True,
                    "DefaultPropagationRouteTable": True,
                }
            ]
        },
        "ec2:SearchTransitGatewayRoutes": {
            "tgw-rtb-e": {
                "Routes": [
                    {
                        "DestinationCidrBlock": "10.1.0.0/16",
                        "Type": "static",
                        "State": "active",
                        "TransitGatewayAttachments": [
                            {
                                "ResourceId": "tgw-tokyo",
                                "ResourceType": "peering",
                                "TransitGatewayAttachmentId": "tgw-attach-peer",
                            }
                        ],
                    },
                    {
                        "DestinationCidrBlock": "10.0.0.0/16",
                        "Type": "propagated",
                        "State": "active",
                        "TransitGatewayAttachments": [
                            {
                                "ResourceId": vpc,
                                "ResourceType": "vpc",
                                "TransitGatewayAttachmentId": "tgw-attach-vpc",
                            }
                        ],
                    },
                    {"DestinationCidrBlock": "10.66.0.0/16", "Type": "static", "State": "blackhole"},
                    {"DestinationCidrBlock": "10.67.0.0/16", "Type": "static", "State": "deleted"},
                ],
                "AdditionalRoutesAvailable": False,
            }
        },
        "ec2:GetTransitGatewayRouteTableAssociations": {
            "tgw-rtb-e": {
                "Associations": [
                    {
                        "TransitGatewayAttachmentId": "tgw-attach-vpc",
                        "ResourceId": vpc,
                        "ResourceType": "vpc",
                        "State": "associated",
                    }
                ]
            }
        },
        "ec2:GetTransitGatewayRouteTablePropagations": {
            "tgw-rtb-e": {
                "TransitGatewayRouteTablePropagations": [
                    {
                        "TransitGatewayAttachmentId": "tgw-attach-vpc",
                        "ResourceId": vpc,
                        "ResourceType": "vpc",
                        "State": "enabled",
                    }
                ]
            }
        },
        "rds:DescribeDBInstances": {
            "DBInstances": [
                {
                    "DBInstanceIdentifier": "orders-db",
                    "Engine": "postgres",
                    "DBInstanceStatus": "available",
                    "AvailabilityZone": "us-east-1b",
                    "MultiAZ": False,
                    "Endpoint": {"Address": "orders-db.abc.us-east-1.rds.amazonaws.com", "Port": 5432},
                    "DBSubnetGroup": {
                        "DBSubnetGroupName": "orders",
                        "VpcId": vpc,
                        "SubnetGroupStatus": "Complete",
                        "Subnets": [
                            {
                                "SubnetIdentifier": "subnet-pa",
                                "SubnetAvailabilityZone": {"Name": "us-east-1a"},
                            },
                            {
                                "SubnetIdentifier": "subnet-pb",
                                "SubnetAvailabilityZone": {"Name": "us-east-1b"},
                            },
                        ],
                    },
                    "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-db", "Status": "active"}],
                    "TagList": [{"Key": "Name", "Value": "orders-db"}],
                }
            ]
        },
        "autoscaling:DescribeAutoScalingGroups": {
            "AutoScalingGroups": [
                {
                    "AutoScalingGroupName": "web-asg",
                    "MinSize": 1,
                    "MaxSize": 2,
                    "DesiredCapacity": 1,
                    "VPCZoneIdentifier": "subnet-pb,subnet-pa",
                    "Instances": [
                        {
                            "InstanceId": "i-bastion",
                            "AvailabilityZone": "us-east-1a",
                            "LifecycleState": "InService",
                            "HealthStatus": "Healthy",
                        }
                    ],
                    "Tags": [
                        {
                            "Key": "team",
                            "Value": "web",
                            "ResourceId": "web-asg",
                            "ResourceType": "auto-scaling-group",
                            "PropagateAtLaunch": True,
                        }
                    ],
                }
            ]
        },
        "lambda:ListFunctions": {
            "Functions": [
                {
                    "FunctionName": "resize",
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:resize",
                    "VpcConfig": {"SubnetIds": ["subnet-pa"], "SecurityGroupIds": ["sg-app"], "VpcId": vpc},
                },
                {
                    "FunctionName": "no-vpc",
                    "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": ""},
                },
            ]
        },
    }


def _tokyo() -> dict[str, Any]:
    return {
        "ec2:DescribeVpcPeeringConnections": {
            "VpcPeeringConnections": [
                {
                    "VpcPeeringConnectionId": "pcx-1",
                    "Status": {"Code": "active", "Message": "Active"},
                    "RequesterVpcInfo": {
                        "VpcId": "vpc-0a1",
                        "OwnerId": ACCOUNT,
                        "Region": "us-east-1",
                        "CidrBlockSet": [{"CidrBlock": "100.64.0.0/16"}],
                    },
                    "AccepterVpcInfo": {
                        "VpcId": "vpc-tokyo",
                        "OwnerId": ACCOUNT,
                        "Region": "ap-northeast-1",
                        "CidrBlock": "10.1.0.0/16",
                    },
                }
            ]
        },
        "ec2:DescribeTransitGateways": {
            "TransitGateways": [{"TransitGatewayId": "tgw-tokyo", "State": "available", "Options": {}}]
        },
        "ec2:DescribeTransitGatewayAttachments": {
            "TransitGatewayAttachments": [
                {
                    "TransitGatewayAttachmentId": "tgw-attach-peer",
                    "TransitGatewayId": "tgw-tokyo",
                    "ResourceType": "peering",
                    "ResourceId": "tgw-east",
                    "State": "available",
                }
            ]
        },
        "ec2:DescribeTransitGatewayPeeringAttachments": {
            "TransitGatewayPeeringAttachments": [
                {
                    "TransitGatewayAttachmentId": "tgw-attach-peer",
                    "State": "available",
                    "RequesterTgwInfo": {"TransitGatewayId": "tgw-east", "Region": "us-east-1"},
                    "AccepterTgwInfo": {"TransitGatewayId": "tgw-tokyo", "Region": "ap-northeast-1"},
                }
            ]
        },
        "ec2:DescribeTransitGatewayRouteTables": {
            "TransitGatewayRouteTables": [
                {
                    "TransitGatewayRouteTableId": "tgw-rtb-t",
                    "TransitGatewayId": "tgw-tokyo",
                    "State": "available",
                }
            ]
        },
        "ec2:GetTransitGatewayRouteTableAssociations": {
            "tgw-rtb-t": {
                "Associations": [
                    {
                        "TransitGatewayAttachmentId": "tgw-attach-peer",
                        "ResourceId": "tgw-east",
                        "ResourceType": "peering",
                        "State": "associated",
                    }
                ]
            }
        },
    }


def snapshot() -> dict[str, Any]:
    return {
        "format": "reachbench-world",
        "schema_version": 1,
        "name": "fixture",
        "account_id": ACCOUNT,
        "regions": {"us-east-1": _east(), "ap-northeast-1": _tokyo()},
        "dns": {
            "S3.ap-northeast-1.amazonaws.com.": ["35.78.9.203"],
            "orders-db.abc.us-east-1.rds.amazonaws.com": ["10.0.2.20"],
        },
        "ip_ranges": {
            "syncToken": "1",
            "createDate": "x",
            "prefixes": [
                {
                    "ip_prefix": "35.72.0.0/13",
                    "region": "ap-northeast-1",
                    "service": "EC2",
                    "network_border_group": "ap-northeast-1",
                },
                {
                    "ip_prefix": "35.72.0.0/13",
                    "region": "ap-northeast-1",
                    "service": "AMAZON",
                    "network_border_group": "ap-northeast-1",
                },
            ],
        },
        "provenance": {"scenario": "fixture", "faults": ["nacl-all"], "notes": ["hand-written"]},
    }


@pytest.fixture(scope="module")
def world():
    return normalize(snapshot())


def test_vpc_cidrs_primary_first_and_associated_only(world) -> None:
    v = world.vpcs["vpc-0a1"]
    assert v.cidrs == ("10.0.0.0/16", "100.64.0.0/16")
    assert v.name == "lab-vpc" and v.region == "us-east-1" and v.owner_id == ACCOUNT
    assert world.regions == ("ap-northeast-1", "us-east-1")


def test_subnet_route_table_explicit_else_main(world) -> None:
    assert world.subnets["subnet-pa"].route_table_id == "rtb-priv"
    assert world.subnets["subnet-pa"].route_table_explicit
    # subnet-pub's association to rtb-priv is disassociated -> falls back to the main table
    assert world.subnets["subnet-pub"].route_table_id == "rtb-main"
    assert not world.subnets["subnet-pub"].route_table_explicit
    assert world.subnets["subnet-pb"].route_table_id == "rtb-main"
    assert world.route_tables["rtb-main"].is_main
    assert world.route_tables["rtb-priv"].subnet_ids == ("subnet-pa",)


def test_routes_classified(world) -> None:
    routes = {
        (r.destination_cidr or r.destination_prefix_list_id): r for r in world.route_tables["rtb-priv"].routes
    }
    assert routes["10.0.0.0/16"].target_type == "local" and routes["10.0.0.0/16"].target_id is None
    assert (routes["0.0.0.0/0"].target_type, routes["0.0.0.0/0"].target_id) == ("nat", "nat-1")
    assert (routes["10.1.0.0/16"].target_type, routes["10.1.0.0/16"].target_id) == ("tgw", "tgw-east")
    assert routes["35.72.0.0/13"].state == "blackhole" and routes["35.72.0.0/13"].target_type == "igw"
    assert routes["10.9.0.0/16"].target_type == "pcx"
    assert (routes["192.168.0.0/16"].target_type, routes["192.168.0.0/16"].target_id) == (
        "eni",
        "eni-bastion",
    )
    assert routes["172.16.0.0/12"].target_type == "vgw"
    assert routes["172.16.0.0/12"].origin == "EnableVgwRoutePropagation"
    pl = routes["pl-63a5400a"]
    assert (pl.target_type, pl.target_id, pl.destination_cidr) == ("vpce", "vpce-s3", None)
    assert len(routes) == 8  # the IPv6 route is left out
    assert world.route_tables["rtb-priv"].propagating_vgw_ids == ("vgw-1",)


def test_nacl_association_and_entries(world) -> None:
    assert world.subnets["subnet-pb"].network_acl_id == "acl-fis"
    assert world.subnets["subnet-pub"].network_acl_id == "acl-default"
    entries = {(e.egress, e.rule_number): e for e in world.network_acls["acl-fis"].entries}
    icmp = entries[(False, 90)]
    assert (icmp.protocol, icmp.icmp_type, icmp.icmp_code, icmp.port_from) == ("icmp", 8, -1, None)
    tcp = entries[(False, 95)]
    assert (tcp.protocol, tcp.action, tcp.port_from, tcp.port_to) == ("tcp", "deny", 5432, 5432)
    assert entries[(False, 96)].protocol == "udp"
    assert entries[(False, 97)].protocol == "47"
    assert entries[(False, 32767)].action == "deny" and entries[(True, 32767)].protocol == "all"
    assert (False, 101) not in entries  # IPv6 entry
    ordered = [(e.egress, e.rule_number) for e in world.network_acls["acl-fis"].entries]
    assert ordered == sorted(ordered)
    assert world.network_acls["acl-fis"].tags == {"managedByFIS": "true"}


def test_security_group_rules(world) -> None:
    sg = world.security_groups["sg-app"]
    by_port = {r.port_from: r for r in sg.ingress}
    assert (
        by_port[-1].protocol == "icmp" and by_port[-1].port_to == -1 and by_port[-1].cidrs == ("10.0.0.0/8",)
    )
    assert by_port[22].group_ids == ("sg-bastion",)
    web = by_port[8080]
    assert (web.group_ids, web.prefix_list_ids, web.ipv6_cidrs) == (
        ("sg-app",),
        ("pl-corp",),
        ("2001:db8::/32",),
    )
    assert sg.egress[0].protocol == "all" and sg.egress[0].port_from is None
    assert world.security_groups["sg-db"].egress == ()


def test_enis_kinds_and_owners(world) -> None:
    e = world.network_interfaces
    assert e["eni-bastion"].private_ips == ("10.0.0.10", "10.0.0.11")
    assert e["eni-bastion"].public_ip == "54.1.2.3"
    assert (e["eni-bastion"].kind, e["eni-bastion"].attached_to) == ("instance", "i-bastion")
    assert (e["eni-nat"].kind, e["eni-nat"].attached_to) == ("nat_gateway", "nat-1")
    assert e["eni-nat"].source_dest_check is False
    assert (e["eni-vpce"].kind, e["eni-vpce"].attached_to) == ("vpc_endpoint", "vpce-ssm")
    assert (e["eni-db"].kind, e["eni-db"].attached_to) == ("rds", "orders-db")
    assert (e["eni-db-decoy"].kind, e["eni-db-decoy"].attached_to) == ("rds", None)
    assert (e["eni-fn"].kind, e["eni-fn"].attached_to) == ("lambda", "resize")


def test_instances_and_asg(world) -> None:
    assert set(world.instances) == {"i-bastion"}  # terminated instance dropped
    i = world.instances["i-bastion"]
    assert (i.subnet_id, i.eni_ids, i.private_ip, i.public_ip, i.group_ids) == (
        "subnet-pub",
        ("eni-bastion",),
        "10.0.0.10",
        "54.1.2.3",
        ("sg-app",),
    )
    asg = world.autoscaling_groups["web-asg"]
    assert asg.subnet_ids == ("subnet-pa", "subnet-pb") and asg.instance_ids == ("i-bastion",)
    assert asg.tags == {"team": "web"}


def test_rds_linked_to_its_eni(world) -> None:
    db = world.db_instances["orders-db"]
    assert (db.eni_id, db.subnet_id, db.private_ip) == ("eni-db", "subnet-pb", "10.0.2.20")
    assert db.subnet_ids == ("subnet-pa", "subnet-pb") and db.group_ids == ("sg-db",)
    assert (db.port, db.engine, db.endpoint_address) == (
        5432,
        "postgres",
        "orders-db.abc.us-east-1.rds.amazonaws.com",
    )


def test_rds_linking_without_dns_uses_groups_and_az() -> None:
    raw = snapshot()
    raw["dns"] = {}
    assert normalize(raw).db_instances["orders-db"].eni_id == "eni-db"


def test_rds_without_eni_is_noted() -> None:
    raw = snapshot()
    enis = raw["regions"]["us-east-1"]["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"]
    enis[:] = [e for e in enis if "RDS" not in e.get("Description", "")]
    w = normalize(raw)
    assert w.db_instances == {}
    assert any("orders-db" in n for n in w.notes)


def test_gateways_nat_endpoints_prefix_lists(world) -> None:
    assert world.internet_gateways["igw-1"].vpc_ids == ("vpc-0a1",)
    assert world.internet_gateways["igw-detached"].vpc_ids == ()
    assert set(world.nat_gateways) == {"nat-1"}
    nat = world.nat_gateways["nat-1"]
    assert (nat.eni_id, nat.private_ip, nat.public_ip) == ("eni-nat", "10.0.0.5", "3.3.3.3")
    s3 = world.vpc_endpoints["vpce-s3"]
    assert (s3.prefix_list_id, s3.route_table_ids) == ("pl-63a5400a", ("rtb-priv",))
    ssm = world.vpc_endpoints["vpce-ssm"]
    assert ssm.eni_ids == ("eni-vpce",) and ssm.group_ids == ("sg-app",) and len(ssm.dns_names) == 2
    assert world.prefix_lists["pl-63a5400a"].cidrs == ("3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16")
    assert world.prefix_lists["pl-63a5400a"].aws_managed
    corp = world.prefix_lists["pl-corp"]
    assert corp.cidrs == ("192.0.2.0/24",) and not corp.aws_managed and corp.name == "corp"


def test_gateway_endpoint_prefix_list_from_routes_when_service_list_missing() -> None:
    raw = snapshot()
    del raw["regions"]["us-east-1"]["ec2:DescribePrefixLists"]
    del raw["regions"]["us-east-1"]["ec2:DescribeManagedPrefixLists"]
    raw["regions"]["us-east-1"]["ec2:DescribeVpcEndpoints"]["VpcEndpoints"][0]["RouteTableIds"] = []
    s3 = normalize(raw).vpc_endpoints["vpce-s3"]
    assert (s3.prefix_list_id, s3.route_table_ids) == ("pl-63a5400a", ("rtb-priv",))


def test_peering_both_sides_merged(world) -> None:
    assert list(world.vpc_peering_connections) == ["pcx-1"]
    p = world.vpc_peering_connections["pcx-1"]
    assert (p.requester_region, p.accepter_region, p.status, p.region) == (
        "us-east-1",
        "ap-northeast-1",
        "active",
        "us-east-1",
    )
    assert p.requester_cidrs == ("10.0.0.0/16", "100.64.0.0/16")  # united from both Regions' views
    assert p.accepter_cidrs == ("10.1.0.0/16",) and p.name == "east-tokyo"


def test_transit_gateways(world) -> None:
    t = world.transit_gateways["tgw-east"]
    assert (
        t.default_association_route_table_id == "tgw-rtb-e" and t.default_propagation_route_table_id is None
    )
    vpc_att = world.transit_gateway_attachments["tgw-attach-vpc"]
    assert vpc_att.subnet_ids == ("subnet-pa", "subnet-pb")
    assert vpc_att.association_route_table_id == "tgw-rtb-e"
    peer = world.transit_gateway_attachments["tgw-attach-peer"]
    # requester's view kept; its stale Association field is overridden by the authoritative call
    assert (peer.transit_gateway_id, peer.peer_transit_gateway_id, peer.peer_region) == (
        "tgw-east",
        "tgw-tokyo",
        "ap-northeast-1",
    )
    assert peer.association_route_table_id is None
    assert world.transit_gateway_route_tables["tgw-rtb-t"].association_attachment_ids == ("tgw-attach-peer",)
    rtb = world.transit_gateway_route_tables["tgw-rtb-e"]
    assert rtb.association_attachment_ids == ("tgw-attach-vpc",)
    assert rtb.propagation_attachment_ids == ("tgw-attach-vpc",)
    routes = {r.destination_cidr: r for r in rtb.routes}
    assert set(routes) == {"10.0.0.0/16", "10.1.0.0/16", "10.66.0.0/16"}
    assert routes["10.0.0.0/16"].route_type == "propagated"
    assert routes["10.1.0.0/16"].attachment_ids == ("tgw-attach-peer",)
    assert routes["10.66.0.0/16"].state == "blackhole" and routes["10.66.0.0/16"].attachment_ids == ()


def test_tgw_association_falls_back_to_attachment_field() -> None:
    raw = snapshot()
    del raw["regions"]["us-east-1"]["ec2:GetTransitGatewayRouteTableAssociations"]
    w = normalize(raw)
    assert w.transit_gateway_attachments["tgw-attach-peer"].association_route_table_id == "tgw-rtb-e"
    assert w.transit_gateway_route_tables["tgw-rtb-e"].association_attachment_ids == (
        "tgw-attach-peer",
        "tgw-attach-vpc",
    )


def test_vgw_lambda_dns_ipranges_provenance(world) -> None:
    vgw = world.vpn_gateways["vgw-1"]
    assert vgw.vpc_ids == ("vpc-0a1",) and vgw.remote_cidrs == ("172.16.0.0/12",)
    assert set(world.other_resources) == {"resize"}
    fn = world.other_resources["resize"]
    assert (fn.resource_type, fn.eni_ids, fn.private_ips, fn.name) == (
        "lambda-function",
        ("eni-fn",),
        ("10.0.1.60",),
        "resize",
    )
    assert world.dns["s3.ap-northeast-1.amazonaws.com"] == ("35.78.9.203",)
    assert [(r.prefix, r.service) for r in world.ip_ranges] == [
        ("35.72.0.0/13", "AMAZON"),
        ("35.72.0.0/13", "EC2"),
    ]
    assert world.faults == ("nacl-all",) and world.notes == ("hand-written",)
    assert (world.name, world.account_id) == ("fixture", ACCOUNT)


def test_validates_against_model_and_is_deterministic(world) -> None:
    from bench.world.model import World

    dumped = world.model_dump(mode="json")
    assert World.model_validate(dumped).model_dump(mode="json") == dumped  # constructed == validated
    raw = snapshot()
    raw["regions"] = dict(reversed(list(raw["regions"].items())))
    for body in raw["regions"]["us-east-1"].values():
        for value in body.values():
            if isinstance(value, list):
                value.reverse()
    assert normalize(raw).model_dump(mode="json") == dumped


def test_missing_sections_are_empty() -> None:
    w = normalize({"name": "empty", "account_id": ACCOUNT, "regions": {"eu-west-1": {}}})
    assert w.vpcs == {} and w.regions == ("eu-west-1",)


@pytest.mark.parametrize(
    ("mutate", "expect"),
    [
        (
            lambda r: r["regions"]["us-east-1"]["ec2:DescribeSubnets"]["Subnets"][1].pop("CidrBlock"),
            "regions.us-east-1.ec2:DescribeSubnets: Subnets[1] (subnet-pa): missing field 'CidrBlock'",
        ),
        (
            lambda r: r["regions"]["us-east-1"].__setitem__("ec2:DescribeVpcs", []),
            "regions.us-east-1.ec2:DescribeVpcs: expected a response object",
        ),
        (
            lambda r: r["regions"]["us-east-1"]["ec2:DescribeNetworkAcls"]["NetworkAcls"][1]["Entries"][
                0
            ].__setitem__("Protocol", "bogus"),
            "NetworkAcls[1] (acl-fis): ValueError",
        ),
        (
            lambda r: r["regions"]["us-east-1"]["ec2:DescribeRouteTables"]["RouteTables"][1]["Routes"][
                1
            ].__setitem__("State", "sideways"),
            "RouteTables[1] (rtb-priv): ValueError: route State 'sideways'",
        ),
        (
            lambda r: r["regions"]["ap-northeast-1"][
                "ec2:GetTransitGatewayRouteTableAssociations"
            ].__setitem__("tgw-rtb-t", []),
            "regions.ap-northeast-1.ec2:GetTransitGatewayRouteTableAssociations",
        ),
        (
            lambda r: r["regions"]["us-east-1"]["ec2:DescribeRouteTables"]["RouteTables"].pop(0),
            "subnet subnet-pub has no route table association and VPC vpc-0a1 has no main route table",
        ),
    ],
)
def test_malformed_sections_name_file_region_key(mutate, expect) -> None:
    raw = copy.deepcopy(snapshot())
    mutate(raw)
    with pytest.raises(SnapshotError) as err:
        normalize(raw, source="cases/worlds/x.json")
    assert str(err.value).startswith("cases/worlds/x.json: ")
    assert expect in str(err.value)
