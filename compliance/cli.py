"""The command line: options in, messages and exit codes out. The work is in `compliance`."""

from __future__ import annotations

import os
import signal
import sys
from functools import wraps
from pathlib import Path

import click

from compliance import __version__, _process
from compliance._errors import ComplianceError, safe_text

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130       # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143        # 128 + SIGTERM


def _on_sigterm(signum, frame):  # pragma: no cover - exercised by a subprocess test
    # Unwind like Ctrl-C does, so temporary files and half-built folders are removed.
    raise SystemExit(EXIT_TERMINATED)
LANGS = ("zh", "en")


def cli_language(explicit: str | None = None) -> str:
    """The command line's own language: --lang when given, English under an English locale
    (LANG=en_*), Chinese otherwise. Reports stay Chinese unless --lang en: they are filed."""
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def _h(msgid: str) -> str:
    """Help text in the command line's language, chosen by the locale when the commands are
    defined (help is shown before any option is read)."""
    import inspect

    from compliance._i18n import Translator

    return inspect.cleandoc(Translator(cli_language(None)).gettext(msgid))


def _say(msgid: str) -> str:
    from compliance._i18n import Translator

    return Translator(cli_language(_LANG_CHOSEN[0])).gettext(msgid)


# The --lang of the running command, for messages said before or outside its body.
_LANG_CHOSEN: list[str | None] = [None]


def _friendly(fn):
    """Turn the tool's own errors into a clear message and exit code 2 (no traceback)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        debug = kwargs.get("debug", False)
        _LANG_CHOSEN[0] = kwargs.get("lang")
        try:
            return fn(*args, **kwargs)
        except ComplianceError as exc:
            if debug:
                raise
            click.secho(_say("error: the input cannot be used"), fg="red", err=True, bold=True)
            from compliance._i18n import Translator

            says = Translator(cli_language(_LANG_CHOSEN[0]))
            for p in exc.problems[:50]:
                click.echo(f"  - {safe_text(says.problem(p))}", err=True)
            if len(exc.problems) > 50:
                click.echo(_say("  … and {n} more").format(n=len(exc.problems) - 50), err=True)
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            # Ctrl-C: whatever was being written is cleaned up; the old output stays.
            click.echo(_say("interrupted: nothing was changed"), err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader of our output went away (| head): not an error of ours.
            sys.stderr.close()
            sys.exit(0)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug: say so without a traceback
            if debug:
                raise
            click.secho(f"internal error: {type(exc).__name__}: {exc}", fg="red", err=True)
            click.echo("run again with --debug for the traceback, and report it", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper


class _Number(click.ParamType):
    """A number option, validated where every number is (`_validate.option_number`): finite,
    in range, the same text forms a table's cells accept."""

    def __init__(self, minimum: float, maximum: float, integer: bool = False):
        self.minimum, self.maximum, self.integer = minimum, maximum, integer
        self.name = "integer" if integer else "number"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        from compliance._validate import option_number

        try:
            return option_number(value, minimum=self.minimum, maximum=self.maximum,
                                 integer=self.integer)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


_COUNT = _Number(0, 5_000_000, integer=True)
_AREA = _Number(0, 10_000_000.0)


def _stage_reporter():
    """Say each stage that can take more than a second on stderr, with the time so far;
    silent when stderr is not a terminal (logs, CI, pipes)."""
    import time

    tty = sys.stderr.isatty()
    started = time.monotonic()
    names = {"reading": _say("reading the plan"), "network": _say("walking the streets"),
             "checking": _say("checking"), "writing": _say("writing the reports"),
             "buildings": _say("{n:,} buildings read"),
             "place": _say("place {k} of {n}: {place} → {standard}")}
    said = [0]

    def on_stage(name, n: int = 0, **words):
        if not tty:
            return
        if name == "buildings":
            # A country's buildings take minutes to read: a line every BUILDINGS_SAID.
            if n // BUILDINGS_SAID <= said[0]:
                return
            said[0] = n // BUILDINGS_SAID
        click.echo(f"[{time.monotonic() - started:5.1f} s] {names[name].format(n=n, **words)}…",
                   err=True)

    return on_stage, tty


