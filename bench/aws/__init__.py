"""Offline AWS facts: Region names and endpoint hostnames (from botocore's own data) and AWS public
IP ranges (from ip-ranges.json). Nothing here talks to the network."""
