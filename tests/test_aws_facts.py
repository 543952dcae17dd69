"""Offline AWS facts: Region names from botocore, ip-ranges lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.aws.ipranges import load_ip_ranges, shipped_ip_ranges
from bench.aws.regions import region_from_hostname, region_from_name

SHARED_RANGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "aws-ip-ranges-2026-08-22.json"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Tokyo", "ap-northeast-1"),
        ("東京", "ap-northeast-1"),
        ("東京リージョン", "ap-northeast-1"),
        ("ソウル", "ap-northeast-2"),
        ("N. Virginia", "us-east-1"),
        ("Asia Pacific (Seoul)", "ap-northeast-2"),
        ("us-west-2", "us-west-2"),
    ],
)
def test_region_from_name(name: str, code: str) -> None:
    assert region_from_name(name) == code


def test_region_from_hostname() -> None:
    assert region_from_hostname("s3.ap-northeast-1.amazonaws.com") == "ap-northeast-1"
    assert region_from_hostname("bucket.s3.ap-northeast-1.amazonaws.com") == "ap-northeast-1"
    assert region_from_hostname("example.com") is None


def test_shipped_ranges_place_field_test_address_in_tokyo() -> None:
    ranges = shipped_ip_ranges()
    hits = ranges.lookup("35.78.9.203")
    assert {h.prefix for h in hits} == {"35.72.0.0/13"}
    assert ranges.region_of("35.78.9.203") == "ap-northeast-1"
    assert ranges.region_of("192.0.2.1") is None


@pytest.mark.skipif(not SHARED_RANGES.exists(), reason="shared ip-ranges.json not present")
def test_shipped_table_matches_published_file() -> None:
    full = load_ip_ranges(SHARED_RANGES)
    shipped = shipped_ip_ranges()
    assert full.prefixes == shipped.prefixes
    assert full.sync_token == shipped.sync_token
