"""Gate output: a readable terminal report and JUnit XML so any CI shows one test case per threshold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.reports.gate import GateReport

_STYLE = {"pass": "[green]PASS[/]", "fail": "[bold red]FAIL[/]", "skip": "[yellow]SKIP[/]"}


def print_report(report: GateReport, console: Console) -> None:
    table = Table(title=f"gate {report.config} on run {report.run_id}")
    table.add_column("status")
    table.add_column("check")
    table.add_column("detail")
    for r in report.results:
        table.add_row(_STYLE[r.status], r.check.name, r.detail)
    console.print(table)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    c = report.counts()
    verdict = "[bold green]PASSED[/]" if report.passed else "[bold red]FAILED[/]"
    console.print(f"gate {verdict}: {c['pass']} passed, {c['fail']} failed, {c['skip']} skipped")


def to_junit(report: GateReport) -> str:
    """JUnit XML (no timestamps, so the file is reproducible)."""
    c = report.counts()
    suites = ET.Element(
        "testsuites",
        name="reachbench gate",
        tests=str(len(report.results)),
        failures=str(c["fail"]),
        errors="0",
        skipped=str(c["skip"]),
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"reachbench gate: {report.run_id}",
        tests=str(len(report.results)),
        failures=str(c["fail"]),
        errors="0",
        skipped=str(c["skip"]),
        time="0",
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="run_id", value=report.run_id)
    ET.SubElement(props, "property", name="config", value=report.config)
    classname = f"reachbench.gate.{report.run_id}"
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=classname, name=r.check.name, time="0")
        if r.status == "fail":
            failure = ET.SubElement(case, "failure", message=r.detail, type="threshold")
            failure.text = f"{r.check.where}: {r.check.name}\n{r.detail}"
        elif r.status == "skip":
            ET.SubElement(case, "skipped", message=r.detail)
        ET.SubElement(case, "system-out").text = r.detail
    if report.warnings:
        ET.SubElement(suite, "system-err").text = "\n".join(report.warnings)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def write_junit(report: GateReport, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(to_junit(report), encoding="utf-8")
