"""The shape of the package: the runtime never imports the training package, and no module imports form a cycle.

Both checks read the source with `ast`, so imports inside functions count as much as those at the top.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "crosscheck"
TRAINING = "crosscheck.training"
# The command line's parser is the composition root: it alone registers the research commands.
ALLOWED_TRAINING_IMPORTS = {("crosscheck.cli", "build_parser", "crosscheck.training.cli")}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the crosscheck module imported
    function: str | None  # the enclosing function, None at module level
    line: int


def module_files() -> dict[str, Path]:
    """Dotted name → file of every module under src/crosscheck (packages by their __init__.py)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = module_files()


def _deepest_module(name: str) -> str | None:
    """The longest prefix of a dotted name that is one of our modules (`crosscheck.stance.LABELS` → `crosscheck.stance`)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> list[Import]:
    """Every import of a crosscheck module in one of our modules, with the function it sits in."""
    path = MODULES[module]
    return imports_in(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py")


def imports_in(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import of a crosscheck module in the source of module, at any depth, with the function it sits in."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def add(target: str | None, function: str | None, line: int) -> None:
        if target and target.split(".")[0] == "crosscheck":
            resolved = _deepest_module(target)
            if resolved and resolved != module:
                found.append(Import(module, resolved, function, line))

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name if function is None else f"{function}.{child.name}")
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, function, child.lineno)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    source = ".".join(base + ([child.module] if child.module else []))
                else:
                    source = child.module or ""
                for alias in child.names:
                    # `from crosscheck import store` imports a module; `from crosscheck.stance import LABELS` a name.
                    add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source, function, child.lineno)
            elif isinstance(child, ast.Call) and child.args and isinstance(child.args[0], ast.Constant):
                # importlib.import_module("crosscheck.…") and __import__("crosscheck.…") count too.
                callee = child.func.attr if isinstance(child.func, ast.Attribute) else getattr(child.func, "id", "")
                if callee in ("import_module", "__import__") and isinstance(child.args[0].value, str):
                    add(child.args[0].value, function, child.lineno)
            visit(child, function)

    visit(ast.parse(source), None)
    return found


def is_training(module: str) -> bool:
    return module == TRAINING or module.startswith(TRAINING + ".")


def import_graph() -> dict[str, set[str]]:
    """Module → the crosscheck modules it imports anywhere in its source."""
    return {module: {imp.target for imp in imports_of(module)} for module in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as [a, b, …, a], or None when it has none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = walk(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = walk(node)
            if cycle:
                return cycle
    return None


def test_the_training_package_holds_the_research():
    for name in ("data", "train", "evaluate", "event_pairs", "cli", "make_synthetic", "build_real_pairs"):
        assert f"{TRAINING}.{name}" in MODULES, name
    for gone in ("train", "evaluate", "event_pairs"):
        assert f"crosscheck.{gone}" not in MODULES, f"crosscheck.{gone} is research: it belongs in {TRAINING}"


def test_no_runtime_module_imports_the_training_package():
    offending = [
        f"{imp.module} line {imp.line}" + (f" (in {imp.function})" if imp.function else "") + f" imports {imp.target}"
        for module in MODULES if not is_training(module)
        for imp in imports_of(module)
        if is_training(imp.target) and (imp.module, imp.function, imp.target) not in ALLOWED_TRAINING_IMPORTS
    ]
    assert not offending, "the runtime must not import crosscheck.training:\n" + "\n".join(offending)


def test_the_pages_do_not_import_the_training_package():
    """The dashboard's own scripts (app.py, views/) are runtime too."""
    offending = [
        f"{path.relative_to(ROOT)} line {imp.line} imports {imp.target}"
        for path in [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]
        for imp in imports_in(path.read_text(encoding="utf-8"), path.stem)
        if is_training(imp.target)
    ]
    assert not offending, "\n".join(offending)


def test_the_allowed_import_is_the_command_line_registration():
    """The one exception is real (the CLI offers train-stance and eval), so the allowance cannot go stale unnoticed."""
    registered = {(imp.module, imp.function, imp.target) for imp in imports_of("crosscheck.cli") if is_training(imp.target)}
    assert registered == ALLOWED_TRAINING_IMPORTS


def test_training_depends_on_the_runtime():
    """The direction is one way: training modules import runtime ones (stance, tables …), which is what makes it a layer."""
    used = {imp.target for module in MODULES if is_training(module) for imp in imports_of(module)}
    assert {"crosscheck.stance", "crosscheck.tables"} <= used


def test_there_are_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_checker_sees_imports_inside_functions_and_reports_cycles():
    """The checker itself: imports hidden in functions (how the old evaluate ↔ train circle hid) are found."""
    source = (
        "import os\n"
        "from crosscheck import config\n"
        "def evaluate():\n"
        "    from crosscheck.training.train import calibrate\n"
        "    class Inner:\n"
        "        def method(self):\n"
        "            from . import data\n"
        "            import crosscheck.stance as stance\n"
        "            importlib.import_module('crosscheck.tables')\n"
    )
    found = {(imp.target, imp.function) for imp in imports_in(source, "crosscheck.training.evaluate")}
    assert found == {
        ("crosscheck.config", None),
        ("crosscheck.training.train", "evaluate"),
        ("crosscheck.training.data", "evaluate.method"),
        ("crosscheck.stance", "evaluate.method"),
        ("crosscheck.tables", "evaluate.method"),
    }
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# Database calls: DuckDB connection and cursor methods that run SQL or register data.
SQL_CALLS = {"execute", "executemany", "sql", "query", "register", "unregister", "fetchnumpy"}


def sql_calls(source: str) -> list[tuple[int, str]]:
    """(line, method) of every `.execute(…)`-like call in the source."""
    return [
        (node.lineno, node.func.attr) for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS
    ]


def test_only_the_db_package_runs_sql():
    """Every SQL statement lives in crosscheck.db; the other modules, training included, and the pages call its functions."""
    outside = {}
    files = [p for name, p in MODULES.items() if not name.startswith("crosscheck.db")]
    files += [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]
    for path in files:
        if calls := sql_calls(path.read_text(encoding="utf-8")):
            outside[str(path.relative_to(ROOT))] = calls
    assert not outside, outside


def test_the_sql_checker_sees_a_call():
    assert sql_calls("def f(con):\n    return con.cursor().execute('SELECT 1')\n") == [(2, "execute")]