BUILDINGS_SAID = 500_000


def _plan_options(fn):
    """Options that say how to read a plan, shared by check and batch."""
    options = [
        click.option("--table", type=click.Path(exists=True, dir_okay=False),
                     help=_h("An .xlsx, .xls or .csv table whose rows add or correct the features' "
                          "attributes, joined by id (编号).")),
        click.option("--cad-layers", type=click.Path(exists=True, dir_okay=False),
                     help=_h("DXF only: a YAML map of plan layer to DXF layer names, replacing "
                          "the built-in 红线/住宅/养老/道路… names.")),
        click.option("--cad-units", type=click.Choice(["mm", "cm", "m"]),
                     help=_h("DXF only: the drawing's unit, overriding $INSUNITS.")),
        click.option("--meta", type=click.Path(exists=True, dir_okay=False),
                     help=_h("Report metadata (YAML or JSON): project 项目名称, applicant 建设单位, "
                          "address, permit_no, report_no 报告编号, reviewer 审查人, checker 审核人, "
                          "approver 审定人, organisation 审查单位. A folder plan's meta.yaml (or a "
                          "ZIP's) is read by itself.")),
        click.option("--fields", type=click.Path(exists=True, dir_okay=False),
                     help=_h("A YAML map of the file's own layer and field names to the plan's, "
                          "e.g. parcels: {layer: 规划地块, fields: {DKBH: id, ZHS: "
                          "households_new}}; in a DXF, block attribute tags "
                          "(docs/plan-format.md).")),
        click.option("--coords", type=click.Choice(["gcj02", "bd09"]),
                     help=_h("Longitude/latitude copied off a web map: gcj02 (高德, 腾讯) or bd09 "
                          "(百度), converted to WGS 84 first.")),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _debug_option(fn):
    return click.option("--debug", is_flag=True, help=_h("Show Python tracebacks (for developers)."))(fn)


def _as_of_option(fn):
    return click.option(
        "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
        help=_h("Check against the rules in force on this date (default: today). A standard "
                "not yet in force, or lapsed, gives way to the one it extends; a target whose "
                "date has passed is reported as expired."))(fn)


def _load_standard(city, standard_file, as_of=None):
    from compliance.standard import load_standard

    if city and standard_file:
        raise click.UsageError(_say("give --city or --standard, not both"))
    if not city and not standard_file:
        raise click.UsageError(_say("name the standard: --city dongying (see `compliance "
                                    "standards list`) or --standard my-city.yaml"))
    return load_standard(standard_file or city, as_of=as_of.date().isoformat() if as_of else None)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}, help=_h("""Check residential plans against a city's community eldercare facility standard
    (社区养老服务设施配建).

    \b
    Quick start:
      compliance standards list
      compliance check samples/dongying-compliant.geojson --city dongying
      compliance check plan.geojson --city dongying -o reports/plan.html
      compliance check --city zunyi --households-new 1200 --facility-area 200

    Exit codes: 0 compliant, 1 non-compliant, 2 cannot run, 3 incomplete.
    """))
@click.version_option(__version__, prog_name="compliance")
def main():
    signal.signal(signal.SIGTERM, _on_sigterm)
    _process.configure()


# ---------------------------------------------------------------------------- standards

@main.group(help=_h("""List, show and validate standards (one YAML file per city in standards/)."""))
def standards():
    pass


@standards.command("list", help=_h("""List the shipped standards, grouped by province: place, level, the
    standard each extends, the document, and how its words were obtained (official, statute
    text on a secondary host, or a secondary report).

    \b
    Examples:
      compliance standards list
      compliance standards list --lang en
      compliance standards list --markdown > docs/standards.md"""))
