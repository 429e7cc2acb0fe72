"""The locks (requirements.txt, requirements-dev.txt) agree with pyproject.toml, so every machine installs one set."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def locked_versions(lock: Path) -> dict[str, list[tuple[Version, str | None]]]:
    pins: dict[str, list[tuple[Version, str | None]]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            name, version, marker = match.groups()
            pins.setdefault(canonicalize_name(name), []).append((Version(version), marker))
    return pins


def recorded_digest(lock: Path) -> str:
    for line in lock.read_text(encoding="utf-8").splitlines()[:5]:
        if line.startswith("# pyproject-dependencies-sha256: "):
            return line.split(": ", 1)[1].strip()
    return ""


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    if extra:
        requirements += [Requirement(text) for text in project["optional-dependencies"][extra]]
    return requirements


LOCKS = [("requirements.txt", None), ("requirements-dev.txt", "dev")]


@pytest.mark.parametrize(("lock_name", "extra"), LOCKS)
def test_the_lock_records_the_digest_of_pyprojects_dependencies(lock_name: str, extra: str | None) -> None:
    current = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "lock_digest.py")], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert recorded_digest(ROOT / lock_name) == current, (
        f"{lock_name} was made from another pyproject.toml: run `make lock` and commit both locks"
    )


@pytest.mark.parametrize(("lock_name", "extra"), LOCKS)
def test_every_declared_dependency_is_locked_at_a_version_pyproject_allows(lock_name: str, extra: str | None) -> None:
    pins = locked_versions(ROOT / lock_name)
    here = {"python_version": f"{sys.version_info.major}.{sys.version_info.minor}", "sys_platform": "linux"}
    for requirement in declared(extra):
        if requirement.marker is not None and not requirement.marker.evaluate(here):
            continue
        candidates = [
            version
            for version, marker in pins.get(canonicalize_name(requirement.name), [])
            if marker is None or Marker(marker).evaluate(here)
        ]
        assert candidates, f"{requirement.name} is declared in pyproject.toml but not locked in {lock_name}"
        assert all(requirement.specifier.contains(v, prereleases=True) for v in candidates), (
            f"{lock_name} pins {requirement.name} at {candidates}, outside pyproject's {requirement.specifier}"
        )


@pytest.mark.parametrize("lock_name", [name for name, _ in LOCKS])
def test_every_pin_carries_a_hash(lock_name: str) -> None:
    text = (ROOT / lock_name).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    unhashed = [entry.split("==")[0] for entry in entries if "==" in entry and "--hash=sha256:" not in entry]
    assert unhashed == []


def test_the_runtime_lock_is_the_dev_lock_without_the_dev_tools() -> None:
    runtime = locked_versions(ROOT / "requirements.txt")
    development = locked_versions(ROOT / "requirements-dev.txt")
    differing = {name: (pins, development.get(name)) for name, pins in runtime.items() if development.get(name) != pins}
    assert differing == {}, "the deployment and the tests would run different versions"


def third_party_imports(*folders: str) -> set[str]:
    """Top-level names of the modules outside the standard library that the code under `folders` imports."""
    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"agentcore", "functions"}


def test_every_module_the_product_imports_is_a_declared_runtime_dependency() -> None:
    """A package that only arrives through another (PyYAML came with a test tool) is missing from
    requirements.txt, which is all the Functions deployment installs."""
    runtime = {canonicalize_name(r.name) for r in declared(None)}
    providers = importlib.metadata.packages_distributions()
    undeclared = {
        module: sorted(providers.get(module, ["?"]))
        for module in third_party_imports("agentcore", "functions")
        if not {canonicalize_name(d) for d in providers.get(module, [])} & runtime
    }
    assert undeclared == {}
