"""The data-entry workbook that `aar template` writes: a way in for a Polres staff officer.

One sheet per table, with the Indonesian sheet and column names of `schema.INDONESIAN` (or the
schema's English names), an instructions sheet, and a lists sheet that feeds the dropdowns:
categories and Polri crime types, regions as "name (code)", agencies, operations, yes/no and the
other vocabularies. Date and time columns are formatted as such. The reference tables a user may
extend (operations, Polda windows, phases, guard patterns) come filled with the shipped rows; the
regions sheet is empty (a row there overrides or adds a region, e.g. Polda and Polres names).

Every header, sheet name and dropdown value is one the loader reads, so the untouched template
loads as a valid dataset with no incidents, and a filled copy loads to what was typed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import UsageError
from .._messages import Messages
from .parsing import BOOLEAN_WORDS
from .reference import reference
from .schema import CATEGORY, CRIME_TYPE, INDONESIAN, TABLES, TIME_ZONE, Field
from .vocabulary import NATIONAL_CODE

LANGS = ("id", "en")
ENTRY_TABLES = ("incidents", "deployments", "electorate", "improvement_plan")
"""Tables a user fills in, in the order of the sheets."""
REFERENCE_TABLES = ("operations", "operation_windows", "phases", "guard_patterns", "regions")
"""Reference tables a user may extend; all but regions come filled with the shipped rows."""
PREPARED_ROWS = 1000
"""Rows below the header that carry the dropdowns and the date formats."""


def sheet_name(table: str, lang: str) -> str:
    """The template's sheet of `table`: "Kejadian" in Indonesian, "incidents" in English (the schema's names)."""
    return {"id": INDONESIAN[table][0]}.get(lang, table)


def header(table: str, f: Field, lang: str) -> str:
    """The template's header of a column: "No. LP" in Indonesian, "incident_id" in English (the schema's names)."""
    return {"id": INDONESIAN[table][1].get(f.name, f.name)}.get(lang, f.name)


def region_choice(code: str, name: str) -> str:
    """A region as the dropdowns list it, "Kota Metro (18.72)": readable, and matched by its code."""
    return f"{name} ({code})"


def choices(f: Field, lang: str) -> list[str] | None:
    """The dropdown values of a column, or None when it has none (free text, numbers, dates)."""
    ref = reference()
    if f.kind == "region":
        regions = ref.regions.sort(pl.col("region_code").str.len_chars(), "region_code")
        national = region_choice(NATIONAL_CODE, "Indonesia")  # the whole country: a national bulletin's rows
        return [national, *(region_choice(c, n) for c, n in regions.select("region_code", "name").iter_rows())]
    if f.kind == "operation":
        return ref.operations["operation_id"].to_list()
    if f.kind == "bool":
        return list(BOOLEAN_WORDS[lang])
    if f.vocabulary is None:
        return None
    if f.vocabulary is TIME_ZONE:
        return list(TIME_ZONE.codes)
    values = [f.vocabulary.label(code, lang) for code in f.vocabulary.codes]
    if f.vocabulary is CATEGORY:
        values += [CRIME_TYPE.label(code, lang) for code in CRIME_TYPE.codes]
    return values


def _cell_value(f: Field, value: Any, lang: str, names: dict[str, str]) -> Any:
    """A shipped reference value as the template writes it (dates as dates, regions as "name (code)")."""
    if value is None:
        return None
    if f.kind == "region":
        return region_choice(str(value), names[str(value)])
    if f.vocabulary is not None and f.vocabulary is not TIME_ZONE:
        return f.vocabulary.label(str(value), lang)
    if f.kind == "bool":
        return BOOLEAN_WORDS[lang][0 if value else 1]
    return value


def build_template(lang: str = "id") -> Any:
    """The template as an openpyxl Workbook (not saved)."""
    if lang not in LANGS:
        raise UsageError("--lang", lang, LANGS)
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    t = Messages(lang)
    book = openpyxl.Workbook()
    guide = book.active
    guide.title = t.text("template.instructions")
    lists = book.create_sheet(t.text("template.lists"))
    list_ranges: dict[tuple[str, ...], str] = {}
    names = dict(reference().regions.select("region_code", "name").iter_rows())
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    def list_range(values: Sequence[str], title: str) -> str:
        key = tuple(values)
        if key not in list_ranges:
            column = get_column_letter(len(list_ranges) + 1)
            lists[f"{column}1"] = title
            lists[f"{column}1"].font = bold
            for i, v in enumerate(values, start=2):
                lists[f"{column}{i}"] = v
            list_ranges[key] = f"'{lists.title}'!${column}$2:${column}${len(values) + 1}"
        return list_ranges[key]

    guide["A1"] = t.text("template.title")
    guide["A1"].font = Font(bold=True, size=14)
    row = 3
    line = 1
    while t.has(f"template.line.{line}"):
        guide.cell(row, 1, t.text(f"template.line.{line}"))
        row, line = row + 1, line + 1
    row += 1
    for c, title in enumerate((t.text("template.sheet"), t.text("template.columns")), start=1):
        guide.cell(row, c, title).font = bold
    ref = reference()
    for table_name in (*ENTRY_TABLES, *REFERENCE_TABLES):
        table = TABLES[table_name]
        row += 1
        guide.cell(row, 1, sheet_name(table_name, lang)).font = bold
        guide.cell(
            row,
            2,
            ", ".join(
                header(table_name, f, lang) + (f" ({t.text('template.required')})" if f.required else "")
                for f in table.fields
            ),
        )
        guide.cell(row, 2).alignment = Alignment(wrap_text=True)
        sheet = book.create_sheet(sheet_name(table_name, lang))
        last = PREPARED_ROWS + 1
        for c, f in enumerate(table.fields, start=1):
            letter = get_column_letter(c)
            cell = sheet.cell(1, c, header(table_name, f, lang))
            cell.font, cell.fill = bold, fill
            sheet.column_dimensions[letter].width = max(12, len(str(cell.value)) + 4)
            values = choices(f, lang)
            if values is not None:
                strict = f.kind in ("bool", "operation") or (f.vocabulary is not None and f.vocabulary is not CATEGORY)
                check = DataValidation(
                    type="list",
                    formula1=list_range(values, header(table_name, f, lang)),
                    allow_blank=True,
                    errorStyle="stop" if strict else "warning",
                    showErrorMessage=True,
                )
                check.error = "; ".join(values[:6]) + ("..." if len(values) > 6 else "")
                sheet.add_data_validation(check)
                check.add(f"{letter}2:{letter}{last}")
                if f.kind == "region" or f.vocabulary is CATEGORY:
                    sheet.column_dimensions[letter].width = 30
            if f.kind in ("date", "time"):
                for r in range(2, last + 1):
                    sheet.cell(r, c).number_format = "DD/MM/YYYY" if f.kind == "date" else "HH:MM"
        sheet.freeze_panes = "A2"
        if table_name in REFERENCE_TABLES and table_name != "regions":
            shipped: pl.DataFrame = getattr(ref, table_name)
            for r, record in enumerate(shipped.select(table.names).iter_rows(named=True), start=2):
                for c, f in enumerate(table.fields, start=1):
                    sheet.cell(r, c, _cell_value(f, record[f.name], lang, names))
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 120
    lists.sheet_state = "hidden"
    book.move_sheet(lists, offset=len(book.sheetnames))
    return book


def write_template(out: str | Path, lang: str = "id", force: bool = False) -> Path:
    """Write the template to `out` (.xlsx), atomically; an existing file is replaced only with `force`."""
    target = Path(out)
    if target.suffix.lower() != ".xlsx":
        raise UsageError("OUT", str(out), "a file name ending in .xlsx")
    if target.exists() and not force:
        raise UsageError("OUT", str(out), "a file that does not exist yet (or --force to replace it)")
    if not target.parent.is_dir():
        raise UsageError("OUT", str(out), "a path in an existing folder")
    book = build_template(lang)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=target.parent, prefix=".aar-template-")
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    try:
        book.save(temporary)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