@click.option("--lang", type=click.Choice(LANGS))
@click.option("--markdown", is_flag=True, help=_h("Print the docs page (docs/standards.md)."))
@_debug_option
@_friendly
def standards_list(lang, markdown, debug):
    from compliance.standard import AS_WRITTEN, available_standards, load_standard
    from compliance.views import standards_table

    if markdown:
        written = [load_standard(sid, as_of=AS_WRITTEN) for sid in available_standards()]
        click.echo(standards_table.render_markdown(written), nl=False)
        return
    shipped = [load_standard(sid) for sid in available_standards()]
    click.echo(standards_table.render_list(shipped, cli_language(lang)), nl=False)


@standards.command("not-encoded", help=_h("""List the places whose documents were found but deliberately not
    encoded (a draft, a planning target, no figure seen), each with why. Check such a place
    against the national baseline (--city national) or a standard file of your own.

    \b
    Examples:
      compliance standards not-encoded
      compliance standards not-encoded --markdown > docs/standards-not-encoded.md"""))
@click.option("--lang", type=click.Choice(LANGS))
@click.option("--markdown", is_flag=True,
              help=_h("Print the docs page (docs/standards-not-encoded.md)."))
@_debug_option
@_friendly
def standards_not_encoded(lang, markdown, debug):
    from compliance.views import standards_table

    if markdown:
        click.echo(standards_table.render_not_encoded_markdown(), nl=False)
        return
    click.echo(standards_table.render_not_encoded(cli_language(lang)), nl=False)


@standards.command("diff", help=_h("""Show two standards side by side: every rule's severity, figures and
    citation, each inherited figure with the standard it comes from; ≠ marks a difference.

    \b
    Example:
      compliance standards diff fujian anhui"""))
@click.argument("first")
@click.argument("second")
@click.option("--lang", type=click.Choice(LANGS))
@_as_of_option
@_debug_option
@_friendly
def standards_diff(first, second, lang, as_of, debug):
    from compliance.standard import load_standard
    from compliance.views import standards_table

    day = as_of.date().isoformat() if as_of else None
    click.echo(standards_table.render_diff(load_standard(first, as_of=day),
                                           load_standard(second, as_of=day),
                                           cli_language(lang)), nl=False)


@standards.command("show", help=_h("""Show every rule of STANDARD (an id or a .yaml path): parameters, severity, citation.

    Inherited parameters are marked with the document they come from."""))
@click.argument("standard")
@click.option("--lang", type=click.Choice(LANGS))
@_debug_option
@_friendly
def standards_show(standard, lang, debug):
    from compliance.views.standard_text import render

    from compliance.standard import load_standard

    click.echo(render(load_standard(standard), cli_language(lang)))


@standards.command("validate", help=_h("""Validate a standard file: unknown rules, missing citations, bad numbers, extends chains."""))
@click.argument("path", type=click.Path(dir_okay=False))
@_debug_option
@_friendly
def standards_validate(path, debug):
    from compliance.standard import load_standard

    s = load_standard(path)
    click.echo(_say("ok: {path} — {id}, {n} rules, extends {chain}").format(
        path=path, id=s.id, n=len(s.rules), chain=" → ".join(s.chain[1:]) or "—"))


@main.command("rules", help=_h("""List every rule the engine knows: id, summary, parameters."""))
@click.option("--markdown", is_flag=True, help=_h("Print the docs page (docs/rules.md)."))
def rules_cmd(markdown):
    from compliance.views.rules_doc import render_markdown, render_text

    click.echo(render_markdown() if markdown else render_text(), nl=not markdown)


# ---------------------------------------------------------------------------- check

@main.command(help=_h("""Check PLAN against a city's standard: GeoJSON, GeoPackage, KML, a folder of layers, a DXF
    site plan (总平面图), an .xlsx/.xls/.csv list of projects, or a .zip of any of these.

    \b
    Examples:
      compliance check samples/dongying-compliant.geojson --city dongying
      compliance check plan.gpkg --city tongchuan -o reports/plan.csv
      compliance check plan.geojson --city x-district -o reports/plan.html --lang en
      compliance check --city zunyi --households-new 1200 --facility-area 200
      compliance check site.dxf --city zunyi --crs EPSG:4547 --table 指标.xlsx
      compliance check projects.xlsx --city zunyi -o reports/projects.xlsx
    """))
