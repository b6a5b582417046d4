"""Dependencies point one way: common ← accounts ← courses ← notifications ← interviews ← lti
← ops.

A lower app never imports a higher one, not even inside a function (docs/architecture.md,
"Dependencies"). The check reads the source with ``ast`` rather than importing it, so an import
hidden in a function body, behind ``TYPE_CHECKING`` or in a module nothing imports yet is seen too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lowest first: an app may import the apps before it, never those after it.
LAYERS = ("common", "accounts", "courses", "notifications", "interviews", "lti", "ops")
LEVEL = {app: level for level, app in enumerate(LAYERS)}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules():
    """(dotted name, path) of every module of the layered apps, migrations and tests left out."""
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "tests" in parts or path.name.startswith("test_"):
                continue
            yield module_name(path), path


def imported_names(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module ``source`` imports, anywhere in it, as an absolute dotted name."""
    package = module if is_package else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(filter(None, [*base, node.module or ""]))
            else:
                target = node.module
            names.add(target)
    return names


def upward_imports(source: str, module: str, *, is_package: bool = False) -> set[tuple[str, str]]:
    """(module, app) for each app above ``module``'s own that ``source`` imports."""
    own = LEVEL[module.split(".")[0]]
    apps = {name.split(".")[0] for name in imported_names(source, module, is_package=is_package)}
    return {(module, app) for app in apps if app in LEVEL and LEVEL[app] > own}


def upward_imports_in_apps() -> set[tuple[str, str]]:
    found = set()
    for module, path in app_modules():
        source = path.read_text(encoding="utf-8")
        found |= upward_imports(source, module, is_package=path.name == "__init__.py")
    return found


def test_no_app_imports_an_app_above_it():
    upward = upward_imports_in_apps()
    assert not upward, (
        "These modules import an app above their own (common ← accounts ← courses ← "
        "notifications ← interviews). Let the higher app register a hook in the lower one's "
        "hooks.py instead: "
        f"{sorted(upward)}"
    )


def test_checker_sees_an_upward_import_inside_a_function():
    source = (
        "from accounts.models import User\n"
        "from . import hooks\n"
        "\n"
        "def archive(course):\n"
        "    from interviews.reminders import replan_course_later\n"
        "    import notifications.tasks\n"
        "    replan_course_later(course)\n"
    )
    assert upward_imports(source, "courses.models") == {
        ("courses.models", "interviews"),
        ("courses.models", "notifications"),
    }


def test_checker_resolves_relative_imports_to_the_app():
    source = "from ..reminders import plan\nfrom . import hooks\n"
    assert imported_names(source, "interviews.management.commands.replan") == {
        "interviews.management.reminders",
        "interviews.management.commands",
    }
    assert upward_imports(source, "courses.management.commands.seed") == set()
    assert imported_names("from .models import Course\n", "courses", is_package=True) == {
        "courses.models"
    }


def test_common_is_below_every_app():
    source = "from django.conf import settings\nfrom accounts.models import User\n"
    assert upward_imports(source, "common.urls") == {("common.urls", "accounts")}
