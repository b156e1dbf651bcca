"""JUnit XML for CI: one <testsuite> per golden suite, one <testcase> per tool call."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET  # written only: no untrusted XML is parsed here

from gateway.suites.runner import SuiteOutcome


def junit_xml(outcomes: list[SuiteOutcome]) -> ET.ElementTree:
    root = ET.Element("testsuites", name="mainbridge golden suites")
    for outcome in outcomes:
        suite = ET.SubElement(root, "testsuite", {
            "name": outcome.suite.name, "tests": str(len(outcome.suite.calls)),
            "failures": str(len(outcome.drifted)), "errors": "1" if outcome.error else "0",
            "time": f"{outcome.seconds:.3f}"})
        ET.SubElement(suite, "properties").extend([
            ET.Element("property", name="mode", value=outcome.mode)])
        if outcome.error:
            ET.SubElement(suite, "error", message=outcome.error, type="SuiteError")
        for call in outcome.calls:
            case = ET.SubElement(suite, "testcase", {
                "classname": f"{outcome.suite.name}.{call.call.agent}",
                "name": f"{call.call.id} ({call.call.tool})",
                "time": f"{call.answer.seconds:.3f}"})
            if call.drifted:
                lines = call.report()
                failure = ET.SubElement(case, "failure", {
                    "message": f"{call.call.tool}: {lines[0]}"
                               + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""),
                    "type": "Drift"})
                failure.text = "\n".join(lines)
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(outcomes: list[SuiteOutcome], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(outcomes).write(path, encoding="utf-8", xml_declaration=True)
