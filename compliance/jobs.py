"""Checks run off the request path, in worker processes: one check, start to finish, per
call of `run_check`, writing the same files the command line writes and recording its
progress and outcome in the history.

A check whose input is bad ends `failed` with its problems; a check that raises anything else,
or whose worker dies, ends `failed` with a message; none is left `running`.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from . import _process
from ._i18n import N_
from .history import History
from .vocabulary import FIELDS_FILE

# The files of a finished check, as the command line writes them: name → view format.
OUTPUTS = {"report.html": "html", "report.pdf": "pdf", "results.json": "json",
           "results.csv": "csv", "results.gpkg": "gpkg"}
# A check started this many times (restarts, crashed workers) is failed, not run again.
MAX_ATTEMPTS = 3


def _problems(exc, lang: str, names: dict[str, str] | None = None) -> list[dict]:
    """The problems as the API and the page show them, in the user's language; `names` turns
    the server's paths back into the names the user knows."""
    from ._i18n import Translator

    t = Translator(lang)
    out = []
    for p in _as_uploaded(exc.problems, names or {}):
        d = {k: v for k, v in p.as_dict().items() if k in ("file", "layer", "feature", "field",
                                                           "line", "found", "expected")}
        d["message"] = t.problem(p)
        out.append(d)
    return out


def _as_uploaded(problems, names: dict[str, str]) -> list:
    """The problems with the server's paths said as the names the user uploaded (`_names`)."""
    from dataclasses import replace

    out = []
    for p in problems:
        for path, name in names.items():
            if p.file.startswith(path):
                p = replace(p, file=name + p.file[len(path):])
                break
        out.append(p)
    return out


def run_check(data_dir: str, check_id: str) -> str:
    """Run one accepted check (in a worker process) and record its outcome."""
    from ._errors import ComplianceError

    history = History(data_dir)
    check = history.get(check_id)
    if check is None:
        return "missing"
    history.update(check_id, status="running", progress=0.05, stage="reading")
    folder = history.folder(check_id)
    try:
        summary = _run(history, check, folder)
    except ComplianceError as exc:
        from ._i18n import Translator

        t = Translator(check.lang)
        history.update(check_id, status="failed", progress=1.0, stage="failed",
                       error={"error": t.gettext(N_("The plan could not be checked.")),
                              "problems": _problems(exc, check.lang, _names(check, folder))})
        return "failed"
    except Exception as exc:  # noqa: BLE001 - a bug must end the check, not the worker
        history.update(check_id, status="failed", progress=1.0, stage="failed",
                       error={"error": f"internal error: {type(exc).__name__}: {exc}",
                              "problems": []})
        return "failed"
    history.update(check_id, status="done", progress=1.0, stage="done", summary=summary)
    return "done"


def _names(check, folder: Path) -> dict[str, str]:
    """Server paths → what the user uploaded: the plan file by its uploaded name, a ZIP's
    layer files by the ZIP's name and their own."""
    inputs = str(folder / "input")
    unpacked = folder / "input" / "plan"  # a ZIP's members, named by the rule below
    names = {}
    if (folder / check.plan).parent != unpacked:
        names[str(folder / check.plan)] = check.files[0]
    if check.plan_table and (folder / check.plan_table).parent != unpacked:
        names[str(folder / check.plan_table)] = check.files[-1]
    fields = [f for f in check.files if Path(f).suffix.lower() in (".yaml", ".yml")]
    if fields:
        names[str(folder / "input" / FIELDS_FILE)] = fields[0]
    names[inputs + "/plan/"] = (check.files[0] + "/") if len(check.files) == 1 else ""
    names[inputs + "/"] = ""
    return dict(sorted(names.items(), key=lambda kv: -len(kv[0])))


def _run(history: History, check, folder: Path) -> dict:
    from . import workflow
    from .settings import Options
    from .standard import load_standard
    from .views import model as view_model

    standard = load_standard(check.standard, as_of=check.options.get("as_of"))
    plan_path = folder / check.plan
    table = str(folder / check.plan_table) if check.plan_table else None
    fields = folder / "input" / FIELDS_FILE
    options = Options(distance=check.distance, coords=check.options.get("coords"),
                      crs=check.options.get("crs"), as_of=check.options.get("as_of"))
    plan = workflow.load_plan(str(plan_path), standard, table=table, crs=options.crs,
                              coords=options.coords,
                              fields=str(fields) if fields.is_file() else None)
    # The report names the plan as the user knows it, never by the server's path.
    from dataclasses import replace

    plan = replace(plan, source=" + ".join(check.files), name=Path(check.files[0]).stem,
                   problems=_as_uploaded(plan.problems, _names(check, folder)))
    history.update(check.id, progress=0.3, stage="checking")
    from ._validate import report_meta

    result = workflow.run(plan, standard, options, meta=report_meta(check.meta, "meta"))
    history.update(check.id, progress=0.7, stage="writing")
    model = view_model.build(result, check.lang)
    out = folder / "out"
    out.mkdir(exist_ok=True)
    written = set()
    # A district: its overview and printed summary, as `compliance batch` writes them.
    if len(model.parcels) > workflow.FULL_REPORT_PARCELS:
        from . import io
        from .views import html as html_view
        from .views import pdf as pdf_view

        builder = html_view.ReportBuilder(model)
        links = ["" for _ in model.parcels]
        workflow.write_overview(builder, out, links, name="report.html")
        io.write_atomic(out / "report.pdf", pdf_view.render_index(builder, links))
        written = {"report.html", "report.pdf"}
    for name, fmt in OUTPUTS.items():
        if name not in written:
            workflow.write_model(model, str(out / name), fmt)
    return dict(result.summary)


