"""PDF view: the HTML report typeset on A4 by WeasyPrint (CSS paged media): page numbers
"第 X 页 共 Y 页", the project and report number in the running header, tables that break
between rows with their header repeated, the conclusion kept with its signatures. The same
HTML prints the same way from a browser; this view adds no figure of its own."""

from __future__ import annotations

import logging

from .html import ReportBuilder
from .model import Model


def _pdf(html: str) -> bytes:
    import weasyprint

    # WeasyPrint reports the CSS it does not support (the screen-only rules) on its logger.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=None).write_pdf()


def render(model: Model) -> bytes:
    """The whole report: every parcel, the district figures, the conclusion."""
    return _pdf(ReportBuilder(model).full())


# A printed district summary lists this many parcels, problems first; every parcel is in
# results.xlsx and results.csv beside it.
PRINTED_ROWS = 50


def render_index(builder: ReportBuilder, links: list[str]) -> bytes:
    """A batch's district summary (report.pdf)."""
    return _pdf(builder.index(links, rows_limit=PRINTED_ROWS, printed=True))


def render_parcel(builder: ReportBuilder, parcel: dict) -> bytes:
    return _pdf(builder.single(parcel))
