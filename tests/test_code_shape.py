"""
The code stays in rooms a newcomer can read: no module in the apps over about 500 lines,
no function over about 60 (complexity is ruff's C901, at 10, in `make test`).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("briefings", "members", "delivery", "organisations", "config")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_is_over_500_lines():
    long = {
        path.relative_to(ROOT).as_posix(): count
        for path in modules()
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules: {long}"


def test_no_function_is_over_60_lines():
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert not long, "split these functions:\n" + "\n".join(long)


# What each app may import: members knows no other app, briefings knows members,
# delivery and organisations build on both (organisations on members alone).
APP_DEPENDENCIES = {
    "members": {"config"},
    "briefings": {"members", "config"},
    "delivery": {"briefings", "members", "config"},
    "organisations": {"members", "config"},
}


def imported_apps(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def test_apps_import_only_what_they_build_on():
    wrong = []
    for app, allowed in APP_DEPENDENCIES.items():
        others = set(APP_DEPENDENCIES) - allowed - {app}
        for path in sorted((ROOT / app).rglob("*.py")):
            for name in imported_apps(path) & others:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)
