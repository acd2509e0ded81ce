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
    """The longest prefix of a dotted name that is one of our modules (`crosscheck.models.stance.LABELS` → `crosscheck.models.stance`)."""
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
                    # `from crosscheck import review` imports a module; `from crosscheck.models.labels import LABELS` a name.
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
    """The direction is one way: training modules import runtime ones (models, datafiles …), which is what makes it a layer."""
    used = {imp.target for module in MODULES if is_training(module) for imp in imports_of(module)}
    assert {"crosscheck.models.stance", "crosscheck.datafiles"} <= used


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
        "            import crosscheck.models.stance as stance\n"
        "            importlib.import_module('crosscheck.datafiles')\n"
    )
    found = {(imp.target, imp.function) for imp in imports_in(source, "crosscheck.training.evaluate")}
    assert found == {
        ("crosscheck.config", None),
        ("crosscheck.training.train", "evaluate"),
        ("crosscheck.training.data", "evaluate.method"),
        ("crosscheck.models.stance", "evaluate.method"),
        ("crosscheck.datafiles", "evaluate.method"),
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


# ---------------------------------------------------------------- packages that show the stages

STAGE_PACKAGES = {
    "crosscheck.ingest": {"plain", "html", "pdf", "word", "rows", "fetch", "decode", "dating", "document"},
    "crosscheck.models": {"embedder", "onnx", "stance", "labels", "passages", "gate", "timing", "calibration", "worker"},
    "crosscheck.lake": {"engine", "store"},
}
# The wiring stays flat beside the packages.
FLAT = {"crosscheck.pipeline", "crosscheck.workspace", "crosscheck.cli"}
# Where Streamlit may be imported: the app's own package and the page scripts.
STREAMLIT_PACKAGE = "crosscheck.ui"
# The optional scale-out is reached only from the command line and the dashboard's start-up.
LAKE_USERS = {"crosscheck.cli", "crosscheck.ui.resources"}


def test_the_stage_packages_hold_one_module_per_concern():
    for package, modules in STAGE_PACKAGES.items():
        found = {name.rpartition(".")[2] for name in MODULES if name.startswith(package + ".")}
        assert found == modules, (package, found ^ modules)
    assert FLAT <= set(MODULES)
    for gone in ("ingest", "fetch", "decode", "embed", "onnx_backend", "stance", "cluster", "tables"):
        assert f"crosscheck.{gone}" not in MODULES or f"crosscheck.{gone}" in STAGE_PACKAGES, gone


def _streamlit_imports(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "streamlit" for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            lines.append(node.lineno)
    return lines


def test_streamlit_lives_in_the_ui_package_and_the_pages():
    offending = {
        name: lines for name, path in MODULES.items()
        if not (name == STREAMLIT_PACKAGE or name.startswith(STREAMLIT_PACKAGE + "."))
        and (lines := _streamlit_imports(path.read_text(encoding="utf-8")))
    }
    assert not offending, offending
    assert _streamlit_imports("import streamlit as st\n") == [1]
    assert _streamlit_imports("from streamlit.testing.v1 import AppTest\n") == [1]


def test_the_lake_is_imported_only_by_the_command_line_and_the_dashboard_start_up():
    users = {
        imp.module for module in MODULES if not module.startswith("crosscheck.lake")
        for imp in imports_of(module) if imp.target == "crosscheck.lake" or imp.target.startswith("crosscheck.lake.")
    }
    assert users == LAKE_USERS


# ---------------------------------------------------------------- pages only draw

# What writes or scores from a page: the writer's doors and the upload's handlers.
WRITE_CALLS = {"submit", "submit_upkeep", "finish_or_queue", "ingest_in_writer", "score_in_writer",
               "score_in_background", "keep_scoring"}
BUTTONS = {"button", "form_submit_button"}


def _name_of(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def writes_outside_user_actions(source: str) -> list[tuple[int, str]]:
    """(line, call) of every write a page script makes while it draws: not in a callback (a function the page
    hands to a widget) and not under an `if` on a button the user pressed."""
    tree = ast.parse(source)
    pressed = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
               and _name_of(node.value) in BUTTONS for t in node.targets if isinstance(t, ast.Name)}

    def user_action(test: ast.AST) -> bool:
        return any((isinstance(n, ast.Call) and _name_of(n) in BUTTONS) or (isinstance(n, ast.Name) and n.id in pressed)
                   for n in ast.walk(test))

    found = []

    def visit(node: ast.AST, guarded: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue  # a callback runs when the user acts
            if isinstance(child, ast.If) and user_action(child.test):
                for part in child.body:
                    visit(part, True)
                for part in child.orelse:
                    visit(part, guarded)
                visit(child.test, guarded)
                continue
            if isinstance(child, ast.Call) and _name_of(child) in WRITE_CALLS and not guarded:
                found.append((child.lineno, _name_of(child)))
            visit(child, guarded)

    visit(tree, False)
    return found


def test_pages_write_only_when_the_user_acts():
    offending = {
        path.name: calls for path in sorted((ROOT / "views").glob("*.py"))
        if (calls := writes_outside_user_actions(path.read_text(encoding="utf-8")))
    }
    assert not offending, offending


def test_the_page_checker_sees_a_write_while_drawing():
    assert writes_outside_user_actions("x = 1\nsubmit('verdict', None, f)\n") == [(2, "submit")]
    assert writes_outside_user_actions("def cb():\n    submit('verdict', None, f)\nst.button('a', on_click=cb)\n") == []
    assert writes_outside_user_actions("if st.button('Save'):\n    submit('x', None, f)\n") == []
    assert writes_outside_user_actions("go = st.form_submit_button('Go')\nif go and n:\n    score_in_writer()\n") == []
    assert writes_outside_user_actions("if st.session_state.get('x'):\n    score_in_background()\n") == [(2, "score_in_background")]


def test_page_links_are_built_in_one_place():
    """Page scripts are named only by crosscheck.ui.urls: no page, widget or test spells "views/…" itself."""
    offending = []
    files = [p for name, p in MODULES.items() if name != "crosscheck.ui.urls"]
    files += [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py")), *sorted((ROOT / "tests").rglob("*.py"))]
    for path in files:
        if path.resolve() == Path(__file__).resolve():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("views/"):
                offending.append(f"{path.relative_to(ROOT)} line {node.lineno}: {node.value!r}")
    assert not offending, offending


def test_every_import_of_ours_names_something_that_exists():
    """After a move, an import inside a function (run only on a Ray worker, say) still names a real module and name."""
    import importlib

    missing = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").glob("*.py"),
                 *(ROOT / "views").glob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "crosscheck":
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name) and f"{node.module}.{alias.name}" not in MODULES:
                        missing.append(f"{path.relative_to(ROOT)} line {node.lineno}: {node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                missing += [f"{path.relative_to(ROOT)} line {node.lineno}: {a.name}" for a in node.names
                            if a.name.split(".")[0] == "crosscheck" and _deepest_module(a.name) != a.name]
    assert not missing, missing
