"""The lists that become cards on a phone (`.table-stack`, static/css/casebook.css): every
body cell names its column in `data-label`, which the phone layout shows before the value.
A cell added without one would show a value without saying what it is."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STACKED = [
    "clients/_case_table.html",
    "clients/client_list.html",
    "escalations/queue.html",
    "dashboard.html",
    "root_causes.html",
    "outcomes.html",
    "partials/_resolution_table.html",
]
ROW_TEMPLATES = {"clients/_case_table.html": "clients/_case_row.html"}
TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
BODY = re.compile(r"<tbody>(.*?)</tbody>", re.S)
CELL = re.compile(r"<(td|th)\b([^>]*)>")


@pytest.mark.parametrize("name", STACKED)
def test_every_cell_of_a_stacked_list_names_its_column(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    tables = TABLE.findall(source)
    assert tables, f"{name} has no table"
    for table in tables:
        assert "table-stack" in table.split(">", 1)[0], f"{name}: a list that scrolls sideways on a phone"
        body = BODY.search(table).group(1)
        if name in ROW_TEMPLATES:
            body = (TEMPLATES / ROW_TEMPLATES[name]).read_text(encoding="utf-8")
        cells = CELL.findall(body)
        assert cells, f"{name}: no cells found"
        for tag, attributes in cells:
            if "colspan=" in attributes:  # the empty list's one line says what it is itself
                continue
            assert 'data-label="' in attributes, f"{name}: <{tag}{attributes}> does not name its column"
