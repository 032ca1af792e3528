"""`compliance serve`: the review desk as a web page and a JSON API (docs/service.md).

A Starlette application: requests accept uploads and answer from the history; checks run in
worker processes (`jobs.Jobs`). Nothing on the page is fetched from elsewhere, and no script
is needed: the form posts, and a running check's page reloads itself until its report is in.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import secrets
import shutil
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import (FileResponse, HTMLResponse, JSONResponse, RedirectResponse,
                                 Response, StreamingResponse)
from starlette.routing import Route

from . import uploads
from ._errors import ComplianceError, PlanError, Problem
from ._i18n import N_, Translator
from .history import History
from .jobs import OUTPUTS, Jobs

DEFAULT_MAX_UPLOAD_MB = 200
_ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_STATUS_WORDS = {"queued": N_("queued"), "running": N_("running"), "done": N_("done"),
                 "failed": N_("failed")}
_STAGE_WORDS = {"queued": N_("waiting for a worker"), "reading": N_("reading the plan"),
                "checking": N_("checking"), "writing": N_("writing the report"),
                "done": N_("done"), "failed": N_("failed")}
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "compliance"


def _lang(request: Request) -> str:
    """Chinese, as the office works, unless `?lang=en` (docs/service.md)."""
    return "en" if request.query_params.get("lang") == "en" else "zh"


class _TooLarge(Exception):
    pass


class Desk:
    """The state the routes share: the history, the workers, the standards on offer."""

    def __init__(self, data_dir: Path, workers: int, max_upload_mb: float, jobs: Jobs | None):
        from .standard import available_standards, load_standard

        self.data_dir = Path(data_dir)
        self.history = History(self.data_dir)
        self.jobs = jobs or Jobs(self.data_dir, workers)
        self.max_bytes = int(max_upload_mb * 1024 * 1024)
        self.standards = [load_standard(sid) for sid in available_standards()]

    # ---------------------------------------------------------------------- accepting

    async def accept(self, request: Request, lang: str, meta_from_fields: bool) -> str:
        """Take an upload: check the request, store the files under names of ours, record the
        check, hand it to a worker. Raises PlanError (400) or _TooLarge (413)."""
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes + 65536:
            raise _TooLarge()
        try:
            form = await request.form(max_files=200, max_fields=100)
        except Exception as exc:  # noqa: BLE001 - a malformed body is the client's mistake
            raise PlanError(Problem("request", N_("not a multipart form upload"),
                                    found=type(exc).__name__)) from None
        try:
            return await self._accept_form(form, lang, meta_from_fields)
        finally:
            await form.close()

    async def _accept_form(self, form, lang: str, meta_from_fields: bool) -> str:
        from ._validate import report_meta
        from .standard import standard_id_for

        standard = str(form.get("standard") or "").strip()
        sid = standard_id_for(standard) if standard else None
        if sid is None:
            from dataclasses import replace

            from .not_encoded import find
            from .standard import place_without_standard

            known = find(standard)  # found in the sources, not encoded: why, in its words
            covered = None if known or not standard else place_without_standard(standard)
            if covered is not None:  # a place without its own: the standard that covers it
                raise PlanError(replace(covered, file="standard"))
            raise PlanError(Problem("standard", known.why if known else N_("unknown standard"),
                                    found=repr(standard),
                                    expected=", ".join(s.id for s in self.standards)))
        distance = str(form.get("distance") or "straight")
        if distance not in ("straight", "network"):
            raise PlanError(Problem("distance", N_("unknown distance method"),
                                    found=repr(distance), expected="straight, network"))
        report_lang = str(form.get("lang") or "zh")  # reports are Chinese unless asked
        if report_lang not in ("zh", "en"):
            raise PlanError(Problem("lang", N_("unknown language"), found=repr(report_lang),
                                    expected="zh, en"))
        options = _plan_options(form)
        if meta_from_fields:
            meta = {k[5:]: str(v) for k, v in form.multi_items()
                    if k.startswith("meta.") and isinstance(v, str) and v.strip()}
        else:
            raw = form.get("meta")
            try:
                meta = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
            except json.JSONDecodeError as exc:
                raise PlanError(Problem("meta", N_("report metadata is not JSON"),
                                        found=str(exc))) from None
        meta = report_meta(meta, "meta")
        files = [f for f in form.getlist("plan") if isinstance(f, UploadFile)]
        files = [f for f in files if f.filename or f.size]
        if not files:
            raise PlanError(Problem("plan", N_("no plan file was uploaded"),
                                    expected=N_("a GeoJSON, GeoPackage, DXF, ZIP or Excel file")))

        check_id = secrets.token_urlsafe(18)
        folder = self.history.folder(check_id)
        incoming = folder / "incoming"
        incoming.mkdir(parents=True)
        try:
            digest, saved, total = hashlib.sha256(), [], 0
            for i, f in enumerate(files):
                target = incoming / f"upload-{i}"
                with open(target, "xb") as out:
                    while chunk := await f.read(1 << 20):
                        total += len(chunk)
                        if total > self.max_bytes:
                            raise _TooLarge()
                        digest.update(chunk)
                        out.write(chunk)
                saved.append(uploads.Upload(f.filename or f"file {i + 1}", target))
            placed = await run_in_threadpool(uploads.place, saved, folder / "input",
                                             self.max_bytes * 4)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        shutil.rmtree(incoming, ignore_errors=True)
        await run_in_threadpool(
            self.history.add, check_id, standard=sid, lang=report_lang, distance=distance,
            meta=meta, files=list(placed.names),
            plan=str(placed.plan.relative_to(folder)),
            plan_table=str(placed.table.relative_to(folder)) if placed.table else None,
            input_sha256=digest.hexdigest(), options=options)
        await run_in_threadpool(self.jobs.submit, check_id)
        return check_id

    # ---------------------------------------------------------------------- answering

    def lookup(self, check_id: str):
        if not check_id or set(check_id) - _ID_CHARS or len(check_id) > 64:
            return None
        return self.history.get(check_id)

    def as_json(self, check) -> dict:
        """The check as the API gives it, but for its `result` (see `result_file`)."""
        out = {"id": check.id, "status": check.status, "progress": round(check.progress, 3),
               "stage": check.stage, "created": check.created, "standard": check.standard,
               "input_sha256": check.input_sha256, "files": check.files,
               "result": None, "error": check.error if check.status == "failed" else None}
        if check.status == "done":
            out["files_url"] = {name: f"/api/checks/{check.id}/{name}" for name in OUTPUTS}
        return out

    def result_file(self, check) -> Path | None:
        path = self.history.folder(check.id) / "out" / "results.json"
        return path if check.status == "done" and path.is_file() else None


# A district's results.json runs to tens of megabytes (10,000 parcels: 32 MB): it is sent as
# it lies on disk, in pieces, never parsed and written again (a second per request, and its
# size many times over in memory).
_RESULT_PIECE = 1 << 20


def _check_response(envelope: dict, result: Path | None) -> Response:
    if result is None:
        return JSONResponse(envelope)
    head = json.dumps({k: v for k, v in envelope.items() if k != "result"},
                      ensure_ascii=False, separators=(",", ":"))[:-1] + ',"result":'

    def body():
        yield head.encode("utf-8")
        with open(result, "rb") as fh:
            while piece := fh.read(_RESULT_PIECE):
                yield piece
        yield b"}"

    return StreamingResponse(body(), media_type="application/json")


def _plan_options(form) -> dict:
    """The command line's --coords, --crs and --as-of: points picked off 高德/腾讯 (gcj02)
    or 百度 (bd09), the CRS of layers that declare none, the day whose rules apply. Only
    what was given is kept."""
    from .projection import WEB_MAP_SYSTEMS, user_crs

    options = {}
    coords = str(form.get("coords") or "").strip()
    if coords:
        if coords not in WEB_MAP_SYSTEMS:
            raise PlanError(Problem("coords", N_("unknown web-map coordinate system"),
                                    found=repr(coords), expected=", ".join(WEB_MAP_SYSTEMS)))
        options["coords"] = coords
    crs = str(form.get("crs") or "").strip()
    if crs:
        user_crs(crs, source="crs")  # refused here, as a request it cannot take
        options["crs"] = crs
    as_of = str(form.get("as_of") or "").strip()
    if as_of:  # --as-of: the rules in force on a day (a submission of that day, re-checked)
        try:
            as_of = _dt.date.fromisoformat(as_of).isoformat()
        except ValueError:
            raise PlanError(Problem("as_of", N_("not a date"), found=repr(as_of),
                                    expected=N_("YYYY-MM-DD"))) from None
        options["as_of"] = as_of
    return options


def _problems_json(exc: ComplianceError, lang: str) -> dict:
    from .jobs import _problems

    t = Translator(lang)
    return {"error": t.gettext(N_("The request could not be taken.")),
            "problems": _problems(exc, lang)}


def create_app(data_dir: str | Path | None = None, *, workers: int = 2,
               max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB, jobs: Jobs | None = None,
               resume: bool = True) -> Starlette:
    desk = Desk(Path(data_dir) if data_dir else default_data_dir(), workers, max_upload_mb, jobs)

    def page(lang: str, status: int = 200, **context) -> HTMLResponse:
        from .views.html import _typeset, environment
        from .vocabulary import META_FIELDS, SIGNATORIES

        t = Translator(lang)
        groups: dict[str, list] = {}
        for s in desk.standards:
            key = t.pick(s.province, s.province_en) or t.pick(s.place, s.place_en)
            groups.setdefault(key, []).append(
                {"id": s.id, "label": f"{t.pick(s.place, s.place_en)} · "
                                      f"{t.pick(s.title, s.title_en)} ({s.id})"})
        names = {s.id: t.pick(s.place, s.place_en) for s in desk.standards}
        history = [{"id": h.id, "created": _when(h.created), "files": ", ".join(h.files),
                    "standard": names.get(h.standard, h.standard), "status": h.status,
                    "status_label": t.gettext(_STATUS_WORDS[h.status]),
                    "result": _summary_text(t, h.summary) if h.summary else "",
                    "sha": h.input_sha256} for h in desk.history.recent(50)]
        html = environment(lang).get_template("serve.html.j2").render(
            lang=lang, html_lang="zh-CN" if lang == "zh" else "en",
            title=t.gettext(N_("Eldercare facility review desk")),
            standard_groups=sorted(groups.items()), chosen=context.pop("chosen", None),
            meta_fields=[(k, t.pick(*META_FIELDS[k])) for k in META_FIELDS
                         if k not in SIGNATORIES],
            history=history, outputs=list(OUTPUTS),
            standard_names={s.id: t.pick(s.place, s.place_en) for s in desk.standards},
            **{"check": None, "refresh": False, "problems": [], "error": "", **context})
        return HTMLResponse(_typeset(html, lang), status_code=status,
                            headers={"Content-Security-Policy": _CSP})

    async def home(request: Request):
        lang = _lang(request)
        if request.method == "GET":
            return page(lang)
        try:
            check_id = await desk.accept(request, lang, meta_from_fields=True)
        except _TooLarge:
            t = Translator(lang)
            return page(lang, 413, error=t.gettext(N_("The upload is larger than the limit.")),
                        problems=[{"message": f"≤ {desk.max_bytes // (1024 * 1024)} MB"}])
        except ComplianceError as exc:
            body = _problems_json(exc, lang)
            return page(lang, 400, error=body["error"], problems=body["problems"])
        return RedirectResponse(f"/checks/{check_id}?lang={lang}", status_code=303)

    async def check_page(request: Request):
        lang = _lang(request)
        check = desk.lookup(request.path_params["id"])
        if check is None:
            return page(lang, 404, error=Translator(lang).gettext(N_("No such check.")),
                        problems=[])
        t = Translator(lang)
        return page(lang, check=check, created=_when(check.created),
                    refresh=check.status in ("queued", "running"),
                    status_label=t.gettext(_STATUS_WORDS[check.status]),
                    stage_label=t.gettext(_STAGE_WORDS.get(check.stage, check.stage)),
                    summary_text=_summary_text(t, check.summary) if check.summary else "")

    async def api_standards(request: Request):
        return JSONResponse([{"id": s.id, "title": s.title, "title_en": s.title_en,
                              "place": s.place, "place_en": s.place_en, "level": s.level,
                              "province": s.province} for s in desk.standards])

    async def api_checks(request: Request):
        lang = _lang(request)
        if request.method == "GET":
            try:
                limit = min(max(int(request.query_params.get("limit", 50)), 1), 1000)
            except ValueError:
                return JSONResponse({"error": "limit is a whole number", "problems": []}, 400)
            rows = await run_in_threadpool(desk.history.recent, limit)
            return JSONResponse([{k: v for k, v in desk.as_json(c).items() if k != "result"}
                                 | {"summary": c.summary} for c in rows])
        try:
            check_id = await desk.accept(request, lang, meta_from_fields=False)
        except _TooLarge:
            return JSONResponse({"error": f"the upload exceeds {desk.max_bytes:,} bytes",
                                 "problems": []}, status_code=413)
        except ComplianceError as exc:
            return JSONResponse(_problems_json(exc, lang), status_code=400)
        return JSONResponse({"id": check_id, "status": "queued",
                             "url": f"/api/checks/{check_id}"}, status_code=202)

    async def api_check(request: Request):
        check = await run_in_threadpool(desk.lookup, request.path_params["id"])
        if check is None:
            return JSONResponse({"error": "no such check", "problems": []}, status_code=404)
        return _check_response(desk.as_json(check), desk.result_file(check))

    async def api_file(request: Request):
        check = desk.lookup(request.path_params["id"])
        name = request.path_params["name"]
        from .views.html import is_table_page_name

        # A district's report.html is its overview; the parcel table's pages lie beside it.
        table_page = is_table_page_name(name)
        if check is None or (name not in OUTPUTS and not table_page):
            return JSONResponse({"error": "no such file", "problems": []}, status_code=404)
        if check.status != "done":
            return JSONResponse({"error": f"the check is {check.status}", "problems": []},
                                status_code=409)
        path = desk.history.folder(check.id) / "out" / name
        if table_page and not path.is_file():
            return JSONResponse({"error": "no such file", "problems": []}, status_code=404)
        media = {"report.html": "text/html; charset=utf-8", "report.pdf": "application/pdf",
                 "results.json": "application/json", "results.csv": "text/csv; charset=utf-8",
                 "results.gpkg": "application/geopackage+sqlite3"}.get(
                     name, "text/html; charset=utf-8")
        headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                   "img-src data:; frame-ancestors 'self'", "X-Content-Type-Options": "nosniff"}
        if name != "report.html" and not table_page:
            headers["Content-Disposition"] = f'attachment; filename="{check.id[:8]}-{name}"'
        return FileResponse(path, media_type=media, headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if resume:
            await run_in_threadpool(desk.jobs.resume)
        yield
        desk.jobs.shutdown()

    app = Starlette(routes=[
        Route("/", home, methods=["GET", "POST"]),
        Route("/checks/{id}", check_page),
        Route("/api/standards", api_standards),
        Route("/api/checks", api_checks, methods=["GET", "POST"]),
        Route("/api/checks/{id}", api_check),
        Route("/api/checks/{id}/{name}", api_file),
    ], lifespan=lifespan)
    app.state.desk = desk
    return app


def _when(stamp: str) -> str:
    """2026-11-23T22:37:18+00:00 → 2026-11-23 22:37 UTC."""
    return stamp[:16].replace("T", " ") + " UTC" if stamp.endswith("+00:00") else stamp


def _summary_text(t: Translator, summary: dict) -> str:
    return t.gettext(N_("Parcels: {parcels} (compliant {compliant}, non-compliant "
                        "{non_compliant}, incomplete {incomplete})")).format(**summary)


def serve(host: str, port: int, data_dir: Path, workers: int, max_upload_mb: float) -> None:
    import uvicorn

    app = create_app(data_dir, workers=workers, max_upload_mb=max_upload_mb)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)

