"""Managed services of a scenario: VPN connections, RDS, Auto Scaling groups, Lambda in a VPC.

Kept apart from the EC2 topology (``builder.py``) because they are created last, once every subnet and
group they name exists; moto's gaps for them (no RDS interface, ASG placement) are fixed afterwards in
``corrections_interfaces.py``.
"""

from __future__ import annotations

import io
import ipaddress
import zipfile
from typing import Any

from bench.scenarios.context import Ref
from bench.scenarios.spec import VpcSpec

AMI = "ami-0a1b2c3d4e5f67890"
_DEFAULT_PORT = {
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "aurora-mysql": 3306,
}


def _tag_spec(resource_type: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


class ServicesMixin:
    """Mixed into ``Builder``; uses its ``ctx``, ``source``, ``client``, ``ec2``, ``need``, ``add``,
    ``_check_ip``."""

    ctx: Any
    source: Any
    client: Any
    ec2: Any
    need: Any
    add: Any
    _check_ip: Any

    # -- services -------------------------------------------------------------------------------
    def _services(self, loc: tuple[Any, ...], region: str, vpc: VpcSpec) -> None:
        vpc_id = self.ctx.refs[vpc.name].id
        if vpc.vpn_gateway and vpc.vpn_gateway.remote_cidrs:
            self._vpn(loc + ("vpn_gateway",), region, vpc.vpn_gateway)
        for i, db in enumerate(vpc.db_instances):
            self._db(loc + ("db_instances", i), region, vpc_id, db)
        for i, asg in enumerate(vpc.autoscaling_groups):
            self._asg(loc + ("autoscaling_groups", i), region, vpc_id, asg)
        for i, fn in enumerate(vpc.lambda_functions):
            self._lambda(loc + ("lambda_functions", i), region, vpc_id, fn)

    def _vpn(self, loc: tuple[Any, ...], region: str, vgw: Any) -> None:
        ec2 = self.ec2(region)
        cgw = ec2.create_customer_gateway(
            BgpAsn=vgw.customer_asn,
            PublicIp=vgw.customer_gateway_ip,
            Type="ipsec.1",
            TagSpecifications=_tag_spec("customer-gateway", f"{vgw.name}-cgw"),
        )["CustomerGateway"]["CustomerGatewayId"]
        vpn = ec2.create_vpn_connection(
            CustomerGatewayId=cgw,
            VpnGatewayId=self.ctx.refs[vgw.name].id,
            Type="ipsec.1",
            Options={"StaticRoutesOnly": True},
            TagSpecifications=_tag_spec("vpn-connection", f"{vgw.name}-vpn"),
        )["VpnConnection"]["VpnConnectionId"]
        # moto 5.2.1 has no CreateVpnConnectionRoute: recorded, applied by corrections.
        self.ctx.vpn_routes[vpn] = list(vgw.remote_cidrs)
        self.ctx.refs[f"{vgw.name}-vpn"] = Ref("vpn", vpn, region)

    def _db(self, loc: tuple[Any, ...], region: str, vpc_id: str, db: Any) -> None:
        rds = self.client("rds", region)
        subnets = [self.need(loc + ("subnets", j), s, ("subnet",)) for j, s in enumerate(db.subnets)]
        groups = [self.need(loc + ("groups", j), g, ("sg",)).id for j, g in enumerate(db.groups)]
        made = self.ctx.db_subnet_groups.setdefault(region, set())
        if db.subnet_group not in made:  # the instances of one Aurora cluster share their subnet group
            rds.create_db_subnet_group(
                DBSubnetGroupName=db.subnet_group,
                DBSubnetGroupDescription=db.subnet_group,
                SubnetIds=[s.id for s in subnets],
            )
            made.add(db.subnet_group)
        port = db.port or _DEFAULT_PORT.get(db.engine, 5432)
        extra = dict(db.tags)
        tags = [{"Key": "Name", "Value": extra.pop("Name", db.name)}]
        tags += [{"Key": k, "Value": v} for k, v in sorted(extra.items())]
        kwargs: dict[str, Any] = {"VpcSecurityGroupIds": groups, "Port": port, "AllocatedStorage": 20}
        if db.engine.startswith("aurora") != bool(db.cluster):
            raise self.source.error(
                loc + ("cluster",), "Aurora engines need a cluster; other engines take none"
            )
        if db.cluster:
            # Aurora: the cluster holds the network settings; its instances inherit them (moto requires
            # the cluster for aurora-* engines, as RDS does).
            clusters = self.ctx.db_clusters.setdefault(region, set())
            if db.cluster not in clusters:
                rds.create_db_cluster(
                    DBClusterIdentifier=db.cluster,
                    Engine=db.engine,
                    MasterUsername="admin_user",
                    MasterUserPassword="not-a-secret-0",
                    DBSubnetGroupName=db.subnet_group,
                    Tags=[{"Key": "Name", "Value": db.cluster}],
                    **kwargs,
                )
                clusters.add(db.cluster)
            kwargs = {"DBClusterIdentifier": db.cluster}
        else:
            kwargs.update(MasterUsername="admin_user", MasterUserPassword="not-a-secret-0")
        rds.create_db_instance(
            DBInstanceIdentifier=db.name,
            DBInstanceClass=db.instance_class,
            Engine=db.engine,
            DBSubnetGroupName=db.subnet_group,
            PubliclyAccessible=False,
            Tags=tags,
            **kwargs,
        )
        home = subnets[0]
        if db.subnet:
            home = self.need(loc + ("subnet",), db.subnet, ("subnet",))
        elif db.ip:
            home = (
                next(
                    (
                        s
                        for s in subnets
                        if ipaddress.ip_address(db.ip) in ipaddress.ip_network(s.extra["cidr"])
                    ),
                    None,
                )
                or subnets[0]
            )
        if db.ip:
            self.ctx.fixed_ips[db.name] = self._check_ip(loc + ("ip",), db.ip, home)
        self.ctx.db_subnets[db.name] = home.id
        self.add(
            loc,
            db.name,
            Ref("db", db.name, region, vpc_id, f"arn:aws:rds:{region}:{self.ctx.account_id}:db:{db.name}"),
        )

    def _asg(self, loc: tuple[Any, ...], region: str, vpc_id: str, asg: Any) -> None:
        subnets = [self.need(loc + ("subnets", j), s, ("subnet",)).id for j, s in enumerate(asg.subnets)]
        groups = [self.need(loc + ("groups", j), g, ("sg",)).id for j, g in enumerate(asg.groups)]
        self.ec2(region).create_launch_template(
            LaunchTemplateName=f"{asg.name}-lt",
            LaunchTemplateData={
                "ImageId": AMI,
                "InstanceType": asg.instance_type,
                "SecurityGroupIds": groups,
            },
        )
        tags = [{"Key": "Name", "Value": asg.instance_name or asg.name, "PropagateAtLaunch": True}]
        tags += [{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in sorted(asg.tags.items())]
        self.client("autoscaling", region).create_auto_scaling_group(
            AutoScalingGroupName=asg.name,
            LaunchTemplate={"LaunchTemplateName": f"{asg.name}-lt"},
            MinSize=asg.min,
            MaxSize=asg.max if asg.max is not None else max(asg.desired, 1),
            DesiredCapacity=asg.desired,
            VPCZoneIdentifier=",".join(subnets),
            Tags=tags,
        )
        self.add(loc, asg.name, Ref("asg", asg.name, region, vpc_id))

    def _lambda(self, loc: tuple[Any, ...], region: str, vpc_id: str, fn: Any) -> None:
        iam = self.client("iam", region)
        role = f"{fn.name}-role"
        arn = iam.create_role(
            RoleName=role, AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}'
        )["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            info = zipfile.ZipInfo("handler.py", date_time=(2020, 1, 1, 0, 0, 0))
            zf.writestr(info, "def handler(event, context):\n    return event\n")
        subnets = [self.need(loc + ("subnets", j), s, ("subnet",)).id for j, s in enumerate(fn.subnets)]
        groups = [self.need(loc + ("groups", j), g, ("sg",)).id for j, g in enumerate(fn.groups)]
        self.client("lambda", region).create_function(
            FunctionName=fn.name,
            Runtime=fn.runtime,
            Role=arn,
            Handler="handler.handler",
            Code={"ZipFile": buf.getvalue()},
            VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": groups},
            Tags={"Name": fn.name, **fn.tags},
        )
        self.add(
            loc,
            fn.name,
            Ref(
                "lambda",
                fn.name,
                region,
                vpc_id,
                f"arn:aws:lambda:{region}:{self.ctx.account_id}:function:{fn.name}",
            ),
        )
