"""Tables (PLAN-FORMAT.md, "Tables"): the 技术经济指标 / 户型统计 of a project, or a district
office's list of projects, as XLSX or CSV.

Beside a plan (`--table FILE`), rows add or replace the attributes of the features they name by
`id`. Alone, a table is a list of projects without geometry: each row a parcel, its
`eldercare_floor_area_m2` (养老设施建筑面积) and `eldercare_land_area_m2` one facility it
provides. Cells are read as they are (text stays text), so that numbers are judged where every
number is (`_validate`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ._spreadsheet import column_letter
from ._i18n import N_
from ._errors import PlanError, Problem
from .vocabulary import FIELD_ALIASES

# Sheet names for each layer; without any, the first sheet is the parcels.
SHEETS = {"parcels": ("parcels", "地块", "项目"), "buildings": ("buildings", "楼栋"),
          "facilities": ("facilities", "设施")}
# Column names of a project list (beyond the layers' fields).
PROJECT_ALIASES = {"项目名称": "name", "项目编号": "id", "养老设施建筑面积": "eldercare_floor_area_m2",
                   "养老服务设施建筑面积": "eldercare_floor_area_m2",
                   "养老设施用地面积": "eldercare_land_area_m2",
                   "养老服务设施用地面积": "eldercare_land_area_m2"}


def _normalise(name) -> str:
    text = str(name).strip() if name is not None else ""
    return PROJECT_ALIASES.get(text, text)


def _frame(path: Path, sheet: str | None, rows: list[list]) -> pd.DataFrame | None:
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        return None
    header = [_normalise(c) for c in rows[0]]
    body = [list(r) + [None] * (len(header) - len(r)) for r in rows[1:]]
    frame = pd.DataFrame([r[:len(header)] for r in body], columns=header, dtype=object)
    frame = frame.loc[:, [h != "" for h in header]]
    where = f"sheet '{sheet}' " if sheet else ""
    # Each row is named by where it stands, for messages about rows without an id.
    frame["_row"] = [f"{where}row {i + 2}" for i in range(len(frame))]
    frame.attrs["columns"] = {h: column_letter(i) for i, h in enumerate(header)}
    return frame


def read_table(path: str | Path) -> dict[str, pd.DataFrame]:
    """The table's layers: {"parcels": frame, …}."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise PlanError(Problem(str(p), N_("not a readable Excel workbook"), found=str(exc),
                                    expected=N_("an .xlsx file"))) from None
        sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                  for ws in book.worksheets}
        book.close()
    elif suffix == ".csv":
        raw = p.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise PlanError(Problem(str(p), N_("text neither UTF-8 nor GBK")))
        import csv
        import io

        sheets = {"": [row for row in csv.reader(io.StringIO(text))]}
    elif suffix == ".xls":
        raise PlanError(Problem(str(p), N_("an old-style .xls workbook cannot be read"),
                                expected=N_("the workbook saved as .xlsx (Excel: 另存为 → .xlsx)")))
    else:
        raise PlanError(Problem(str(p), N_("not a table"), found=suffix,
                                expected=N_(".xlsx or .csv")))
    out: dict[str, pd.DataFrame] = {}
    names = {name.strip().lower(): name for name in sheets}
    for layer, candidates in SHEETS.items():
        for c in candidates:
            if c.lower() in names:
                frame = _frame(p, names[c.lower()], sheets[names[c.lower()]])
                if frame is not None:
                    out[layer] = frame
                break
    if not out and sheets:
        first = next(iter(sheets))
        frame = _frame(p, first or None, sheets[first])
        if frame is not None:
            out["parcels"] = frame
    if "parcels" not in out and not any(len(f) for f in out.values()):
        raise PlanError(Problem(str(p), N_("the table has no rows"),
                                expected=N_("a header row and one row per project")))
    return out


