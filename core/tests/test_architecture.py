"""The house plan, checked from the code's imports (grimp, which import-linter uses; imports
inside functions count too). The layers themselves are `.importlinter`'s contract."""

import grimp
import pytest

PACKAGES = [
    "casebook",
    "desk",
    "search",
    "bench",
    "playbooks",
    "interactions",
    "clients",
    "api",
    "accounts",
    "audit",
    "core",
]
APPS = ["desk", "search", "playbooks", "interactions", "clients", "api", "accounts", "audit"]


@pytest.fixture(scope="module")
def graph():
    graph = grimp.build_graph(*PACKAGES)
    for module in list(graph.modules):
        if ".tests" in module or module.endswith(".conftest"):
            graph.remove_module(module)
    return graph


def _imports(graph) -> list[tuple[str, str]]:
    return [
        (importer, imported)
        for importer in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
    ]


def test_no_module_takes_part_in_an_import_cycle(graph):
    cycles = [f"{a} -> {b} -> ... -> {a}" for a, b in _imports(graph) if graph.chain_exists(importer=b, imported=a)]
    assert not cycles, "\n".join(cycles)


def _views(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("views")


def test_no_view_imports_another_apps_views(graph):
    crossing = [
        f"{a} -> {b}" for a, b in _imports(graph) if _views(a) and _views(b) and a.split(".")[0] != b.split(".")[0]
    ]
    assert not crossing, "\n".join(crossing)


def test_selectors_return_data_not_forms(graph):
    offenders = [
        f"{a} -> {b}"
        for a, b in _imports(graph)
        if a.rsplit(".", 1)[-1] == "selectors" and b.rsplit(".", 1)[-1] == "forms"
    ]
    assert not offenders, "\n".join(offenders)


def test_the_layers_contract_covers_every_app():
    from pathlib import Path

    contract = (Path(__file__).resolve().parents[2] / ".importlinter").read_text()
    assert all(f"\n    {app}" in contract or f" {app}\n" in contract for app in APPS)
