"""Refresh the message catalogue: `python scripts/update_catalogue.py`.

Extracts every N_()/_() message from the package and templates (babel.cfg), merges it into
compliance/locale/zh_CN/LC_MESSAGES/messages.po keeping existing translations, and lists the
messages still untranslated. Translate those in the .po file by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from compliance._i18n import compiled

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "compliance" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
POT = ROOT / "build" / "messages.pot"


def main() -> int:
    POT.parent.mkdir(exist_ok=True)
    subprocess.run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-k", "_", "-k", "_say", "-k", "_h",
                    "--no-location", "--omit-header", "-o", str(POT), "."], cwd=ROOT, check=True)
    if PO.exists():
        subprocess.run(["pybabel", "-q", "update", "-i", str(POT), "-o", str(PO), "-l", "zh_CN",
                        "--no-fuzzy-matching", "--omit-header", "--ignore-obsolete"], cwd=ROOT,
                       check=True)
    else:
        subprocess.run(["pybabel", "-q", "init", "-i", str(POT), "-o", str(PO), "-l", "zh_CN"],
                       cwd=ROOT, check=True)
    with open(PO, "rb") as fh:
        missing = [m.id for m in read_po(fh) if m.id and not m.string]
    for m in missing:
        print("untranslated:", m)
    # The compiled catalogue the package reads (a test keeps it equal to the .po).
    PO.with_suffix(".mo").write_bytes(compiled(PO, "zh"))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
