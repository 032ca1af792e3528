"""The steps the command line strings together: read → validate/project → check → write.

Kept out of cli.py so the command line stays a thin layer of options and messages, and
kept out of the engine so that no computing module touches files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from . import _process, io
from ._errors import ComplianceError, OutputError, PlanError, Problem
from ._i18n import N_
from .engine import check
from .settings import Options
from .plan import Plan, build_plan
from .result import Result
from .standard import Standard
from .vocabulary import FIELDS_FILE

FORMATS = {".json": "json", ".csv": "csv", ".html": "html", ".htm": "html", ".gpkg": "gpkg",
           ".xlsx": "xlsx", ".pdf": "pdf"}


def load_plan(path: str, standard: Standard, *, crs: str | None = None,
              strict: bool = True, table: str | None = None, cad_layers: str | None = None,
              cad_units: str | None = None, coords: str | None = None,
              fields: str | None = None,
              on_buildings: Callable[[int], None] | None = None,
              place_field: str | None = None) -> Plan:
    if io.is_zip_plan(path):
        return _load_zipped_plan(path, standard, crs=crs, strict=strict, table=table,
                                 cad_layers=cad_layers, cad_units=cad_units, coords=coords,
                                 fields=fields, on_buildings=on_buildings,
                                 place_field=place_field)
    if fields is None and Path(path).is_dir() and (Path(path) / FIELDS_FILE).is_file():
        fields = str(Path(path) / FIELDS_FILE)  # a folder carries its map, as its meta.yaml
    plan_map = io.read_plan_map(fields) if fields is not None else None
    if place_field is not None:
        plan_map = replace(plan_map or io.PlanMap(),
                           kept={"parcels": frozenset({place_field.strip().lower()})})
    raw = io.read_plan(path, table=table, cad_layers=cad_layers, cad_units=cad_units,
                       plan_map=plan_map)
    return build_plan(raw, crs=crs, strict=strict, coords=coords,
                      persons_per_household=standard.persons_per_household,
                      on_buildings=on_buildings, place_field=place_field)


def _load_zipped_plan(path: str, standard: Standard, *, table: str | None = None,
                      **options) -> Plan:
    """A plan mailed as a ZIP, read as the folder or file it holds (a DXF with the indicator
    table mailed beside it, and the field map it carries), and named as the user knows it:
    its source and SHA-256 the ZIP's, its problems at plan.zip/parcels.shp."""
    with io.unpacked_zip(path) as (unpacked, shown):
        if unpacked.table is not None and table is not None:
            raise PlanError(Problem(f"{path}/{unpacked.table.name}, {table}",
                                    N_("cannot tell which file is the plan's table"),
                                    expected=N_("one plan file, and at most one table beside it")))
        if options.get("fields") is None and unpacked.fields is not None:
            options["fields"] = str(unpacked.fields)
        try:
            plan = load_plan(str(unpacked.plan), standard,
                             table=str(unpacked.table) if unpacked.table else table, **options)
        except ComplianceError as exc:
            raise type(exc)(shown(exc.problems)) from None
    digest = io.fingerprint(Path(path))
    if table is not None:
        digest = io.combined_fingerprint(digest, io.fingerprint(Path(table)))
    return replace(plan, source=str(path), name=Path(path).stem, fingerprint=digest,
                   problems=shown(plan.problems))


def run(plan: Plan, standard: Standard, options: Options, meta: dict | None = None,
        mapper=None) -> Result:
    result = check(plan, standard, options, mapper=mapper)
    result.meta = dict(meta or {})
    return result


