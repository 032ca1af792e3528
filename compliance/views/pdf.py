"""PDF view: the HTML report typeset on A4 by WeasyPrint (CSS paged media): page numbers
"第 X 页 共 Y 页", the project and report number in the running header, tables that break
between rows with their header repeated, the conclusion kept with its signatures. The same
HTML prints the same way from a browser; this view adds no figure of its own."""

from __future__ import annotations

import subprocess
import sys
import threading

from .. import _process
from .._errors import OutputError, Problem
from .._i18n import N_
from ._typeset import typeset as _pdf
from .html import ReportBuilder
from .model import Model


def render(model: Model) -> bytes:
    """The whole report: every parcel, the district figures, the conclusion."""
    return _pdf(ReportBuilder(model).full())


# A printed district summary lists this many parcels, problems first; every parcel is in
# results.xlsx and results.csv beside it.
PRINTED_ROWS = 50


def index_html(builder: ReportBuilder, links: list[str]) -> str:
    """The page a batch's district summary (report.pdf) is typeset from."""
    return builder.index(links, rows_limit=PRINTED_ROWS, printed=True)


def render_index(builder: ReportBuilder, links: list[str]) -> bytes:
    """A batch's district summary (report.pdf)."""
    return _pdf(index_html(builder, links))


_COMMAND = (sys.executable, "-m", "compliance.views._typeset")


class Typesetter:
    """WeasyPrint in a fresh process of its own, started when a batch starts.

    Loading WeasyPrint takes most of a second and typesetting the district summary two more;
    here both happen while the batch reads, checks and writes its other files. A fresh
    process, not a fork: it holds WeasyPrint and one page, never a copy of the district
    (a forked copy's memory counted the whole plan, 750 MiB at 10,000 parcels against the
    batch's own 690)."""

    def __init__(self, name: str = "report.pdf"):
        self.name = name
        self._proc = subprocess.Popen(_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)
        self._thread: threading.Thread | None = None
        self._answer: tuple[bytes, bytes] | BaseException | None = None

    def start(self, html: str) -> None:
        """Hand over the page; the process typesets it while the caller goes on."""
        page = html.encode("utf-8")
        data = len(page).to_bytes(8, "big") + page

        def talk():
            _process.leave_signals_to_the_main_thread()
            try:
                self._answer = self._proc.communicate(data)
            except BaseException as exc:  # noqa: BLE001 - raised by pdf()
                self._answer = exc

        self._thread = threading.Thread(target=talk, daemon=True)
        self._thread.start()

    def pdf(self) -> bytes:
        """The typeset PDF; an OutputError with WeasyPrint's words if it failed."""
        while self._thread.is_alive():  # awake for a signal's handler (_process.WAKE_S)
            self._thread.join(_process.WAKE_S)
        if isinstance(self._answer, BaseException):
            raise self._answer
        out, err = self._answer
        if self._proc.returncode != 0 or not out:
            words = err.decode("utf-8", "replace").strip().splitlines()
            raise OutputError(Problem(self.name, N_("the PDF could not be typeset"),
                                      found=words[-1] if words else
                                      f"exit code {self._proc.returncode}"))
        return out

    def __enter__(self) -> "Typesetter":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """End the process if it still runs (a batch leaving early)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        if self._thread is not None:
            self._thread.join()


def render_parcel(builder: ReportBuilder, parcel: dict) -> bytes:
    return _pdf(builder.single(parcel))
