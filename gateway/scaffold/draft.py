"""A drafted adapter: its module, its test's facts and its fixture files, before writing."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.scaffold.plan import Request, render

FIXTURE_README = {
    "soap": "WSDLs and XSDs this adapter's tools were derived from, and recorded cassettes.",
    "tn3270": "Screen captures (the 24x80 text of each map the flow passes) and cassettes.",
    "browser": "Saved pages or a HAR of the flow, for reading selectors offline, and cassettes.",
    "odbc": "Seed rows or DDL the adapter's queries assume, and cassettes.",
    "sftp": "The copybook of the files this adapter reads, sample files, and cassettes.",
}


@dataclass(frozen=True)
class Draft:
    adapter: str  # the module's text
    reference: str  # the reference system whose emulator the test runs against
    checks: list[str]  # assertions on `data`, the happy call's result
    not_found: bool = True  # the contract names an unknown object
    fixtures: dict[str, str | bytes] = field(default_factory=dict)  # file name -> content

    def test(self, request: Request) -> str:
        db = self.reference == "bankdb"
        imports = [f"from adapters.{request.name} import SYSTEM, TOOLS",
                   *(["from emulators.bankdb import BankDatabase"] if db else []),
                   "from tests.support.reference import ReferenceGateways",
                   "from tests.support.servers import ServedApp"]
        return render(
            "test.py.tmpl", name=request.name, reference=self.reference,
            imports="\n".join(imports), db_param=", bankdb: BankDatabase" if db else "",
            db_arg=", bankdb" if db else "",
            checks="\n".join(f"    {line}" for line in self.checks),
            not_found_test=render("not_found_test.py.tmpl") if self.not_found else "")

    def files(self, request: Request) -> dict[str, str | bytes]:
        name = request.name
        readme = (f"# fixtures/{name}\n\nFacts and recordings of the `{name}` adapter "
                  f"(adapters/{name}.py): {FIXTURE_README[request.bridge]}\n")
        return {f"adapters/{name}.py": self.adapter,
                f"tests/adapters/test_{name}.py": self.test(request),
                f"fixtures/{name}/README.md": readme,
                **{f"fixtures/{name}/{file}": data for file, data in self.fixtures.items()}}
