"""Regenerate the HTML, JSON and CSV reports of every sample: `python scripts/sample_reports.py`.

Writes reports/samples/<sample>.zh.html, .en.html, .json and .csv (linked from the README).
"""

from __future__ import annotations

import sys
from pathlib import Path

from compliance import workflow
from compliance.context import Options
from compliance.standard import load_standard

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {
    "dongying-compliant": "dongying", "dongying-shared": "dongying", "zunyi-failing": "zunyi",
    "changzhou-existing": "changzhou", "tongchuan-phased": "tongchuan",
    "x-district-rural": "x-district",
}


def main() -> int:
    out = ROOT / "reports" / "samples"
    for name, city in SAMPLES.items():
        standard = load_standard(city)
        plan = workflow.load_plan(str(ROOT / "samples" / f"{name}.geojson"), standard)
        plan.source = f"samples/{name}.geojson"
        result = workflow.run(plan, standard, Options())
        for lang in ("zh", "en"):
            workflow.write(result, str(out / f"{name}.{lang}.html"), "html", lang)
        workflow.write(result, str(out / f"{name}.json"), "json", "zh")
        workflow.write(result, str(out / f"{name}.csv"), "csv", "zh")
        print(f"{name:<22} {city:<11} {result.summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
