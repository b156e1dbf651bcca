"""`mainbridge new adapter`: every bridge's scaffold passes its own test over its emulator."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulators.bankdb import PostgresBankDb
from tests.authoring.conftest import ROOT, Project

# name -> arguments; each writes adapters/<name>.py and tests/adapters/test_<name>.py.
CASES: dict[str, list[str]] = {
    "acme_soap": ["--bridge", "soap"],
    "acme_screens": ["--bridge", "tn3270"],
    "acme_portal": ["--bridge", "browser"],
    "acme_sql": ["--bridge", "odbc"],
    "acme_files": ["--bridge", "sftp", "--system", "partner_files"],
    "acme_accounts": ["--bridge", "odbc", "--table", "ACCTMAST"],
    "acme_movements": ["--bridge", "odbc", "--table", "txnhist", "--key", "ACCT_NO"],
    "acme_crm": ["--bridge", "soap", "--wsdl", "{contracts}/crm-v2.wsdl",
                 "--operation", "getCustomer", "--example", "customerNumber=C000001"],
    "acme_stl": ["--bridge", "sftp", "--copybook", "{contracts}/STLREC.cpy"],
}
CUSTOM_SYSTEM = "acme_files"  # not a reference system: the contract suite cannot run it
# Tests each generated file holds (the bank database's run twice: SQLite and PostgreSQL).
EXPECTED_TESTS = {"acme_soap": 2, "acme_screens": 2, "acme_portal": 2, "acme_sql": 4,
                  "acme_files": 2, "acme_accounts": 4, "acme_movements": 2, "acme_crm": 1,
                  "acme_stl": 2}


@pytest.fixture(scope="module")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A WSDL and a copybook outside the project, as a vendor or a partner hands them over."""
    folder = tmp_path_factory.mktemp("contracts")
    for name in ("soap/crm-v2.wsdl", "soap/crm-v2.xsd", "batch/STLREC.cpy"):
        shutil.copy2(ROOT / "fixtures" / name, folder)
    return folder


@pytest.fixture(scope="module")
def scaffolded(project: Project, contracts: Path) -> Iterator[dict[str, tuple[int, str]]]:
    """Every case scaffolded into the copy, one catalog read against PostgreSQL on the way."""
    outputs: dict[str, tuple[int, str]] = {}
    for name, args in CASES.items():
        outputs[name] = project.new_adapter(name, *(a.format(contracts=contracts) for a in args))
    with PostgresBankDb() as db:
        config = project.root / "bank.toml"
        settings = db.connection()
        config.write_text("[systems.bankdb]\nbridge = \"odbc\"\n" + "".join(
            f"{k} = {v!r}\n".replace("'", '"') for k, v in settings.items()
            if not isinstance(v, dict)), encoding="utf-8")
        outputs["acme_prices"] = project.new_adapter(
            "acme_prices", "--bridge", "odbc", "--table", "PRICETAB", "--config", str(config))
    yield outputs