class Jobs:
    """The worker pool: accepted checks go in, outcomes go to the history. A worker that dies
    fails its check, and the pool is rebuilt for the others."""

    def __init__(self, data_dir: str | Path, workers: int = 2,
                 target: Callable[[str, str], str] = run_check):
        self.data_dir = str(data_dir)
        self.workers = max(1, int(workers))
        self.target = target
        self.history = History(data_dir)
        self._lock = threading.Lock()
        self._closing = False
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # "spawn": a worker starts clean, not as a copy of a web server with threads.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_start, initargs=(os.getpid(),))

    def submit(self, check_id: str) -> None:
        check = self.history.get(check_id)
        if check is None:
            return
        self.history.update(check_id, attempts=check.attempts + 1)
        with self._lock:
            pool = self._pool
            try:
                future = pool.submit(self.target, self.data_dir, check_id)
            except (BrokenProcessPool, RuntimeError):
                pool = self._pool = self._new_pool()
                future = pool.submit(self.target, self.data_dir, check_id)
        future.add_done_callback(lambda f, cid=check_id, p=pool: self._finished(cid, f, p))

    def _finished(self, check_id: str, future: Future, pool: ProcessPoolExecutor) -> None:
        if future.cancelled() or self._closing:
            return
        exc = future.exception()
        if exc is None:
            return
        if not isinstance(exc, BrokenProcessPool):
            self.history.fail_if_unfinished(check_id, {
                "error": f"the check stopped unexpectedly: {type(exc).__name__}",
                "problems": []})
            return
        # A worker died. Every check the pool held fails with it, the culprit among them:
        # each is run again in a new pool, and one that kills its worker again is failed.
        with self._lock:
            if self._pool is pool:
                self._pool = self._new_pool()
        check = self.history.get(check_id)
        if check is None or check.status not in ("queued", "running"):
            return
        if check.attempts >= MAX_ATTEMPTS:
            self.history.fail_if_unfinished(check_id, {
                "error": "the check stopped the worker that ran it (it crashed) "
                         f"{check.attempts} times; it was not run again", "problems": []})
            return
        self.history.update(check_id, status="queued", stage="queued", progress=0.0)
        self.submit(check_id)

    def resume(self) -> int:
        """After a restart: every check left queued or running is run again (or failed after
        MAX_ATTEMPTS), never left running forever."""
        n = 0
        for check in self.history.unfinished():
            if check.attempts >= MAX_ATTEMPTS:
                self.history.fail_if_unfinished(check.id, {
                    "error": "the check was interrupted too often and was stopped",
                    "problems": []})
                continue
            self.history.update(check.id, status="queued", stage="queued", progress=0.0)
            self.submit(check.id)
            n += 1
        return n

    def shutdown(self) -> None:
        """Stop now: a server's stop (a restart, an upgrade) never waits for a district's
        check to end. Queued checks stay queued and a running one is left running, in the
        history: the next start runs them again (resume)."""
        with self._lock:
            self._closing = True
            pool = self._pool
        # The workers themselves: shutdown(wait=False) lets a running check go on, and the
        # interpreter's exit then waits for it (a 10,000-parcel check: minutes).
        # (ProcessPoolExecutor.terminate_workers from Python 3.14; its _processes before.)
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(5)


def _worker_start(server_pid: int) -> None:
    _process.configure()
    _end_with(server_pid)


def _end_with(server_pid: int) -> None:
    """In a worker: end when the server ends, however it ends. A server killed outright
    (SIGKILL, the OOM killer) cannot stop its workers, and each would otherwise wait for work
    for ever, holding its memory. A watcher sees the worker handed to a new parent and ends
    it within a second. (Not PR_SET_PDEATHSIG: Linux sends that when the *thread* that
    started the worker ends, and a web server's threads come and go.)"""

    def watch():
        while os.getppid() == server_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="end-with-server").start()
