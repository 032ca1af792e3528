"""Helpers shared by the rules: a finding frame is one row per finding, built vectorised.

Core columns: `parcel` (or `facility`), `status`, `required`, `provided`, `shortfall`,
`message`, `formula`, `fix` (English msgids, rendered by the views in the report's language),
plus any number of argument columns that the messages refer to; `notes` and `details` are
optional object columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..settings import TOLERANCE
from ..vocabulary import Status


@dataclass(frozen=True)
class Evaluation:
    """What a rule decides: its findings, and for the rule that defines the walking radius,
    the radius of each parcel and which household points lie within it."""

    findings: pd.DataFrame
    radius_m: np.ndarray | None = None   # per parcel
    covered: np.ndarray | None = None    # per coverage point


def judge(required: np.ndarray, provided: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pass/fail and shortfall for "provided ≥ required", judged on the figures as reported
    (to 0.01), so that reprojection noise never fails a parcel the report shows passing."""
    required = np.round(required, 2)
    provided = np.round(provided, 2)
    shortfall = np.maximum(required - provided, 0.0)
    status = np.where(provided + TOLERANCE >= required, Status.PASS.value, Status.FAIL.value)
    return status, np.where(status == Status.FAIL, shortfall, 0.0)


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def pick(conditions: list, choices: list, default) -> np.ndarray:
    return np.select(conditions, choices, default=default)


def joined_per_parcel(links: pd.DataFrame, mask, column: str, n: int) -> np.ndarray:
    """Per parcel, the `column` values of its link rows where `mask` holds, joined with ", "
    ("F1, F3"); "" for a parcel with none. What a message names (late facilities, small
    sites), from (parcel, facility) link rows."""
    out = np.full(n, "", dtype=object)
    chosen = links[np.asarray(mask, dtype=bool)]
    if len(chosen):
        text = chosen.groupby("parcel")[column].agg(", ".join)
        out[text.index.to_numpy(dtype=int)] = text.to_numpy()
    return out