@pytest.fixture(scope="module")
def checked(project: Project, scaffolded: dict[str, tuple[int, str]]) -> dict[str, str]:
    """The generated tests run by pytest, and the generated files by ruff and mypy, at once."""
    names = list(scaffolded)
    sources = [f"adapters/{n}.py" for n in names] + [f"tests/adapters/test_{n}.py"
                                                     for n in names]
    report, contract_report = project.root / "report.xml", project.root / "contract.xml"
    pytest_run = project.run("pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                             *(f"tests/adapters/test_{n}.py" for n in names))
    # The generated contract suite finds the scaffolded tools of reference systems on its own.
    contract_run = project.run("pytest", "-q", "-p", "no:cacheprovider", "tests/contract",
                               f"--junitxml={contract_report}", "-k", " or ".join(
                                   n for n in names if n != CUSTOM_SYSTEM))
    mypy_run = project.run("mypy", "--follow-imports=silent", "--cache-dir",
                           str(project.root / ".mypy_cache"), *sources)
    ruff_run = project.run("ruff", "check", "--no-cache", *sources)
    outputs = {"ruff": ruff_run.communicate(timeout=120)[0],
               "mypy": mypy_run.communicate(timeout=180)[0],
               "pytest": pytest_run.communicate(timeout=240)[0],
               "contract": contract_run.communicate(timeout=240)[0]}
    outputs.update({f"{k}_rc": str(p.returncode) for k, p in (
        ("ruff", ruff_run), ("mypy", mypy_run), ("pytest", pytest_run),
        ("contract", contract_run))})
    for key, path in (("report", report), ("contract_report", contract_report)):
        outputs[key] = path.read_text(encoding="utf-8") if path.exists() else ""
    return outputs


def passed(report: str) -> list[tuple[str, str]]:
    """(module, test name) of every passed test case in a junit report."""
    return [(case.get("classname", ""), case.get("name", ""))
            for case in ET.fromstring(report).iter("testcase")  # noqa: S314 (our own report)
            if not any(child.tag in ("failure", "error", "skipped") for child in case)]


@pytest.mark.parametrize("name", [*CASES, "acme_prices"])
def test_scaffold_writes_the_adapter_its_fixtures_and_test(
        name: str, project: Project, scaffolded: dict[str, tuple[int, str]]) -> None:
    code, output = scaffolded[name]
    assert code == 0, output
    for path in (f"adapters/{name}.py", f"tests/adapters/test_{name}.py",
                 f"fixtures/{name}/README.md"):
        assert f"wrote {path}" in output and (project.root / path).is_file()
    assert f"pytest -q tests/adapters/test_{name}.py" in output
    assert not (ROOT / "adapters" / f"{name}.py").exists()  # never into the repository


def test_generated_files_are_ruff_and_mypy_clean(checked: dict[str, str]) -> None:
    assert checked["ruff_rc"] == "0", checked["ruff"]
    assert checked["mypy_rc"] == "0", checked["mypy"]


@pytest.mark.slow
def test_every_generated_test_passes_against_its_emulator(checked: dict[str, str]) -> None:
    assert checked["pytest_rc"] == "0", checked["pytest"][-4000:]
    modules = Counter(module.split(".")[-1].removeprefix("test_")
                      for module, _ in passed(checked["report"]))
    assert modules == {**EXPECTED_TESTS, "acme_prices": 4}


@pytest.mark.slow
def test_the_contract_suite_covers_the_scaffolded_tools(checked: dict[str, str]) -> None:
    assert checked["contract_rc"] == "0", checked["contract"][-4000:]
    cases = Counter(name.split("[")[0] for _, name in passed(checked["contract_report"]))
    tools = [n for n in [*CASES, "acme_prices"] if n != CUSTOM_SYSTEM]
    for kind in ("test_happy", "test_fault", "test_timeout", "test_replay", "test_schema"):
        assert cases[kind] == len(tools), cases


def test_a_system_the_contract_suite_lacks_is_pointed_out(
        scaffolded: dict[str, tuple[int, str]]) -> None:
    assert "'partner_files' is not a reference system" in scaffolded[CUSTOM_SYSTEM][1]
    assert "not a reference system" not in scaffolded["acme_soap"][1]


def test_the_catalog_types_the_tool(project: Project,
                                    scaffolded: dict[str, tuple[int, str]]) -> None:
    source = (project.root / "adapters" / "acme_prices.py").read_text(encoding="utf-8")
    assert "prod_cd: str = Field(min_length=1, max_length=10," in source
    assert ("INT_RATE: Annotated[Decimal, Field(max_digits=7, decimal_places=4), scale(4)] "
            "| None") in source
    assert "WHERE PROD_CD = ? AND SEG_CD = ?" in source
    assert "(char(params.prod_cd, 10), char(params.seg_cd, 1))" in source
    movements = (project.root / "adapters" / "acme_movements.py").read_text(encoding="utf-8")
    assert "many = True" in movements and '"TXN_AMT": ColumnType.DECIMAL' in movements


def test_a_derived_soap_tool_keeps_its_own_copy_of_the_contract(project: Project,
                                                                scaffolded: object) -> None:
    folder = project.root / "fixtures" / "acme_crm"
    assert {p.name for p in folder.iterdir()} == {"README.md", "crm-v2.wsdl", "crm-v2.xsd"}


REFUSALS = [
    (["Bad-Name", "--bridge", "odbc"], "must be a lower-case Python identifier"),
    (["class", "--bridge", "odbc"], "must be a lower-case Python identifier"),
    (["crm", "--bridge", "soap"], "adapters/crm already exists"),
    (["core_banking", "--bridge", "tn3270"], "adapters/core_banking already exists"),
    (["acme_x", "--bridge", "cobol"], "unknown bridge 'cobol'"),
    (["acme_x", "--bridge", "soap", "--table", "ACCTMAST"], "--table derives an odbc adapter"),
    (["acme_x", "--bridge", "odbc", "--table", "NO_SUCH"], "no table NO_SUCH"),
    (["acme_x", "--bridge", "odbc", "--table", "ACCTMAST; DROP"], "not a plain SQL identifier"),
    (["acme_x", "--bridge", "soap", "--wsdl", "fixtures/soap/crm-v2.wsdl", "--operation",
      "getCustomer"], "needs its happy call: --example"),
    (["acme_x", "--bridge", "soap", "--wsdl", "fixtures/soap/crm-v2.wsdl", "--operation",
      "dropCustomer", "--example", "a=b"], "has no operation 'dropCustomer'"),
]


@pytest.mark.parametrize(("args", "message"), REFUSALS, ids=[r[1] for r in REFUSALS])
def test_refusals_exit_non_zero_with_a_reason_and_write_nothing(
        project: Project, args: list[str], message: str) -> None:
    args = [a if not a.startswith("fixtures/") else str(ROOT / a) for a in args]
    before = sorted(project.root.rglob("*"))
    code, output = project.new_adapter(*args)
    assert code != 0 and message in output, output
    assert sorted(project.root.rglob("*")) == before


def test_an_existing_file_is_never_overwritten(project: Project) -> None:
    test_file = project.root / "tests" / "adapters" / "test_acme_mine.py"
    test_file.write_text("# mine\n", encoding="utf-8")
    code, output = project.new_adapter("acme_mine", "--bridge", "soap")
    assert code != 0 and "refusing to overwrite tests/adapters/test_acme_mine.py" in output
    assert test_file.read_text(encoding="utf-8") == "# mine\n"
    assert not (project.root / "adapters" / "acme_mine.py").exists()