@click.argument("plan", required=False, type=click.Path())
@click.option("--city", help=_h("A shipped standard by id or place (fujian, 合肥, zunyi …; see "
              "`compliance standards list`)."))
@click.option("--standard", "standard_file", type=click.Path(dir_okay=False),
              help=_h("A standard file of your own (YAML; see `compliance standards validate`)."))
@click.option("-o", "--output", type=click.Path(),
              help=_h("Write the report here; the extension picks the format (.json .csv .html "
                   ".pdf .xlsx .gpkg). Without it the summary goes to the terminal."))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html", "pdf",
                                                    "xlsx", "gpkg"]),
              help=_h("Force a format; without -o the file goes to reports/."))
@click.option("--lang", type=click.Choice(LANGS),
              help=_h("Language of the report and of the messages: zh or en. Reports are Chinese "
                   "unless --lang en; messages follow LANG when --lang is not given."))
@click.option("--crs", help=_h("The CRS of layers that declare none (e.g. EPSG:4547, a PROJ "
              "string or WKT); without it, degrees are WGS 84 and Gauss-Krüger eastings with a "
              "zone prefix name their zone. Distances are measured in a local transverse "
              "Mercator centred on the plan, or as drawn with --crs local (a city's own grid, "
              "城市独立坐标系)."))
@click.option("--distance", type=click.Choice(["straight", "network"]), default="straight",
              show_default=True, help=_h("Walking distance in a straight line or along the "
              "plan's streets layer."))
@click.option("--radius", "radius_m", type=_Number(1, 20_000), metavar="METRES",
              help=_h("Use this walking radius instead of the standard's minutes × speed."))
@click.option("--walk-speed", "walking_speed", type=_Number(0.5, 10),
              metavar="KM/H", help=_h("Walking speed (default: the standard's, 4 km/h)."))
@click.option("--households-new", type=_COUNT, help=_h("Quick check without a "
              "plan file: households in new housing."))
@click.option("--households-existing", type=_COUNT,
              help=_h("Quick check: households in existing housing."))
@click.option("--facility-area", type=_AREA, metavar="M2",
              help=_h("Quick check: eldercare floor area provided (m²)."))
@click.option("--land-area", type=_AREA, metavar="M2",
              help=_h("Quick check: eldercare land area provided (m²)."))
@click.option("--population", type=_COUNT, help=_h("Quick check: residents."))
@click.option("--complete-community", is_flag=True,
              help=_h("Quick check: the parcel is in a 完整居住社区 programme."))
