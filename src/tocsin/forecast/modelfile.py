"""The model file: JSON, never pickle.

A model file holds everything ``predict`` needs and everything a reader needs to
trust a forecast: the data file's SHA-256, the target, the base year and the
training cut-off, the parameters, and the library versions. Models are stored as
numbers (the elastic net's coefficients) and text (LightGBM's own model format), so
loading a model file never runs code from it, and a file written by one version of
scikit-learn or pandas still loads with another. Only a different LightGBM major
version, or a newer file format, is refused, with a message saying what to do.
Still, a model file decides the numbers you publish: load only files you made or
whose origin you trust.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

from tocsin.atomic import write_atomic
from tocsin.errors import InputError, Problem
from tocsin.forecast.estimators import MODELS, model_from_dict, model_to_dict

FORMAT = "tocsin-forecast-model"
# The newest format this Tocsin reads. Version 2 added the model kinds "rank" and
# "rank-ensemble"; a file of the older kinds is still written as version 1, so a
# Tocsin that reads only version 1 keeps loading it, and refuses a version-2 file
# with "upgrade Tocsin" instead of failing inside it.
FORMAT_VERSION = 2
KIND_FORMAT = {"rank": 2, "rank-ensemble": 2}


def _format_version(model_doc: dict) -> int:
    """The oldest format that can hold ``model_doc`` (an ensemble: its members too)."""
    kinds = [model_doc.get("kind")] + [m.get("kind") for m in model_doc.get("members", [])]
    return max(KIND_FORMAT.get(k, 1) for k in kinds)


def library_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("tocsin", "numpy", "pandas", "scikit-learn", "lightgbm"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[name] = None
    return out


def save_model(path, model, *, target, base_year: int, train_until: int, train_rows: int,
               train_years: list[int], train_onsets: int, data_file: str,
               data_sha256: str) -> dict:
    model_doc = model_to_dict(model)
    doc = {
        "format": FORMAT,
        "format_version": _format_version(model_doc),
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "libraries": library_versions(),
        "data": {"file": Path(data_file).name, "sha256": data_sha256},
        "target": target.column,
        "target_name": target.name,
        "base_year": base_year,
        "train_until": train_until,
        "train_rows": train_rows,
        "train_years": train_years,  # the rows actually used: outcomes may end before the cut
        "train_onsets": train_onsets,
        "features": list(model.features),
        "model": model_doc,
    }
    write_atomic(Path(path), json.dumps(doc, indent=1))
    return doc


def read_header(path) -> dict:
    """Read and check a model file without building the model."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Problem(name, "no such model file")) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError):
        raise InputError(Problem(name, "not a Tocsin forecast model file (cannot read it as "
                                       "text; model files are JSON, made by "
                                       "`tocsin forecast train`)")) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(name, f"not a Tocsin forecast model file (not JSON: {exc.msg})",
                                 line=exc.lineno)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(Problem(name, "not a Tocsin forecast model file (no "
                                       f"\"format\": \"{FORMAT}\")"))
    fv = doc.get("format_version")
    if not isinstance(fv, int) or fv > FORMAT_VERSION:
        raise InputError(Problem(name, f"model file format {fv!r} is newer than this Tocsin "
                                       f"reads ({FORMAT_VERSION}); upgrade Tocsin or retrain "
                                       "with `tocsin forecast train`"))
    made = (doc.get("libraries") or {}).get("lightgbm") or ""
    have = library_versions()["lightgbm"] or ""
    if made.split(".")[0] != have.split(".")[0]:
        raise InputError(Problem(name, f"model file was made with LightGBM {made or '?'}, "
                                       f"this installation has {have}; retrain it with "
                                       "`tocsin forecast train`"))
    for key in ("target", "base_year", "features", "model"):
        if key not in doc:
            raise InputError(Problem(name, f"damaged model file: no {key!r}"))
    return doc


def load_model(path):
    """Return ``(model, header)``; raise InputError for anything unusable."""
    doc = read_header(path)
    kind = doc["model"].get("kind") if isinstance(doc["model"], dict) else None
    if kind not in MODELS:
        raise InputError(Problem(str(path), f"model kind {kind!r} is not one this Tocsin "
                                            f"knows ({', '.join(MODELS)}); upgrade Tocsin or "
                                            "retrain with `tocsin forecast train`"))
    try:
        model = model_from_dict(doc["model"])
    except Exception as exc:  # any damage inside the model document
        raise InputError(Problem(str(path), "damaged model file: cannot rebuild the model "
                                            f"({exc.__class__.__name__}: {exc})")) from exc
    return model, doc