def format_for(output: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if output is None or output == "-":
        return "text"
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(Problem(output, N_("cannot tell the format from the file name"),
                                  found=suffix or "—",
                                  expected=N_("an output ending in .json, .csv, .html, .pdf, "
                                              ".xlsx or .gpkg, or --format")))
    return FORMATS[suffix]


def render(result: Result, fmt: str, lang: str) -> str | bytes:
    from .views import model as view_model

    return render_model(view_model.build(result, lang), fmt)


def render_model(model, fmt: str) -> str | bytes:
    """Every view renders the one view model built from the result."""
    if fmt == "json":
        from .views import json

        return json.render(model)
    if fmt == "csv":
        from .views import csv

        return csv.render(model)
    if fmt == "html":
        from .views import html

        return html.ReportBuilder(model).full()
    if fmt == "text":
        from .views import terminal

        return terminal.render(model)
    if fmt == "xlsx":
        from .views import xlsx

        return xlsx.render(model)
    if fmt == "pdf":
        from .views import pdf

        return pdf.render(model)
    raise ValueError(fmt)


def write(result: Result, output: str, fmt: str, lang: str) -> Path:
    from .views import model as view_model

    return write_model(view_model.build(result, lang), output, fmt)


def write_model(model, output: str, fmt: str) -> Path:
    if fmt == "gpkg":
        from .views import gpkg

        return io.write_gpkg_atomic(output, gpkg.layers(model))
    return io.write_atomic(output, render_model(model, fmt))


# --------------------------------------------------------------------------------------------
# Batch: a district plan in, a folder of results out.

# Up to this many parcels, a report (HTML, PDF) holds every parcel in full: the report a
# reviewer signs for a development. Beyond, a district: its overview and printed summary are
# what `batch` and the review desk write (every parcel in full is a page each: 10,000
# parcels, minutes of typesetting and gigabytes), every parcel being in the tables beside.
FULL_REPORT_PARCELS = 100
# The district overview lists every parcel up to this many; beyond, the worst this many, and
# the whole table in pages of TABLE_PAGE_ROWS.
INDEX_ROWS = 1000
TABLE_PAGE_ROWS = 1000
# On two cores, a district larger than this has its workbook and its JSON written by forked
# copies, one each, while this process writes the rest (best of three, with the typesetter
# busy on the same two cores: 2,500 parcels 4.57 → 4.37 s, 10,000 parcels 10.5 → 9.8 s, the
# peak memory unchanged; one copy for each file rather than one for both, 50,000 parcels
# 34.5 and 30.8 → 30.9 and 28.4 s in paired runs, the largest process the same). Smaller
# districts write both in place: their files take a fraction of a second, and a copy would
# still count the whole district's memory.
WRITE_BESIDE_PARCELS = 1_000
_UNSAFE = re.compile(r"[^0-9A-Za-z_\-\u4e00-\u9fff]+")


def report_name(parcel_id: str) -> str:
    """A file name for a parcel's page that stays inside the folder whatever the id holds
    (`/`, `..`, spaces, characters Windows forbids); a short hash keeps distinct ids apart."""
    stem = _UNSAFE.sub("_", parcel_id).strip("._")[:60] or "parcel"
    digest = hashlib.sha1(parcel_id.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}.html"


@dataclass
class BatchOutput:
    result: Result
    folder: Path
    files: list[Path]


def batch(plan_path: str, standard: Standard, folder: str, options: Options, *,
          lang: str = "zh", crs: str | None = None, parcel_reports: bool = True,
          progress: Callable[[Iterable], Iterable] | None = None, table: str | None = None,
          cad_layers: str | None = None, cad_units: str | None = None,
          meta: str | None = None, pdf_pages: bool = False,
          on_stage: Callable[[str], None] | None = None, mapper=None,
          on_buildings: Callable[[int], None] | None = None,
          fields: str | None = None) -> BatchOutput:
    """Check a district and write its folder. The folder is built whole beside the target and
    swapped in at the end: an interrupted batch leaves the old output as it was."""
    from .views import pdf as pdf_view

    io.refuse_overwriting_inputs(folder, [plan_path, standard.path, table, cad_layers, meta,
                                          fields])
    report_meta = io.read_meta(meta, plan_path)
    target = io.BatchFolder(folder)
    stage = on_stage or (lambda name: None)
    # The typesetter loads WeasyPrint while the plan is read; it is ended on any way out.
    with pdf_view.Typesetter() as typesetter, target as out:
        stage("reading")
        plan = load_plan(plan_path, standard, crs=crs, strict=False, table=table,
                         cad_layers=cad_layers, cad_units=cad_units, coords=options.coords,
                         fields=fields, on_buildings=on_buildings)
        result, written = _check_and_write(
            plan, standard, out, options, typesetter, lang=lang, report_meta=report_meta,
            parcel_reports=parcel_reports, progress=progress, pdf_pages=pdf_pages,
            stage=stage, mapper=mapper)
        target.commit()
    folder_path = Path(folder)
    return BatchOutput(result, folder_path, [folder_path / w for w in written])


@dataclass
class PlaceBatch:
    """What a batch by place wrote: each standard's group with its result and folder, and
    the parcels no standard judged."""
    groups: list[tuple]           # (country.Group, Result, folder name)
    unchecked: list               # country.Unchecked
    plan: Plan
    folder: Path
    places: list[str | None]      # each parcel's place as its field gives it


def batch_by_place(plan_path: str, place_field: str, fallback: Standard | None, folder: str,
                   options: Options, *, lang: str = "zh", crs: str | None = None,
                   parcel_reports: bool = True,
                   progress: Callable[[Iterable], Iterable] | None = None,
                   table: str | None = None, cad_layers: str | None = None,
                   cad_units: str | None = None, meta: str | None = None,
                   pdf_pages: bool = False, on_stage: Callable[[str], None] | None = None,
                   mapper=None, on_buildings: Callable[[int], None] | None = None,
                   fields: str | None = None, as_of: str | None = None,
                   by_covering: bool = False) -> PlaceBatch:
    """Check a plan of several places, each parcel by the standard of the place its
    `place_field` names (see country.py), and write a folder: one district folder per
    standard (`<id>/index.html`, report.pdf, results.*), and beside them `index.html`, the
    places and their verdicts, with the parcels no standard judged and why."""
    from . import country
    from .plan import Cut
    from .rules.registry import radius_bound_m
    from .standard import load_standard
    from .views import html as html_view
    from .views import pdf as pdf_view

    io.refuse_overwriting_inputs(folder, [plan_path, fallback.path if fallback else None,
                                          table, cad_layers, meta, fields])
    report_meta = io.read_meta(meta, plan_path)
    target = io.BatchFolder(folder)
    stage = on_stage or (lambda name: None)
    with target as out:
        stage("reading")
        # Read once; each group's population is estimated again by its own standard.
        plan = load_plan(plan_path, fallback or load_standard("national", as_of=as_of),
                         crs=crs, strict=False, table=table, cad_layers=cad_layers,
                         cad_units=cad_units, coords=options.coords, fields=fields,
                         on_buildings=on_buildings, place_field=place_field)
        places = [v if isinstance(v, str) else None for v in plan.parcels["place"]]
        groups, unchecked = country.group_by_place(places, fallback, as_of=as_of,
                                                   by_covering=by_covering)
        done = []
        # Each folder's report.pdf is typeset while the next place is checked, and taken
        # before the one after is begun: one typesetting waits at a time, not one per place.
        previous: tuple[Path, pdf_view.Typesetter] | None = None
        cut = Cut(plan)
        try:
            for group, name in zip(groups, country.folder_names(groups)):
                standard = group.standard
                # A home walks no farther than its radius (the network search stops at
                # twice it): twice that, 2 km at least, keeps every facility and street a
                # walk could use.
                reach = 2 * max(radius_bound_m(standard, options), 1000.0)
                part = cut.part(group.positions, standard.persons_per_household, reach)
                # Each folder is signed on its own: its plan is named with its places.
                named = "、".join(p for p in group.places if p != "—")
                stage("place", len(groups), k=len(done) + 1, place=named or "—",
                      standard=standard.id)
                part = replace(part, name=f"{plan.name} · {named}" if named else plan.name)
                (out / name).mkdir()
                typesetter = pdf_view.Typesetter()
                with contextlib.ExitStack() as on_failure:
                    on_failure.callback(typesetter.stop)
                    result, _ = _check_and_write(
                        part, standard, out / name, options, typesetter, lang=lang,
                        report_meta=report_meta, parcel_reports=parcel_reports,
                        progress=progress, pdf_pages=pdf_pages, stage=stage, mapper=mapper,
                        up="../index.html", pdf_later=True)
                    on_failure.pop_all()
                waiting, previous = previous, (out / name / "report.pdf", typesetter)
                if waiting is not None:
                    _take_pdf(*waiting)
                done.append((group, result, name))
            if previous is not None:
                _take_pdf(*previous)
        finally:
            if previous is not None:
                previous[1].stop()
        outcome = PlaceBatch(done, unchecked, plan, Path(folder), places)
        io.write_atomic(out / "results.csv", _places_table(outcome, out, lang))
        io.write_atomic(out / "index.html", html_view.places_overview(outcome, lang))
        target.commit()
    return outcome


def _places_table(outcome: "PlaceBatch", out: Path, lang: str):
    """Every parcel of a batch by place in one table (results.csv beside the folders)."""
    from . import country
    from ._i18n import Translator
    from .views import csv as csv_view

    parcels = outcome.plan.parcels
    ids, names = parcels["id"].astype(str).tolist(), parcels["name"].tolist()
    shown = [country.shown(place) or "" for place in outcome.places]
    says = Translator(lang)
    unchecked = [(ids[i], names[i] if isinstance(names[i], str) else "", shown[i],
                  says.problem(item.problem))
                 for item in outcome.unchecked for i in item.positions]
    return csv_view.by_place_chunks([(out / folder / "results.csv", folder)
                                     for _, _, folder in outcome.groups],
                                    dict(zip(ids, shown)), unchecked)


def _take_pdf(path: Path, typesetter) -> None:
    """A typeset report.pdf written, and its typesetter ended."""
    try:
        io.write_atomic(path, typesetter.pdf())
    finally:
        typesetter.stop()


def _check_and_write(plan: Plan, standard: Standard, out: Path, options: Options, typesetter, *,
                     lang: str, report_meta: dict, parcel_reports: bool,
                     progress: Callable[[Iterable], Iterable] | None, pdf_pages: bool,
                     stage: Callable[[str], None], mapper,
                     up: str | None = None,
                     pdf_later: bool = False) -> tuple[Result, list[str]]:
    """Check a plan read and write its district files into `out`; the typesetter has been
    started and is ended by the caller. Returns the result and the names written. `up`: the
    overview by place the folder sits in, linked from its own. `pdf_later`: report.pdf is
    left to the caller, to be taken from the typesetter once it is done."""
    from .views import csv as csv_view
    from .views import gpkg as gpkg_view
    from .views import html as html_view
    from .views import json as json_view
    from .views import model as view_model
    from .views import pdf as pdf_view
    from .views import xlsx as xlsx_view

    stage("network" if options.distance == "network" else "checking")
    on_cluster = mapper is not None
    if mapper is None:
        # No cluster: the households are measured on every core of this machine.
        from .cluster import ForkMapper

        mapper = ForkMapper.for_this_machine()
    _process.release_freed_memory()  # the buildings' batches
    result = run(plan, standard, replace(options, suggest=True), meta=report_meta,
                 mapper=mapper)
    _process.release_freed_memory()
    stage("writing")
    # The printed summary lists a few dozen parcels: it is typeset from a model that
    # makes only theirs, while this process makes the rest (2,500 parcels: the PDF,
    # the batch's last file, started 0.8 s sooner).
    model = view_model.build(result, lang, lazy=True)
    builder = html_view.ReportBuilder(model)
    written: list[str] = []
    links = ["" for _ in result.parcels]
    if parcel_reports:
        names = [report_name(p.id) for p in result.parcels]
        links = [f"parcels/{name}" for name in names]
    typesetter.start(pdf_view.index_html(builder, links))
    _process.release_freed_memory()  # the printed map's image
    model.complete()  # before any copy is forked: each would make them again
    if parcel_reports:
        (out / "parcels").mkdir()
        written += [f"parcels/{name}" for name in _write_parcel_pages(
            builder, out / "parcels", names, pdf_pages, progress, fork=not on_cluster)]

    def write_workbook():
        io.write_atomic(out / "results.xlsx", xlsx_view.render(model))

    def write_json():
        io.write_atomic(out / "results.json", json_view.chunks(model))

    def write_beside():
        write_workbook()
        _process.release_freed_memory()
        write_json()

    # The files are independent views of one model: report.pdf is typeset in a process
    # of its own, the workbook and the JSON each in a forked copy of this one where there
    # are cores to spare, while this one writes the rest (see _Beside).
    beside = _Beside(enabled=not on_cluster)
    # Each file is written whole before the next is made, and what a file's making freed
    # is handed back before the next (see _process.release_freed_memory): the batch's
    # memory stays that of the model and one file.
    try:
        if beside.cores >= 3 or len(result.parcels) > WRITE_BESIDE_PARCELS:
            # The copies' files are done before the PDF, which the batch waits for last:
            # they give way to the typesetter (2,500 parcels: 4.67 → 4.51 s, the median
            # of seven runs on two cores).
            beside.start(write_workbook, nice=10)
            beside.start(write_json, nice=10)
        else:
            write_beside()
            _process.release_freed_memory()
        io.write_atomic(out / "results.csv", csv_view.chunks(model))
        io.write_gpkg_atomic(out / "results.gpkg", gpkg_view.layers(model))
        _process.release_freed_memory()
        written += write_overview(builder, out, links, up=up)
        _process.release_freed_memory()
        if not pdf_later:
            io.write_atomic(out / "report.pdf", typesetter.pdf())
        beside.finish()
    finally:
        beside.stop()
    written += ["results.csv", "results.xlsx", "results.gpkg", "report.pdf", "results.json"]
    return result, written


# From this many parcels, their pages are shared out among forked copies, one per core (a
# page takes about 3 ms; the copies cost tens of milliseconds to start).
PARCEL_PAGES_BESIDE = 200


def _write_parcel_pages(builder, folder: Path, names: list[str], pdf_pages: bool,
                        progress: Callable[[Iterable], Iterable] | None,
                        fork: bool) -> list[str]:
    """Each parcel's page `names[i]` (and its PDF beside it) in `folder`; returns the names
    written. The pages are independent views of one model: with several cores, forked copies
    write every n-th page each while this process writes its own share and keeps the
    progress shown (it walks every parcel, writing its own, so the bar moves at the pace of
    all)."""
    from .views import pdf as pdf_view

    parcels = builder.model.parcels
    n = len(parcels)
    pdf_names = [f"{name[:-len('.html')]}.pdf" for name in names] if pdf_pages else []

    def write(i: int) -> None:
        io.write_new(folder / names[i], builder.single(parcels[i], back="../index.html"))
        if pdf_pages:
            io.write_new(folder / pdf_names[i], pdf_view.render_parcel(builder, parcels[i]))

    def write_share(first: int, step: int) -> None:
        for i in range(first, n, step):
            write(i)

    beside = _Beside(enabled=fork and n >= PARCEL_PAGES_BESIDE)
    share = beside.cores if beside.forks else 1
    try:
        for first in range(1, share):
            beside.start(lambda first=first: write_share(first, share))
        for i in (progress(range(n)) if progress else range(n)):
            if i % share == 0:
                write(i)
        beside.finish()
    finally:
        beside.stop()
    return [page for pair in zip(names, pdf_names) for page in pair] if pdf_pages else names


def write_overview(builder, out: Path, links: list[str], name: str = "index.html",
                   up: str | None = None) -> list[str]:
    """A district's overview page `name` (map, figures, parcel table) in the folder `out`;
    for a large district the overview lists the worst parcels and the whole table is in
    pages a browser opens at once (and in results.csv / .xlsx). Returns the names written."""
    from .views import html as html_view

    if len(links) <= INDEX_ROWS:
        io.write_atomic(out / name, builder.index(links, up=up))
        return [name]
    pages = html_view.table_page_names(len(links), TABLE_PAGE_ROWS)
    for page_name, page in builder.table_pages(links, TABLE_PAGE_ROWS, overview=name):
        io.write_atomic(out / page_name, page)
    io.write_atomic(out / name, builder.index(links, rows_limit=INDEX_ROWS, pages=pages,
                                              page_rows=TABLE_PAGE_ROWS, up=up))
    return [*pages, name]


class _Beside:
    """Work in forked copies of this process, the rest here meanwhile.

    Fork, because a copy needs the whole view model, and a forked copy costs nothing until
    written to. Not on a Dask run (its threads do not survive a fork), nor where there is no
    fork or a single core: there each piece runs in place, at `start`. An error in a copy is
    raised here by `finish`; `stop` ends the copies of a batch that is leaving early (Ctrl-C,
    SIGTERM, a failed write) before its half-built folder is removed."""

    def __init__(self, enabled: bool = True):
        import multiprocessing

        from .cluster import fork_cores

        self.cores = fork_cores()
        self._ctx = multiprocessing.get_context("fork") if enabled and self.cores else None
        self._running: list = []

    @property
    def forks(self) -> bool:
        """Whether `start` runs its work in a forked copy (else in place)."""
        return self._ctx is not None

    def start(self, work: Callable[[], object], nice: int = 0) -> None:
        """Run `work` in a forked copy (in place where there is none); `nice`: how much the
        copy gives way to the other processes of the batch (os.nice)."""
        if self._ctx is None:
            work()
            return
        receive, send = self._ctx.Pipe(duplex=False)

        def child():
            try:
                if nice:
                    os.nice(nice)
                work()
                send.send(None)
            except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
                try:
                    send.send(exc)
                except Exception:  # an exception that does not pickle: its words
                    send.send(RuntimeError(f"{type(exc).__name__}: {exc}"))

        process = self._ctx.Process(target=child, daemon=True)
        process.start()
        send.close()
        self._running.append((process, receive))

    def finish(self) -> None:
        errors = []
        while self._running:
            process, receive = self._running.pop(0)
            try:
                while not receive.poll(_process.WAKE_S):  # awake for a signal's handler
                    pass
                error = receive.recv()
            except EOFError:  # the copy died without a word (killed, out of memory)
                error = RuntimeError(f"a process writing the batch's files ended with exit "
                                     f"code {process.exitcode}")
            process.join()
            if error is not None:
                errors.append(error)
        if errors:
            raise errors[0]

    def stop(self) -> None:
        for process, _ in self._running:
            process.terminate()
        for process, _ in self._running:
            process.join()
        self._running = []
