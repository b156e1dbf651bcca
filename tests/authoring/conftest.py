"""Authoring fixtures: a throwaway copy of the project to scaffold into and run tests in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("adapters", "bridges", "canonical", "emulators", "fixtures", "gateway")
TEST_SUPPORT = ("__init__.py", "conftest.py", "support", "adapters", "contract")
SKIP = shutil.ignore_patterns("__pycache__", "node_modules", "*.pyc")


def copy_project(target: Path) -> Path:
    """What a generated adapter and its test need: the packages, fixtures, test support."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, target / name, ignore=SKIP)
    shutil.copy2(ROOT / "pyproject.toml", target / "pyproject.toml")
    (target / "tests").mkdir()
    for name in TEST_SUPPORT:
        source = ROOT / "tests" / name
        if source.is_dir():
            # The contract suite whole (it runs on scaffolded tools), else support code only.
            tests = () if name == "contract" else ("test_*.py",)
            shutil.copytree(source, target / "tests" / name,
                            ignore=shutil.ignore_patterns("__pycache__", *tests))
        else:
            shutil.copy2(source, target / "tests" / name)
    return target


@dataclass
class Project:
    root: Path

    def new_adapter(self, *args: str) -> tuple[int, str]:
        """`mainbridge new adapter ... --root <copy>`: exit code and everything it printed."""
        result = CliRunner().invoke(app, ["new", "adapter", *args, "--root", str(self.root)])
        return result.exit_code, result.output

    def run(self, *command: str) -> subprocess.Popen[str]:
        """A tool of the venv run in the copy, whose packages come first on sys.path."""
        env = {k: v for k, v in os.environ.items() if k != "MAINBRIDGE_FIXTURES"}
        env["PYTHONPATH"] = str(self.root)
        return subprocess.Popen([sys.executable, "-m", *command], cwd=self.root, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(copy_project(tmp_path_factory.mktemp("project")))
