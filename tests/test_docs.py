"""The documentation stays a house a newcomer can walk into.

README.md is short and starts with the two commands; docs/configuration.md names every environment
setting the code reads; no relative link or image points nowhere; and docs/ holds no picture that
nothing shows (a screenshot that tests/e2e/screenshots.py writes counts as shown).
"""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots.py"
# The Markdown files whose links are checked: the README, every page of docs/, the results index.
CHECKED = [README, *sorted(DOCS.glob("*.md")), ROOT / "bench" / "results" / "README.md"]
# Where the settings the product reads are found.
CODE = [ROOT / "src", ROOT / "views", ROOT / "app.py", ROOT / "Makefile", ROOT / "Dockerfile"]
# Folders that hold no Markdown of ours (environments, build output, generated package metadata).
SKIPPED_DIRS = {".git", ".venv", "venv", "var", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}

SETTING = re.compile(r"\bCROSSCHECK_[A-Z0-9_]+\b")
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
# [text](target "title") and ![alt](target), one level of brackets inside the text; [label]: target.
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^()\s<>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def rel(path: Path) -> str:
    """The path as the repository names it (a path outside it, in full)."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def targets(path: Path) -> list[str]:
    """Every link and image target of a Markdown file, in order."""
    text = prose(path.read_text(encoding="utf-8"))
    return INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)


def local(target: str) -> bool:
    """A target inside the repository (not a web address, mail address or an anchor of the same page)."""
    return not SCHEME.match(target) and not target.startswith(("#", "//"))


def resolve(source: Path, target: str) -> tuple[Path, str]:
    """The file a relative target points to, and its #anchor ('' when none)."""
    path, _, anchor = target.partition("#")
    path = path.split("?", 1)[0]
    return (source.parent / unquote(path)).resolve(), unquote(anchor)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = unicodedata.normalize("NFC", text.replace("`", "")).strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in "-_ ")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings (repeated headings get -1, -2 …)."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def markdown_files() -> list[Path]:
    """Every Markdown file of the repository, outside environments and build output."""
    found = []
    for path in ROOT.rglob("*.md"):
        parts = path.relative_to(ROOT).parts
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in parts[:-1]):
            continue
        found.append(path)
    return sorted(found)


def code_files() -> list[Path]:
    files = []
    for place in CODE:
        if place.is_file():
            files.append(place)
            continue
        for path in sorted(place.rglob("*")):
            parts = path.relative_to(ROOT).parts
            if path.is_file() and not any(p == "__pycache__" or p.endswith(".egg-info") for p in parts):
                files.append(path)
    return files


def settings_in(paths: list[Path]) -> dict[str, str]:
    """Each CROSSCHECK_* name in the files, with the first file that holds it."""
    names: dict[str, str] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # a binary file holds no setting we document
            continue
        for name in SETTING.findall(text):
            names.setdefault(name, rel(path))
    return names


def screenshot_names() -> set[str]:
    """The PNG files tests/e2e/screenshots.py writes: the keys of its `shots` table, plus .png."""
    tree = ast.parse(SCREENSHOTS.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id == "shots" for t in node.targets)):
            return {f"{key.value}.png" for key in node.value.keys if isinstance(key, ast.Constant)}
    return set()


def test_readme_is_short_and_starts_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; at most 200 (move detail to docs/)"
    top = "\n".join(lines[:40])
    for command in ("make run", "make test"):
        assert command in top, f"`{command}` is not in the first 40 lines of README.md"


def test_readme_shows_a_screenshot_of_the_dashboard():
    images = [t for t in targets(README) if t.lower().endswith(".png")]
    assert any(t.startswith("docs/") for t in images), f"README.md shows no screenshot from docs/: {images}"


def test_every_setting_the_code_reads_is_documented():
    read = settings_in(code_files())
    assert read, "no CROSSCHECK_* setting found in the code: the search is broken"
    documented = set(SETTING.findall(CONFIGURATION.read_text(encoding="utf-8")))
    missing = {name: where for name, where in read.items() if name not in documented}
    assert not missing, f"settings the code reads but docs/configuration.md does not name: {missing}"


def test_every_documented_setting_is_read_somewhere():
    documented = set(SETTING.findall(CONFIGURATION.read_text(encoding="utf-8")))
    read = settings_in(code_files() + sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "bench").glob("*.py")))
    stale = sorted(documented - set(read))
    assert not stale, f"docs/configuration.md names settings nothing reads any more: {stale}"


@pytest.mark.parametrize("page", CHECKED, ids=rel)
def test_relative_links_and_images_point_to_files_that_exist(page: Path):
    assert page.is_file(), f"{rel(page)} is missing"
    broken = []
    for target in targets(page):
        if not local(target):
            if target.startswith("#") and target[1:] and unquote(target[1:]) not in anchors(page):
                broken.append(f"{target} (no such heading)")
            continue
        path, anchor = resolve(page, target)
        if not path.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target} (no heading #{anchor} in {rel(path)})")
    assert not broken, f"broken links in {rel(page)}: {broken}"


def test_every_picture_in_docs_is_shown_or_written_by_the_screenshot_script():
    written = screenshot_names()
    assert written, f"found no `shots` table in {rel(SCREENSHOTS)}: the search is broken"
    shown = set()
    for page in markdown_files():
        for target in targets(page):
            if local(target):
                shown.add(resolve(page, target)[0])
    pictures = sorted(DOCS.glob("*.png"))
    unused = [rel(p) for p in pictures if p.resolve() not in shown and p.name not in written]
    assert not unused, f"pictures in docs/ that no Markdown file shows and screenshots.py does not write: {unused}"
