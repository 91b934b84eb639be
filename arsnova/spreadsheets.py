"""Tables written as files to download: an Excel workbook (one sheet per table) or CSV.

What the tables hold is the caller's (`services/exports.py`); this module knows
the formats, and keeps what students typed from becoming a formula: a text that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula, or
starts one, to Excel and its kin when typed in or opened from CSV (OWASP,
"CSV Injection"). In a workbook such a text stays a string cell, marked with
Excel's quote prefix (as if typed after an apostrophe: shown as it is, still text
when edited); in CSV it gets the apostrophe itself, as OWASP recommends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit is 255; a column as wide as its longest text up to this, then the text wraps.
MAX_COLUMN_WIDTH = 60

Value = str | int | float | bool | datetime | None


@dataclass(frozen=True)
class Sheet:
    """One table: a sheet of a workbook, or a whole CSV file."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Value]]


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with a sheet per table, the header bold and frozen; naive datetimes as
    they are (Excel has no time zones: say which one in the header)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in sheets:
        sheet = workbook.create_sheet(table.title)
        for column, title in enumerate(table.header, start=1):
            sheet.cell(row=1, column=column, value=title).font = Font(bold=True)
        for row, values in enumerate(table.rows, start=2):
            for column, value in enumerate(values, start=1):
                write_cell(sheet, row, column, value)
        sheet.freeze_panes = "A2"
        for column in range(1, len(table.header) + 1):
            longest = max(
                (len(str(value)) for value in column_values(table, column - 1)), default=0
            )
            width = min(MAX_COLUMN_WIDTH, longest + 2)
            sheet.column_dimensions[get_column_letter(column)].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def column_values(table: Sheet, index: int) -> list[Value]:
    return [table.header[index], *(row[index] for row in table.rows)]


def write_cell(sheet: Worksheet, row: int, column: int, value: Value) -> None:
    """A value in its cell; text never as a formula, without the characters XML cannot hold."""
    if not isinstance(value, str):
        sheet.cell(row=row, column=column, value=value)
        return
    cell = sheet.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"  # openpyxl makes "=…" a formula otherwise
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def csv_bytes(table: Sheet) -> bytes:
    """The table as CSV in UTF-8 with a byte order mark, which is how Excel knows the encoding
    (umlauts); formula-like texts start with an apostrophe."""
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow(table.header)
    for values in table.rows:
        writer.writerow([csv_value(value) for value in values])
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def csv_value(value: Value) -> Value:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value
