"""The README is generated from nothing, so it is checked against the code: every built-in entry in its
catalogue table, every figure in its figure table, and every import of its Python examples works."""
import importlib
import pathlib
import re

from derivations import registry

README = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def table_names(heading: str) -> list[str]:
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.M)


def test_catalogue_table_lists_every_entry_in_order():
    assert table_names("Catalogue") == list(registry.CATALOGUE)


def test_figure_table_lists_every_figure_in_order():
    assert table_names("Figures") == registry.figure_names()


def test_every_figure_is_where_the_registry_says():
    for name, module in registry.FIGURE_MODULES.items():
        assert name in importlib.import_module(module).FIGURES
    for module in set(registry.FIGURE_MODULES.values()):
        assert set(importlib.import_module(module).FIGURES) <= set(registry.FIGURE_MODULES)


def test_python_examples_import():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    imports = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()
               if re.match(r"\s*(from derivations|import derivations)", line)]
    assert len(imports) >= 6
    for line in imports:
        exec(line, {})
