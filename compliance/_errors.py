"""The tool's own errors. Anything else escaping to the command line is a bug."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7f) if c != 0x0a} | \
    {c: f"\\u{c:04x}" for c in range(0x80, 0xa0)}


def safe_text(text) -> str:
    """Text from the input, with control characters shown as escapes: a name holding "\r" or
    an escape sequence cannot overwrite the verdict line in the terminal."""
    return str(text).translate(_CONTROL)


# Where a feature stands in its file, as the readers name it for or beside its id (table.py:
# "row 12", "sheet 'S' row 12"; cad.py: "handle 2F"): one pattern for the label that carries
# it (_validate) and for saying it in Chinese (_i18n).
PLACE_IN_FILE = re.compile(r"(?:sheet '(?P<sheet>[^']*)' )?row (?P<row>\d+)|handle (?P<handle>\S+)")

_ENGLISH = {"line": "line {}", "layer": "layer '{}'", "feature": "feature '{}'",
            "field": "field '{}'", "where": ", ", "colon": ": ", "found": "; found {}",
            "expected": "; expected {}"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    file: str
    message: str
    layer: str | None = None
    feature: str | None = None
    field: str | None = None
    found: str | None = None
    expected: str | None = None
    line: int | None = None
    # "error" drops the feature (or stops a strict run); "warning" is recorded and the run goes on.
    level: str = "error"
    # Figures the message and the expectation name ({maximum}), as (name, text) pairs: filled
    # in after the catalogue has translated the words around them.
    args: tuple = ()

    def __str__(self) -> str:
        return self.describe()

    def _filled(self, text: str) -> str:
        return text.format(**dict(self.args)) if self.args else text

    def describe(self, words: dict | None = None, translate=lambda text: text,
                 place=lambda where: where, name=lambda field: field,
                 places=lambda found: found) -> str:
        """Where, what, found, expected, in the words given (English by default; the
        Translator passes Chinese ones, its catalogue, how it says where a feature stands in
        a table or drawing, how it names a field, and how it says the places a found value
        lists: "sheet '项目' row 2, sheet '项目' row 3")."""
        w = {**_ENGLISH, **(words or {})}
        where = [self.file]
        said = {"feature": place, "field": name}
        for key, value in (("line", self.line), ("layer", self.layer),
                           ("feature", self.feature), ("field", self.field)):
            if value is not None and value != "":
                where.append(w[key].format(said.get(key, str)(value)))
        text = w["where"].join(where) + w["colon"] + self._filled(translate(self.message))
        if self.found is not None:
            text += w["found"].format(places(self.found))
        if self.expected is not None:
            text += w["expected"].format(self._filled(translate(self.expected)))
        return text

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if v is not None and k != "args"}
        if self.args:  # the words of the result format, with their figures
            out["message"] = self._filled(self.message)
            if self.expected is not None:
                out["expected"] = self._filled(self.expected)
        return out


class ComplianceError(Exception):
    """Base class: the command line turns these into a message and exit code 2."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(file="-", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PlanError(ComplianceError):
    """The plan cannot be read or breaks PLAN-FORMAT.md."""


class StandardError(ComplianceError):
    """A standard file is missing, malformed or inconsistent."""


class OutputError(ComplianceError):
    """A result cannot be written where it was asked to go."""
