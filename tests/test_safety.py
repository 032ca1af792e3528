"""Nothing lost, nothing overwritten, and no input makes it fall over (issue: nothing lost).

Tried as a careless or hostile user would: outputs that name inputs, devices, pipes and links;
interrupted and concurrent batches; numbers that are not numbers; standard files and plans
built to break the reader."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance._errors import ComplianceError
from compliance.cli import main
from compliance.io import read_plan
from compliance.plan import build_plan
from compliance.standard import load_standard

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "dongying-compliant.geojson"
SHARED = ROOT / "samples" / "dongying-shared.geojson"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# ---------------------------------------------------------------- outputs never destroy

def test_output_equal_to_the_input_is_refused(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_bytes(SAMPLE.read_bytes())
    out = invoke("check", plan, "--city", "dongying", "-o", plan, "--format", "json")
    assert out.exit_code == 2 and "would overwrite an input" in out.output
    assert plan.read_bytes() == SAMPLE.read_bytes()


def test_output_through_a_link_to_the_input_is_refused(tmp_path):
    plan = tmp_path / "plan.geojson"
    plan.write_bytes(SAMPLE.read_bytes())
    link = tmp_path / "report.json"
    link.symlink_to(plan)
    out = invoke("check", plan, "--city", "dongying", "-o", link)
    assert out.exit_code == 2 and plan.read_bytes() == SAMPLE.read_bytes()


def test_gpkg_output_equal_to_the_gpkg_input_is_refused(tmp_path):
    src = ROOT / "samples" / "beijing-xueqing-osm.gpkg"
    plan = tmp_path / "p.gpkg"
    plan.write_bytes(src.read_bytes())
    out = invoke("check", plan, "--city", "national", "-o", plan)
    assert out.exit_code == 2 and plan.read_bytes() == src.read_bytes()


def test_dev_null_is_written_to_not_replaced():
    out = invoke("check", SAMPLE, "--city", "dongying", "-o", "/dev/null", "--format", "json")
    assert out.exit_code == 0, out.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_to_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = {}

    def read():
        with open(fifo, "rb") as fh:
            got["data"] = fh.read()

    reader = threading.Thread(target=read)
    reader.start()
    out = invoke("check", SAMPLE, "--city", "dongying", "-o", fifo, "--format", "json")
    reader.join(timeout=30)
    assert out.exit_code == 0, out.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(got["data"])["summary"]["compliant"] == 1


def test_a_link_to_a_report_keeps_the_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert invoke("check", SAMPLE, "--city", "dongying", "-o", link).exit_code == 0
    assert link.is_symlink() and json.loads(real.read_text(encoding="utf-8"))["summary"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_disk_is_reported():
    out = invoke("check", SAMPLE, "--city", "dongying", "-o", "/dev/full", "--format", "json")
    assert out.exit_code == 2 and "the disk is full" in out.output


def test_a_file_size_limit_is_reported_and_leaves_no_part_file(tmp_path):
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))\n"
        "from compliance.cli import main\n"
        f"sys.argv = ['compliance', 'check', {str(SHARED)!r}, '--city', 'dongying', "
        f"'-o', {str(tmp_path / 'r.html')!r}]\n"
        "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "too large" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == []


def test_an_overlong_output_name_is_a_clear_error(tmp_path):
    out = invoke("check", SAMPLE, "--city", "dongying", "-o", tmp_path / ("x" * 300 + ".json"))
    assert out.exit_code == 2 and "too long" in out.output


# ---------------------------------------------------------------- batches: old or new, whole

def _batch(out, plan=SHARED):
    return invoke("batch", plan, "--city", "dongying", "-o", out, "--no-parcel-reports")


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_interrupted_batch_leaves_the_old_output_whole(tmp_path, monkeypatch):
    out = tmp_path / "district"
    assert _batch(out).exit_code == 1
    before = _snapshot(out)
    from compliance.views import json as json_view

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(json_view, "chunks", interrupted)
    res = _batch(out, SAMPLE)
    assert res.exit_code == 130
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["district"]


def _start_batch(cwd: Path, patch: str, *args: str) -> subprocess.Popen:
    """`compliance batch` of the sample in a process of its own, after `patch` (Python
    lines, with os, sys and time imported) has changed part of it."""
    script = ("import os, sys, time\n" + patch + "from compliance.cli import main\n"
              f"sys.argv = ['compliance', 'batch', {str(SAMPLE)!r}, '--city', 'dongying', "
              f"*{list(args)!r}]\nmain()\n")
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd)


def test_sigterm_leaves_the_old_output_whole_and_exits_143(tmp_path):
    out = tmp_path / "district"
    assert _batch(out).exit_code == 1
    before = _snapshot(out)
    # A batch whose parcel pages are slow; terminated while it writes them.
    proc = _start_batch(tmp_path, (
        "from compliance.views import html\n"
        "real = html.ReportBuilder.single\n"
        "def slow(self, *a, **k):\n"
        "    time.sleep(0.5)\n"
        "    return real(self, *a, **k)\n"
        "html.ReportBuilder.single = slow\n"), "-o", str(out))
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".district.new-*/parcels")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["district"]


def test_sigterm_while_report_pdf_is_typeset_beside_stops_both_processes(tmp_path):
    """report.pdf is typeset in a process of its own while the batch goes on: SIGTERM to the
    batch ends that process too, and leaves nothing behind."""
    out = tmp_path / "district"
    assert _batch(out).exit_code == 1
    before = _snapshot(out)
    pid_file = tmp_path.parent / f"{tmp_path.name}-pdf.pid"
    # A typesetter that never finishes.
    hang = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    proc = _start_batch(tmp_path, (
        "from compliance.views import pdf\n"
        f"pdf._COMMAND = (sys.executable, '-c', {hang!r})\n"), "--no-parcel-reports",
        "-o", str(out))
    deadline = time.time() + 60
    while time.time() < deadline and not pid_file.exists():
        time.sleep(0.05)
    # Until the batch has written the rest and waits for the PDF.
    while time.time() < deadline and not list(tmp_path.glob(".district.new-*/results.json")):
        time.sleep(0.05)
    child = int(pid_file.read_text())
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["district"]
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    pid_file.unlink()


def test_a_signal_another_thread_takes_still_stops_the_wait_for_report_pdf():
    """The kernel hands SIGTERM to any thread that does not block it, and Python runs the
    handler only in the main thread: waiting on the typesetter, the batch wakes to run it
    (the suite once saw a batch sleep through SIGTERM until its typesetter ended)."""
    script = (
        "import signal, sys, threading, time\n"
        "from compliance.views import pdf\n"
        "pdf._COMMAND = (sys.executable, '-c', 'import time; time.sleep(30)')\n"
        "def stop(*_): raise SystemExit(143)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "typesetter = pdf.Typesetter()\n"
        "typesetter.start('<p>x</p>')\n"
        "other = threading.Thread(target=time.sleep, args=(30,), daemon=True)\n"
        "other.start()\n"
        "threading.Timer(0.5, signal.pthread_kill, (other.ident, signal.SIGTERM)).start()\n"
        "try:\n"
        "    typesetter.pdf()\n"
        "finally:\n"
        "    typesetter.stop()\n")
    start = time.time()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=20)
    assert done.returncode == 143, done.stderr
    assert time.time() - start < 10  # not the typesetter's 30 s


def test_a_failure_typesetting_report_pdf_is_the_batchs_failure(tmp_path, monkeypatch):
    out = tmp_path / "district"
    assert _batch(out).exit_code == 1
    before = _snapshot(out)
    from compliance.views import pdf

    # The typesetting process reads the page, then fails with WeasyPrint's words.
    monkeypatch.setattr(pdf, "_COMMAND", (sys.executable, "-c", (
        "import sys; sys.stdin.buffer.read(); "
        "sys.stderr.write('OSError: no space left on the device\\n'); sys.exit(1)")))
    res = _batch(out, SAMPLE)
    assert res.exit_code == 2 and "no space left" in res.output
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["district"]


def test_a_second_batch_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "district"
    with open(tmp_path / ".district.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = _batch(out)
    assert res.exit_code == 2 and "another batch is writing" in res.output
    assert not out.exists()


def test_a_folder_of_the_users_own_is_never_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    res = _batch(out)
    assert res.exit_code == 2 and "no batch wrote" in res.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"


def test_a_batch_replaces_its_own_earlier_output_whole(tmp_path):
    out = tmp_path / "district"
    assert _batch(out).exit_code == 1
    assert invoke("batch", SAMPLE, "--city", "dongying", "-o", out).exit_code == 0
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["summary"]["parcels"] == 1 and len(list((out / "parcels").glob("*"))) == 1


def test_ctrl_c_exits_130(monkeypatch):
    from compliance import workflow

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(workflow, "run", interrupted)
    assert invoke("check", SAMPLE, "--city", "dongying").exit_code == 130


# ---------------------------------------------------------------- numbers from options

@pytest.mark.parametrize("option, value", [
    ("--facility-area", "nan"), ("--facility-area", "inf"), ("--facility-area", "1e308"),
    ("--radius", "inf"), ("--radius", "nan"), ("--walk-speed", "nan"),
    ("--land-area", "nan"), ("--households-existing", "1e24"), ("--facility-area", "20,5"),
])
def test_option_numbers_are_finite_and_in_range(option, value):
    args = ["check", "--city", "zunyi", "--households-new", "100", "--facility-area", "30"]
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    out = invoke(*args)
    assert out.exit_code == 2 and f"Invalid value for '{option}'" in out.output


# ---------------------------------------------------------------- standard files

@pytest.mark.parametrize("text, words", [
    ("rules:\n  area_per_households:\n    params: {rate_new: .inf, rate_existing: 15}\n",
     "not a finite number"),
    ("rules:\n  area_per_households:\n    params: {rate_new: 1.0e+308, rate_existing: 15}\n",
     "value out of range"),
    ("assumptions:\n  walking_speed_km_h: .inf\n", "not a finite number"),
    ("rules:\n  first_phase: {}\n  first_phase: {}\n", "given twice"),
    ("title: [a, b]\n", "must be text"),
    ("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "aliases"),
    ("? [a, b]\n: 1\n", "a key must be"),
    ("x: " + "[" * 20000 + "]" * 20000 + "\n", "nested too deeply"),
])
def test_standard_files_are_checked(tmp_path, text, words):
    path = tmp_path / "s.yaml"
    path.write_text("id: s\nextends: national\ndocument: {title: t}\n" + text, encoding="utf-8")
    out = invoke("standards", "validate", path)
    assert out.exit_code == 2 and words in out.output, out.output


def test_a_standard_id_cannot_name_a_path(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("id: ../../../escaped\nextends: national\ndocument: {title: t}\n",
                    encoding="utf-8")
    out = invoke("check", "--standard", path, "--households-new", "1", "--facility-area", "1",
                 "--format", "json")
    assert out.exit_code == 2 and "an id is lower-case" in out.output
    assert not (ROOT.parent / "escaped.json").exists()


# ---------------------------------------------------------------- plans built to break

def _geojson(tmp_path, text):
    path = tmp_path / "p.geojson"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, words", [
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
     '{"layer": "parcel", "id": "P", "households_new": 1}, "geometry": {"type": "Point", '
     '"coordinates": [NaN, 1]}}]}', "RFC 8259"),
    ('{"type": "FeatureCollection", "features": [' + "[" * 50000 + "]" * 50000 + "]}",
     "nested too deeply"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": "parcel",'
     ' "geometry": null}]}', "'properties' must be a JSON object"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
     '{"layer": "parcel", "id": "P", "households_new": ' + "9" * 400 + '}, "geometry": '
     '{"type": "Polygon", "coordinates": [[[106.9, 27.7], [106.91, 27.7], [106.91, 27.71], '
     '[106.9, 27.7]]]}}]}', "implausibly large"),
])
def test_hostile_geojson_is_refused_clearly(tmp_path, text, words):
    out = invoke("check", _geojson(tmp_path, text), "--city", "zunyi")
    assert out.exit_code == 2 and words in out.output, out.output
    assert "internal error" not in out.output


def test_many_distinct_property_names_stay_small(tmp_path):
    # 20,000 buildings, each with a property name of its own: only the format's fields are
    # kept, so the frame has a handful of columns, not 20,000.
    feats = [{"type": "Feature", "properties": {"layer": "parcel", "id": "P",
                                                "households_new": 10},
              "geometry": {"type": "Polygon", "coordinates": [[[106.9, 27.7], [106.95, 27.7],
                                                               [106.95, 27.75], [106.9, 27.7]]]}}]
    for i in range(20_000):
        feats.append({"type": "Feature", "properties": {"layer": "building", "households": 1,
                                                        f"note_{i}": "x"},
                      "geometry": {"type": "Point", "coordinates": [106.94, 27.71]}})
    path = _geojson(tmp_path, json.dumps({"type": "FeatureCollection", "features": feats}))
    raw = read_plan(path)
    assert raw.layers["buildings"].shape[1] <= 5


def test_csv_defuses_every_formula_start(tmp_path):
    from compliance.views.csv import defuse

    for text in ("=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"):
        assert defuse(text) == "'" + text
    assert defuse("P-1") == "P-1" and defuse(-1.0) == -1.0


def test_control_characters_cannot_rewrite_the_terminal(tmp_path):
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    parcel = next(f for f in doc["features"] if f["properties"]["layer"] == "parcel")
    parcel["properties"]["name"] = "\r\x1b[2J evil"
    out = invoke("check", _geojson(tmp_path, json.dumps(doc)), "--city", "dongying")
    assert "\x1b[2J" not in out.output and "\\x1b[2J" in out.output


# ---------------------------------------------------------------- fuzzing the readers

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=12)
coordinates = st.lists(st.tuples(st.floats(-200, 200), st.floats(-100, 100)), min_size=0,
                       max_size=5).map(lambda pts: [list(p) for p in pts])
features = st.fixed_dictionaries({
    "type": st.sampled_from(["Feature", "feature", 3]),
    "properties": st.one_of(json_values, st.fixed_dictionaries({
        "layer": st.sampled_from(["parcel", "facility", "building", "street", "x", None]),
        "id": json_values, "households_new": json_values, "floor_area_m2": json_values,
        "kind": st.sampled_from(["community_station", "日间照料中心", "?", None]),
        "parcel_id": json_values})),
    "geometry": st.one_of(json_values, st.fixed_dictionaries({
        "type": st.sampled_from(["Point", "Polygon", "LineString", "Blob"]),
        "coordinates": st.one_of(coordinates, coordinates.map(lambda c: [c]), json_values)})),
})


@FUZZ
@given(doc=st.fixed_dictionaries({"type": st.just("FeatureCollection"),
                                  "features": st.lists(features, max_size=6)}) | json_values)
def test_fuzzed_geojson_raises_only_the_tools_own_errors(tmp_path, doc):
    path = tmp_path / "fuzz.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        build_plan(read_plan(path), strict=False)
    except ComplianceError:
        pass


yaml_scalars = st.one_of(st.integers(-10, 10**6), st.floats(allow_nan=True), st.text(max_size=5),
                         st.just(".inf"), st.just("[1, 2]"), st.just("{a: 1}"), st.just("*x"))


@FUZZ
@given(rule=st.sampled_from(["area_per_households", "service_radius", "minimum_area", "nope"]),
       param=st.sampled_from(["rate_new", "minutes_urban", "min_floor_area_m2", "x"]),
       value=yaml_scalars, title=yaml_scalars, extra=st.text(max_size=20))
def test_fuzzed_standard_files_raise_only_the_tools_own_errors(tmp_path, rule, param, value,
                                                               title, extra):
    path = tmp_path / "fuzz.yaml"
    path.write_text(f"id: fuzz\nextends: national\ntitle: {title}\ndocument: {{title: t}}\n"
                    f"rules:\n  {rule}:\n    params:\n      {param}: {value}\n{extra}\n",
                    encoding="utf-8")
    try:
        load_standard(str(path))
    except ComplianceError:
        pass


def test_a_page_written_into_a_batch_folder_never_replaces_a_file(tmp_path):
    """write_new writes straight into a folder swapped in whole (no temporary name, no fsync
    a file): a second file of the same name is an error, never a page silently lost."""
    from compliance import io
    from compliance._errors import OutputError

    io.write_new(tmp_path / "p.html", "一")
    with pytest.raises(OutputError):
        io.write_new(tmp_path / "p.html", "二")
    assert (tmp_path / "p.html").read_text(encoding="utf-8") == "一"
