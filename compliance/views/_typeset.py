"""HTML to PDF with WeasyPrint; run as `python -m compliance.views._typeset`, it reads the HTML
(its length in 8 bytes first) on standard input and writes the PDF on standard output (see
pdf.Typesetter).

It imports WeasyPrint and nothing of the district, so the process that runs it stays small."""

from __future__ import annotations

import logging
import sys


def typeset(html: str) -> bytes:
    import weasyprint

    # WeasyPrint reports the CSS it does not support (the screen-only rules) on its logger.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=None).write_pdf()


def main() -> int:
    import weasyprint  # noqa: F401  (loaded while the batch still reads and checks)

    # The page comes with its length first: read to that length, not to the pipe's end, which
    # a forked copy of the batch holding the pipe open would put off.
    size = int.from_bytes(sys.stdin.buffer.read(8), "big")
    html = sys.stdin.buffer.read(size).decode("utf-8")
    try:
        pdf = typeset(html)
    except Exception as exc:  # noqa: BLE001 - its words go to the batch, which reports them
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        return 1
    sys.stdout.buffer.write(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