@_as_of_option
@_plan_options
@_debug_option
@_friendly
def check(plan, city, standard_file, output, fmt, lang, crs, distance, radius_m, walking_speed,
          households_new, households_existing, facility_area, land_area, population,
          complete_community, as_of, table, cad_layers, cad_units, meta, fields, coords,
          debug):
    from compliance import workflow
    from compliance.settings import Options
    from compliance.plan import from_figures

    standard = _load_standard(city, standard_file, as_of)
    on_stage, _ = _stage_reporter()
    quick = any(v is not None for v in (households_new, households_existing, facility_area))
    if plan and quick:
        raise click.UsageError(_say("give a PLAN file or the quick-check figures, not both"))
    if not plan and not quick:
        raise click.UsageError(_say("give a PLAN file, or figures such as --households-new "
                                    "1200 --facility-area 200"))
    options = Options(distance=distance, radius_m=radius_m, walking_speed_km_h=walking_speed,
                      crs=crs, coords=coords)
    from compliance import io

    report_meta = io.read_meta(meta, plan)
    report_lang, says = lang or "zh", cli_language(lang)
    kind = workflow.format_for(output, fmt)
    if quick:
        # The one parcel is the project: named so in the report (or on the terminal, in its
        # language), not by a word of the program's.
        from compliance._i18n import N_, Translator

        words = Translator(says if kind == "text" else report_lang).gettext
        the_plan = from_figures(parcel_id=report_meta.get("project") or words(
                                    N_("this project")),
                                name=words(N_("quick check")),
                                source=words(N_("figures given on the command line")),
                                households_new=households_new or 0,
                                households_existing=households_existing or 0,
                                facility_area_m2=facility_area or 0.0, land_area_m2=land_area,
                                population=population, complete_community=complete_community,
                                persons_per_household=standard.persons_per_household)
    else:
        if not Path(plan).exists():
            raise click.BadParameter(_say("no such file or folder: {path}").format(path=plan),
                                     param_hint="PLAN")
        on_stage("reading")
        the_plan = workflow.load_plan(plan, standard, crs=crs, strict=True, table=table,
                                      cad_layers=cad_layers, cad_units=cad_units,
                                      coords=coords, fields=fields,
                                      on_buildings=lambda n: on_stage("buildings", n))
    if output not in (None, "-"):
        io.refuse_overwriting_inputs(output, [plan, standard_file, table, cad_layers, meta,
                                              fields])
    if kind in ("html", "pdf") and len(the_plan.parcels) > workflow.FULL_REPORT_PARCELS:
        # Asked for: written. But a district is better served by its overview.
        click.echo(_say("note: {n:,} parcels, each in full in one report; `compliance batch` "
                        "writes a district's overview and summary, every parcel in its "
                        "tables").format(n=len(the_plan.parcels)), err=True)
    on_stage("network" if distance == "network" else "checking")
    result = workflow.run(the_plan, standard, options, meta=report_meta)
    if output not in (None, "-"):
        on_stage("writing")
    if kind == "text" and output in (None, "-"):
        click.echo(workflow.render(result, "text", says))
    else:
        if output is None or output == "-":
            if kind in ("json", "csv") and output == "-":
                click.echo(workflow.render(result, kind, report_lang), nl=False)
                sys.exit(result.exit_code)
            name = Path(plan).stem if plan else "quick-check"
            output = str(Path("reports") / f"{name}.{standard.id}.{kind}")
        written = workflow.write(result, output, kind, report_lang)
        click.echo(workflow.render(result, "text", says))
        click.echo("\n" + _say("wrote {path}").format(path=written), err=True)
    sys.exit(result.exit_code)


# ---------------------------------------------------------------------------- batch

@main.command(help=_h("""Check every parcel of a district PLAN and write a folder of results.

    \b
    Writes into the folder:
      index.html     district map by verdict, district figures, sortable table, links
      report.pdf     the district summary with its conclusion, A4, to sign
      results.json   RESULT-FORMAT.md, with district figures and suggested sites
      results.csv    one row per parcel and rule (UTF-8 with BOM for Excel)
      results.xlsx   a sheet of parcels with every rule's figures, a sheet of findings
      results.gpkg   GIS layers in the plan's own CRS: parcels, facilities,
                     uncovered_buildings, walking_radius, walking_streets, suggested_sites
      parcels/*.html one report per parcel (skip with --no-parcel-reports)

    A bad feature does not stop the run: it is listed with the reason and the rest are checked.

    A plan over several cities (a province's projects, a country's compounds): with
    --place-field, each parcel is checked against the standard of the place that field
    names, one folder per standard, with index.html listing them. --city then names the
    standard for places without one of their own; without it, their parcels are listed as
    not checked, with the standard that covers them.

    \b
    Example:
      compliance batch district.gpkg --city changzhou -o reports/district/ --distance network
      compliance batch 全省项目.xlsx --place-field 所在城市 --city national -o reports/province/
    """))
@click.argument("plan", type=click.Path(exists=True))
@click.option("--city", help=_h("A shipped standard (see `compliance standards list`)."))
@click.option("--standard", "standard_file", type=click.Path(dir_okay=False),
              help=_h("A standard file of your own."))
@click.option("-o", "--output", default="reports/district", show_default=True,
              type=click.Path(), help=_h("Folder for index.html, results.json/.csv/.gpkg and "
              "parcels/*.html (created when missing)."))