def _ids(frame: pd.DataFrame, layer: str) -> pd.Series:
    aliases = {k: v for k, v in FIELD_ALIASES.get(layer, {}).items() if v == "id"}
    for column in ["id", "ID", "Id", *aliases]:
        if column in frame:
            return frame[column].map(lambda v: None if v is None or v == "" else
                                     str(int(v)) if isinstance(v, float) and v.is_integer()
                                     else str(v).strip())
    return pd.Series([None] * len(frame), index=frame.index)


def join(layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame], file: str):
    """Rows of a table beside a plan add or replace the attributes of the features they name
    by id. A row that names no feature is reported (sheet, row)."""
    problems: list[Problem] = []
    for layer, table in tables.items():
        table_ids = _ids(table, layer)
        if layer not in layers:
            problems.append(Problem(file, N_("the table has rows for a layer the plan does not have"),
                                    layer=layer, expected=N_("a plan with that layer")))
            continue
        gdf = layers[layer]
        plan_ids = _ids(gdf, layer) if len(gdf) else pd.Series([], dtype=object)
        position = {pid: i for i, pid in enumerate(plan_ids) if pid is not None}
        # The table's headers in the format's spelling, so a 户数 column replaces households.
        aliases = FIELD_ALIASES.get(layer, {})
        table = table.rename(columns={c: aliases[c] for c in table.columns
                                      if c in aliases and aliases[c] not in table.columns})
        columns = [c for c in table.columns if c != "_row" and aliases.get(c, c) != "id"]
        for row_label, pid, (_, row) in zip(table["_row"], table_ids, table.iterrows()):
            if pid is None or pid not in position:
                problems.append(Problem(file, N_("a table row names no feature of the plan"),
                                        layer=layer, feature=row_label, field="id",
                                        found=repr(pid), expected="an id of the plan's "
                                        f"{layer}"))
                continue
            i = position[pid]
            for c in columns:
                value = row[c]
                if value is None or value == "":
                    continue
                if c not in gdf:
                    gdf[c] = pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
                elif gdf[c].dtype != object:
                    gdf[c] = gdf[c].astype(object)
                gdf.iat[i, gdf.columns.get_loc(c)] = value
        layers[layer] = gdf
    return layers, problems


def projects(tables: dict[str, pd.DataFrame], file: str) -> dict[str, gpd.GeoDataFrame]:
    """A table alone: each row a parcel without geometry; its eldercare floor and land area
    one facility it provides."""
    parcels = tables["parcels"].copy()
    ids = _ids(parcels, "parcels")
    parcels["id"] = [pid if pid is not None else label
                     for pid, label in zip(ids, parcels["_row"])]
    facility_rows = []
    for _, row in parcels.iterrows():
        area = row.get("eldercare_floor_area_m2")
        land = row.get("eldercare_land_area_m2")
        if area is None or area == "" or (isinstance(area, float) and np.isnan(area)):
            continue
        facility_rows.append({"id": f"{row['id']}-养老", "kind": "community_station",
                              "floor_area_m2": area, "land_area_m2": land,
                              "parcel_id": row["id"], "_row": row["_row"]})
    parcels = parcels.drop(columns=[c for c in ("eldercare_floor_area_m2",
                                                "eldercare_land_area_m2") if c in parcels])
    out = {"parcels": gpd.GeoDataFrame(parcels, geometry=[None] * len(parcels))}
    facilities = pd.DataFrame(facility_rows, columns=["id", "kind", "floor_area_m2",
                                                      "land_area_m2", "parcel_id", "_row"])
    out["facilities"] = gpd.GeoDataFrame(facilities, geometry=[None] * len(facilities))
    for layer in ("buildings", "facilities"):
        if layer in tables and len(tables[layer]):
            extra = gpd.GeoDataFrame(tables[layer], geometry=[None] * len(tables[layer]))
            out[layer] = pd.concat([out[layer], extra], ignore_index=True) \
                if layer in out else extra
    return out
