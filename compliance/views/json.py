"""JSON view: the machine contract (RESULT-FORMAT.md), the view model's `data` as it is.
Stable key order, no timestamps outside the `run` block, so the same input and options give
the same bytes."""

from __future__ import annotations

import json
import math
from typing import Iterator

from .model import Model


def _clean(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _dumps(value) -> str:
    # The view model holds no NaN or infinity as a rule; the copy that nulls them is made
    # only when one is there (a copy of 10,000 parcels costs more than the encoding).
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(_clean(value), ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"))


def chunks(model: Model) -> Iterator[str]:
    """The document in pieces, a parcel at a time, for a writer that streams: the same
    characters as `render`, without holding them all (50,000 parcels: 125 MB of text)."""
    # No indent: only then does json use its C encoder (10× faster at 10,000 parcels);
    # `python -m json.tool` or any viewer indents it for reading.
    yield "{"
    for n, (key, value) in enumerate(model.data.items()):
        yield ("," if n else "") + _dumps(key) + ":"
        if isinstance(value, list) and len(value) > 1:
            yield "["
            for i, item in enumerate(value):
                yield ("," if i else "") + _dumps(item)
            yield "]"
        else:
            yield _dumps(value)
    yield "}\n"


def render(model: Model) -> str:
    return "".join(chunks(model))