@click.option("--distance", type=click.Choice(["straight", "network"]), default="straight",
              show_default=True, help=_h("Straight line, or along the plan's streets layer."))
@click.option("--lang", type=click.Choice(LANGS),
              help=_h("Language of the reports and messages (reports default to zh)."))
@click.option("--crs", help=_h("The CRS of layers that declare none (e.g. EPSG:4547; local: "
              "a city's own grid, measured as drawn)."))
@click.option("--radius", "radius_m", type=_Number(1, 20_000), metavar="METRES",
              help=_h("Walking radius instead of the standard's minutes × speed."))
@click.option("--walk-speed", "walking_speed", type=_Number(0.5, 10),
              metavar="KM/H", help=_h("Walking speed (default 4 km/h)."))
@click.option("--no-parcel-reports", is_flag=True, help=_h("Skip the per-parcel HTML pages."))
@click.option("--pdf", is_flag=True, help=_h("Also write each parcel's page as a PDF."))
@click.option("--workers", type=click.IntRange(1, 1024), metavar="N",
              help=_h("Measure the households' distances in N processes of a local Dask "
                      "cluster (the result is the same as without)."))
@click.option("--scheduler", metavar="ADDRESS",
              help=_h("Measure them on an existing Dask cluster, e.g. tcp://10.0.0.5:8786."))
@click.option("--place-field", metavar="FIELD",
              help=_h("The parcels' field naming each one's city or province (城市, "
                      "所在城市): each parcel is checked against its own place's standard, "
                      "--city or --standard then serving places without one of their own."))
@click.option("--covering-standard", is_flag=True,
              help=_h("With --place-field: a place without a standard of its own is checked "
                      "against the standard covering it (红花岗区: its city's zunyi; 武汉: its "
                      "province's hubei; the national one where none does), said in the "
                      "overview."))
@_as_of_option
@_plan_options
@_debug_option
@_friendly
def batch(plan, city, standard_file, output, distance, lang, crs, radius_m, walking_speed,
          no_parcel_reports, pdf, workers, scheduler, place_field, covering_standard, as_of,
          table, cad_layers, cad_units, meta, fields, coords, debug):
    from compliance import workflow
    from compliance.settings import Options

    if place_field is not None and not place_field.strip():
        raise click.BadParameter(_say("name the parcels' field, e.g. 城市"),
                                 param_hint="--place-field")
    if covering_standard and not place_field:
        raise click.UsageError(_say("--covering-standard goes with --place-field"))
    standard = None if place_field and not (city or standard_file) else \
        _load_standard(city, standard_file, as_of)
    options = Options(distance=distance, radius_m=radius_m, walking_speed_km_h=walking_speed,
                      crs=crs, coords=coords)

    on_stage, tty = _stage_reporter()

    def progress(items):
        if not tty:
            yield from items
            return
        with click.progressbar(items, label=_say("parcel reports"), file=sys.stderr,
                               show_pos=True) as bar:
            yield from bar

    if workers and scheduler:
        raise click.UsageError(_say("give --workers or --scheduler, not both"))
    mapper = None
    if workers or scheduler:
        from compliance.cluster import PointMapper

        mapper = PointMapper(workers=workers, scheduler=scheduler)
    if place_field:
        try:
            outcome = workflow.batch_by_place(
                plan, place_field, standard, output, options, lang=lang or "zh", crs=crs,
                parcel_reports=not no_parcel_reports, progress=progress, table=table,
                cad_layers=cad_layers, cad_units=cad_units, meta=meta, pdf_pages=pdf,
                on_stage=on_stage, mapper=mapper, on_buildings=lambda n: on_stage("buildings", n),
                fields=fields, as_of=as_of.date().isoformat() if as_of else None,
                by_covering=covering_standard)
        finally:
            if mapper is not None:
                mapper.close()
        sys.exit(_said_by_place(outcome, lang))
    try:
        out = workflow.batch(plan, standard, output, options, lang=lang or "zh", crs=crs,
                             parcel_reports=not no_parcel_reports, progress=progress,
                             table=table, cad_layers=cad_layers, cad_units=cad_units,
                             meta=meta, pdf_pages=pdf, on_stage=on_stage, mapper=mapper,
                             on_buildings=lambda n: on_stage("buildings", n),
                             fields=fields)
    finally:
        if mapper is not None:
            mapper.close()
    result = out.result
    s = result.summary
    from compliance._i18n import Translator, rule_label

    says = cli_language(lang)
    click.echo(_say("Parcels: {parcels} (compliant {compliant}, non-compliant "
                    "{non_compliant}, incomplete {incomplete})").format(**s))
    for d in result.district:
        achieved = "—" if d.achieved is None else f"{d.achieved:.1%}"
        target = "" if d.target is None else _say(" (target {target})").format(
            target=f"{d.target:.0%}")
        click.echo(f"  {rule_label(d.id, says)}{Translator(says).colon}{achieved}{target}")
    # Errors first (what was left out or not judged), then warnings (a row of totals passed
    # over, a building outside every parcel): each is the reader's to know of.
    problems = sorted(result.problems, key=lambda p: p.level != "error")
    if problems:
        click.secho(_say("{n} input problems (see the report):").format(n=len(problems)),
                    fg="yellow", err=True)
        for p in problems[:10]:
            click.echo(f"  - {safe_text(Translator(says).problem(p))}", err=True)
    click.echo(_say("wrote {path}").format(path=f"{out.folder}/index.html")
               + f" (+{len(out.files) - 1})", err=True)
    sys.exit(result.exit_code)


