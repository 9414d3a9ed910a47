"""The dashboard's table as a file: CSV (UTF-8 with a BOM, so that Excel reads Chinese) and
XLSX (XlsxWriter), the groups and the total, with the definitions on a second sheet."""

from __future__ import annotations

import csv
import io

import xlsxwriter
from flask_babel import lazy_gettext

from app.web.stats_table import COLUMNS, GROUP_NAMES, Line, definitions


def header(by: str | None) -> list[str]:
    first = str(GROUP_NAMES.get(by, lazy_gettext("Group"))) if by else ""
    return [first, *(str(c.label) for c in COLUMNS)]


# What a spreadsheet takes for the start of a formula: a label starting so (a district is
# free text, from the citizens' report too) is written as text (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell of the CSV, quoted with a leading ' when Excel would read a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_value(kind: str, value) -> str:
    """Rates as percentages (33.33%, which Excel reads as 0.3333), empty when there is none."""
    if value is None:
        return ""
    if kind == "rate":
        return f"{value * 100:.2f}%"
    return str(value)


def to_csv(by: str | None, lines: list[Line]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(by))
    for line in lines:
        values = [csv_value(c.kind, getattr(line.figures, c.key)) for c in COLUMNS]
        writer.writerow([csv_text(str(line.label)), *values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(by: str | None, lines: list[Line], title: str) -> bytes:
    out = io.BytesIO()
    # Text is text: no string is turned into a formula, a link or a number.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(out, {"in_memory": True, **options})
    bold = book.add_format({"bold": True})
    formats = {
        "rate": book.add_format({"num_format": "0.0%"}),
        "hours": book.add_format({"num_format": "0.0"}),
        "count": None,
    }
    sheet = book.add_worksheet(str(lazy_gettext("Figures")))
    sheet.write(0, 0, title, bold)
    sheet.write_row(2, 0, header(by), bold)
    for number, line in enumerate(lines, start=3):
        sheet.write_string(number, 0, str(line.label), bold if line.total else None)
        for index, column in enumerate(COLUMNS, start=1):
            value = getattr(line.figures, column.key)
            if value is None:
                sheet.write_blank(number, index, None)
            else:
                sheet.write_number(number, index, value, formats[column.kind])
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, len(COLUMNS), 12)
    sheet.freeze_panes(3, 1)
    _definitions_sheet(book, bold)
    book.close()
    return out.getvalue()


def _definitions_sheet(book, bold) -> None:
    sheet = book.add_worksheet(str(lazy_gettext("Definitions")))
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for number, (key, name, text) in enumerate(definitions()):
        sheet.write(number, 0, name, bold)
        sheet.write(number, 1, key)
        sheet.write(number, 2, text, wrap)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 2, 100)
