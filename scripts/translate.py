"""Fill translations into the catalogue from a small Python dict file: a maintainer's aid.

    python scripts/translate.py path/to/new_messages.py   (defines ZH = {msgid: msgstr})
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from compliance._i18n import compiled

PO = Path(__file__).resolve().parent.parent / "compliance/locale/zh_CN/LC_MESSAGES/messages.po"


def main(path: str) -> int:
    new = runpy.run_path(path)["ZH"]
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    for message in catalog:
        if message.id in new and not message.string:
            message.string = new[message.id]
    with open(PO, "wb") as fh:
        write_po(fh, catalog, omit_header=True, no_location=True, width=100)
    PO.with_suffix(".mo").write_bytes(compiled(PO, "zh"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