def _said_by_place(outcome, lang) -> int:
    """A batch by place on the terminal: each standard's places and verdicts, the places not
    checked; the exit code of the worst (1 non-compliant, 3 incomplete or not checked)."""
    from compliance._i18n import Translator

    says = cli_language(lang)
    codes = []
    for group, result, folder in outcome.groups:
        s = result.summary
        places = "、".join(group.places)
        click.echo(f"{places} → {group.standard.id}: " + _say(
            "Parcels: {parcels} (compliant {compliant}, non-compliant {non_compliant}, "
            "incomplete {incomplete})").format(**s) + f"  {outcome.folder / folder}")
        codes.append(result.exit_code)
    for item in outcome.unchecked:
        click.secho(_say("parcels not checked ({n}): {why}").format(
            n=len(item.positions), why=safe_text(Translator(says).problem(item.problem))),
            fg="yellow", err=True)
        codes.append(3)
    click.echo(_say("wrote {path}").format(path=f"{outcome.folder}/index.html"), err=True)
    return 1 if 1 in codes else (3 if 3 in codes else 0)


# ---------------------------------------------------------------------------- serve

@main.command(help=_h("""Run the review desk: a web page and a JSON API (docs/service.md) for an office's
    intranet. Planners upload a plan and get the report; other systems call the API.

    \b
    Example:
      compliance serve                       # http://127.0.0.1:8765/
      compliance serve --host 0.0.0.0 --port 8080 --data /srv/compliance --workers 4

    The history (an SQLite database) and every check's files are kept in --data; a check
    interrupted by a restart is run again."""))
@click.option("--host", default="127.0.0.1", show_default=True,
              help=_h("Address to listen on (0.0.0.0 for every interface)."))
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option("--data", "data_dir", type=click.Path(file_okay=False),
              help=_h("Folder for the history and the checks' files (default: "
                      "~/.local/share/compliance)."))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help=_h("Checks run at once, each in its own process."))
@click.option("--max-upload-mb", default=200, show_default=True, type=_Number(1, 100_000),
              help=_h("Largest upload taken (larger: 413)."))
@_debug_option
@_friendly
def serve(host, port, data_dir, workers, max_upload_mb, debug):
    from compliance import service

    folder = Path(data_dir) if data_dir else service.default_data_dir()
    click.echo(_say("review desk on http://{host}:{port}/ (data in {data})").format(
        host=host, port=port, data=folder), err=True)
    service.serve(host, port, folder, workers, max_upload_mb)


if __name__ == "__main__":  # pragma: no cover
    main()
