"""The steps the command line strings together: read → validate/project → check → write.

Kept out of cli.py so the command line stays a thin layer of options and messages, and
kept out of the engine so that no computing module touches files.
"""

from __future__ import annotations

from pathlib import Path

from . import io
from ._errors import OutputError, Problem
from .context import Options
from .engine import check
from .plan import Plan, build_plan
from .result import Result
from .standard import Standard

FORMATS = {".json": "json", ".csv": "csv", ".html": "html", ".htm": "html", ".gpkg": "gpkg"}


def load_plan(path: str, standard: Standard, *, crs: str | None = None,
              strict: bool = True) -> Plan:
    raw = io.read_plan(path)
    return build_plan(raw, crs=crs, strict=strict,
                      persons_per_household=standard.persons_per_household)


def run(plan: Plan, standard: Standard, options: Options) -> Result:
    network = None
    if options.distance == "network":
        from .routing import Network

        if plan.streets is None or plan.streets.empty:
            from ._errors import PlanError

            raise PlanError(Problem(plan.source, "--distance network needs a streets layer",
                                    layer="streets",
                                    expected="LineString features with layer 'street', or "
                                             "--distance straight"))
        from .rules.service_radius import max_radius_m

        network = Network.from_streets(plan.streets, plan.facilities,
                                       max_radius_m(standard, options) or 1000.0)
    return check(plan, standard, options, network=network)


def format_for(output: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if output is None or output == "-":
        return "text"
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(Problem(output, "cannot tell the format from the file name",
                                  found=suffix or "no extension",
                                  expected="an output ending in .json, .csv, .html or .gpkg, "
                                           "or --format"))
    return FORMATS[suffix]


def render(result: Result, fmt: str, lang: str) -> str | bytes:
    if fmt == "json":
        from .views import json

        return json.render(result, lang)
    if fmt == "csv":
        from .views import csv

        return csv.render(result, lang)
    if fmt == "html":
        from .views import html

        return html.render(result, lang)
    if fmt == "text":
        from .views import terminal

        return terminal.render(result, lang)
    raise ValueError(fmt)


def write(result: Result, output: str, fmt: str, lang: str) -> Path:
    if fmt == "gpkg":
        from .views import gpkg

        return io.write_gpkg_atomic(output, gpkg.layers(result))
    return io.write_atomic(output, render(result, fmt, lang))
