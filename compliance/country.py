"""A plan spanning several places (a province's projects, a country's compounds), each parcel
judged by the standard of the place its field names (`compliance batch --place-field 城市`).

A place is judged by a standard of its own: 遵义 by zunyi, 常州 by changzhou. A place without
one (武汉, whose province's standard is hubei) is judged by the standard covering it only when
the user asks so (`--covering-standard`: 红花岗区 by its city's zunyi, 武汉 by hubei, a place
no standard covers by the national one), else by the standard the user names beside the field
(`--city national`), each said as such; without either, its parcels are not checked, and the
overview says which standard covers it, as `--city 武汉` would. A city may set rules its
province does not: the covering standard is never taken in its stead unasked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ._errors import Problem, StandardError
from ._i18n import N_
from . import places
from .standard import (COVERED_BY, Standard, covering, load_standard,
                       place_without_standard, standard_covering, standard_id_for,
                       standards_dir)

NO_PLACE = N_("the parcel's place field is blank")
NAMES_NO_PLACE = N_("these words name no place of China with a standard")
USE_COVERING_BESIDE = N_("--covering-standard, to judge each place without a standard of its "
                         "own by the one covering it ({id} for {place}), where none sets rules "
                         "of its own; or --city national beside --place-field")


# How a place's standard was found: its own, the one given beside the field, the covering one.
OWN, FALLBACK, COVERING = "own", "fallback", "covering"


@dataclass
class Group:
    """The parcels one standard judges: its places as the field gives them, in first-seen
    order, each with how its standard was found (OWN, FALLBACK, COVERING), and the parcels'
    positions in the plan."""
    standard: Standard
    places: dict[str, str] = field(default_factory=dict)
    positions: list[int] = field(default_factory=list)

    def places_by(self, how: str) -> list[str]:
        return [place for place, found in self.places.items() if found == how]


@dataclass
class Unchecked:
    """Parcels left unchecked for their place: the words, why, and what to do."""
    place: str | None
    problem: Problem
    positions: list[int] = field(default_factory=list)


def group_by_place(place_of: list[str | None], fallback: Standard | None,
                   as_of: str | None = None, by_covering: bool = False
                   ) -> tuple[list[Group], list[Unchecked]]:
    """The parcels (their places, in plan order) grouped by the standard that judges each,
    in the order each standard is first met; and those no standard judges."""
    groups: dict[str, Group] = {}
    unchecked: dict[str | None, Unchecked] = {}
    decided: dict[str | None, tuple[Standard, str] | Unchecked] = {}
    loaded: dict[str, Standard | StandardError] = {}  # many places share one standard
    for position, given in enumerate(place_of):
        place = shown(given)
        if place not in decided:
            decided[place] = _decide(given, fallback, as_of, by_covering, loaded)
        judge = decided[place]
        if isinstance(judge, Unchecked):
            unchecked.setdefault(place, judge).positions.append(position)
            continue
        standard, how = judge
        # By file: a standard of the user's own may bear a shipped one's id.
        group = groups.setdefault(str(Path(standard.path).resolve()), Group(standard))
        group.places.setdefault(place if place is not None else "—", how)
        group.positions.append(position)
    return list(groups.values()), list(unchecked.values())


def shown(place: str | None) -> str | None:
    """A place as the overview names it: as given, a code with its division's name."""
    division = places.by_code(place) if place is not None else None
    return f"{division.name}（{place}）" if division is not None else place


def _decide(place: str | None, fallback: Standard | None, as_of: str | None,
            by_covering: bool, loaded: dict) -> tuple[Standard, str] | Unchecked:
    """The standard that judges a place's parcels and how it was found, or why none does."""
    division = places.by_code(place) if place is not None else None
    named = shown(place)
    if division is not None:  # a code (520300): the division it names, by its full name
        own = standard_id_for(places.full_name(division))
    else:
        own = standard_id_for(place) if place is not None else None
    how = OWN
    if own is None and by_covering and place is not None:
        divisions = (division,) if division is not None else places.find(place)
        if len(divisions) == 1:  # several (朝阳区): which one is meant is not guessed
            own, how = standard_covering(divisions[0])[1] or "national", COVERING
    if own is not None:
        if fallback is not None and _same_file(fallback.path, standards_dir() / f"{own}.yaml"):
            return fallback, how
        if own not in loaded:
            try:
                loaded[own] = load_standard(own, as_of=as_of)
            except StandardError as exc:  # a shipped standard that cannot be read
                loaded[own] = exc
        if isinstance(loaded[own], StandardError):
            return Unchecked(named, loaded[own].problems[0])
        return loaded[own], how
    if fallback is not None:
        return fallback, FALLBACK
    if place is None:
        return Unchecked(None, Problem("—", NO_PLACE, expected=N_(
            "the parcel's place, or a standard for every place without one of its own "
            "(--city national)")))
    covered = covering(named, (division,)) if division is not None \
        else place_without_standard(place)
    if covered is None:
        return Unchecked(named, Problem(place, NAMES_NO_PLACE, expected=N_(
            "a city or province as 遵义市 or 贵州省, or its code as 520300, or a standard "
            "for every place without one of its own (--city national)")))
    if covered.message == COVERED_BY:
        # The standard covering it may be named beside the field, or taken for each place.
        covered = replace(covered, expected=USE_COVERING_BESIDE)
    return Unchecked(named, covered)


def _same_file(a, b) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def folder_names(groups: list[Group]) -> list[str]:
    """Each group's folder: its standard's id, numbered where two bear one (a standard of the
    user's own named as a shipped one)."""
    names: list[str] = []
    for group in groups:
        name, n = group.standard.id, 1
        while name in names:
            n += 1
            name = f"{group.standard.id}-{n}"
        names.append(name)
    return names

