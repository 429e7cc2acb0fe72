"""One error root: every exception class in agentcore/ and functions/ derives from AgentCoreError.

Read with `ast`, not by importing: bases are resolved through each module's imports (re-exports from a
package `__init__` included) until they reach AgentCoreError, a builtin exception, or something outside
the project (a vendor class named like an exception counts as a foreign root).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERROR_ROOT = "agentcore.errors.AgentCoreError"

PENDING: dict[str, str] = {}
"""Exception classes another change is replacing, and why; each is removed here once it is rooted or gone."""


@dataclass
class Module:
    name: str
    imports: dict[str, str] = field(default_factory=dict)
    """Local name -> what it names, fully qualified."""
    classes: dict[str, list[str]] = field(default_factory=dict)
    """Class name -> its bases as written (dotted)."""


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    if isinstance(node, ast.Subscript):  # Generic[T] and the like
        return _dotted(node.value)
    return None


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    keep = len(base) - level + (1 if is_package else 0)
    return ".".join([*base[:keep], *([target] if target else [])])


def parse_module(name: str, source: str, *, is_package: bool = False) -> Module:
    module = Module(name)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                module.imports[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom):
            origin = _absolute(name, is_package, node.level, node.module)
            for alias in node.names:
                module.imports[alias.asname or alias.name] = f"{origin}.{alias.name}"
        elif isinstance(node, ast.ClassDef):
            module.classes[node.name] = [b for b in (_dotted(base) for base in node.bases) if b]
    return module


def project_modules(folders: Iterable[str], root: Path = ROOT) -> dict[str, Module]:
    modules = {}
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            name = module_name(path, root)
            modules[name] = parse_module(name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
    return modules


@dataclass(frozen=True)
class Verdict:
    is_exception: bool
    rooted: bool


class Hierarchy:
    """Resolves a class's bases across modules and says whether it is an exception, and rooted."""

    def __init__(self, modules: dict[str, Module]) -> None:
        self._modules = modules

    def resolve(self, module: Module, written: str) -> str:
        head, _, rest = written.partition(".")
        if head in module.imports:
            target = module.imports[head]
        elif head in module.classes:
            target = f"{module.name}.{head}"
        else:
            return written  # a builtin, or unresolvable
        return f"{target}.{rest}" if rest else target

    def locate(self, qualified: str, seen: frozenset[str] = frozenset()) -> tuple[Module, str] | None:
        """The module that defines `qualified` (following re-exports), and the class name there."""
        owner, _, name = qualified.rpartition(".")
        module = self._modules.get(owner)
        if module is None or qualified in seen:
            return None
        if name in module.classes:
            return module, name
        if name in module.imports:
            return self.locate(module.imports[name], seen | {qualified})
        return None

    def verdict(self, qualified: str, seen: frozenset[str] = frozenset()) -> Verdict:
        if qualified == ERROR_ROOT:
            return Verdict(is_exception=True, rooted=True)
        found = self.locate(qualified)
        if found is None:
            return _foreign(qualified)
        module, name = found
        verdicts = [
            self.verdict(self.resolve(module, base), seen | {qualified})
            for base in module.classes[name]
            if self.resolve(module, base) not in seen
        ]
        return Verdict(any(v.is_exception for v in verdicts), any(v.rooted for v in verdicts))

    def unrooted(self) -> Iterator[str]:
        for module in self._modules.values():
            for name in module.classes:
                qualified = f"{module.name}.{name}"
                verdict = self.verdict(qualified)
                if qualified != ERROR_ROOT and verdict.is_exception and not verdict.rooted:
                    yield qualified


def _foreign(qualified: str) -> Verdict:
    """A base outside the project: a builtin exception (warnings aside), or a vendor class named like one."""
    builtin = getattr(builtins, qualified, None)
    if isinstance(builtin, type) and issubclass(builtin, BaseException):
        return Verdict(is_exception=not issubclass(builtin, Warning), rooted=False)
    last = qualified.rpartition(".")[2]
    return Verdict(is_exception=last.endswith(("Error", "Exception")), rooted=False)


def test_every_exception_class_in_the_core_and_the_functions_derives_from_agent_core_error() -> None:
    offenders = sorted(set(Hierarchy(project_modules(["agentcore", "functions"])).unrooted()) - set(PENDING))
    assert offenders == []


def test_every_pending_exemption_still_names_an_unrooted_exception_class() -> None:
    unrooted = set(Hierarchy(project_modules(["agentcore", "functions"])).unrooted())
    assert sorted(set(PENDING) - unrooted) == []


def test_the_check_finds_a_builtin_base_an_indirect_one_and_a_vendor_one() -> None:
    modules = {
        "agentcore.errors": parse_module("agentcore.errors", "class AgentCoreError(Exception): ...\n"),
        "pkg": parse_module("pkg", "from pkg._impl import Rooted as Rooted\n", is_package=True),
        "pkg._impl": parse_module(
            "pkg._impl",
            "from agentcore import errors\n"
            "from ..errors import AgentCoreError\n"
            "import vendor.sdk as sdk\n"
            "class Rooted(errors.AgentCoreError): ...\n"
            "class Loose(ValueError): ...\n"
            "class Looser(Loose): ...\n"
            "class Vendored(sdk.HttpError): ...\n"
            "class Careful(UserWarning): ...\n"
            "class Plain: ...\n",
        ),
        "other": parse_module("other", "from pkg import Rooted\nclass Fine(Rooted): ...\n"),
    }
    assert sorted(Hierarchy(modules).unrooted()) == ["pkg._impl.Loose", "pkg._impl.Looser", "pkg._impl.Vendored"]
