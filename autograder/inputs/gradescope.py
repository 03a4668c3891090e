"""Gradescope's "Export Submissions": `submission_metadata.yml` beside one `submission_<id>/` folder per submission.

The metadata is YAML with Ruby-symbol keys (`:submitters:` with `:name:`, `:sid:`, `:email:`; `:created_at:`),
read with PyYAML in safe mode. Ruby's own tags (`!ruby/object:...`), which Gradescope's exports may carry, are read
as the plain data under them; nothing in the file can construct a Python object. Metadata that cannot be read, or
a folder it does not list, costs only the identities: every submission is still graded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from autograder.inputs.candidate import Candidate, Found, relative, stem
from autograder.inputs.choose import is_notebook, pick_notebook
from autograder.inputs.identity import Origin, Submitter
from autograder.inputs.tree import File, UnreadableFile, display

METADATA = "submission_metadata.yml"
MAX_FIELD = 200  # characters kept of any one metadata value


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, reading any local tag (Ruby's `!ruby/object:BigDecimal` ...) as plain data."""


def _plain(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("!", _plain)


def metadata_base(files: list[File]) -> int | None:
    """How many parts lead to the folder holding submission_metadata.yml (at the top or one folder down).

    A file inside an archive the input holds is something a student uploaded, never the LMS's metadata: it must
    not decide what the input is (every '.zip' below the input is opened as an archive, see tree)."""
    depths = [
        len(f.parts) - 1
        for f in files
        if f.name == METADATA and len(f.parts) <= 3 and not any(p.lower().endswith(".zip") for p in f.parts[1:-1])
    ]
    return min(depths) if depths else None


def _field(record: dict[str, Any], key: str) -> Any:
    return record.get(f":{key}", record.get(key))


def _text(value: Any) -> str | None:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
        return display(str(value).strip())[:MAX_FIELD]
    return None


def _submitters(record: dict[str, Any]) -> tuple[Submitter, ...]:
    people = _field(record, "submitters")
    people = people if isinstance(people, list) else []
    return tuple(
        Submitter(name=_text(_field(p, "name")), email=_text(_field(p, "email")), sid=_text(_field(p, "sid")))
        for p in people
        if isinstance(p, dict)
    )


def read_metadata(file: File) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The metadata by folder name, and a sentence when it could not be read (then it is empty)."""
    try:
        data = yaml.load(file.read(), Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except UnreadableFile as exc:
        return {}, str(exc)
    except Exception as exc:  # noqa: BLE001 - malformed YAML raises many kinds, deep nesting RecursionError
        return {}, f"it is not YAML that can be read ({type(exc).__name__})"
    if not isinstance(data, dict):
        return {}, "it does not map submission folders to their metadata"
    return {str(k): v for k, v in data.items() if isinstance(v, dict)}, None


def export_submissions(files: list[File], base: int, top: str, assignment: str) -> Found:
    """One candidate per submission folder (and per metadata entry without one), named after its submitters."""
    found = Found()
    metadata_file = next(f for f in files if len(f.parts) == base + 1 and f.name == METADATA)
    metadata, problem = read_metadata(metadata_file)
    if problem:
        found.notes.append(f"{metadata_file.path}: {problem}; its submissions are graded without their students.")
    folders: dict[str, list[File]] = {}
    for file in files:
        if len(file.parts) > base + 1:
            folders.setdefault(file.parts[base], []).append(file)
        elif is_notebook(file.name):  # beside the submission folders: graded, but nobody's
            note = f"{relative(file, 1)} is not in a submission folder, so it is graded without a student."
            found.notes.append(note)
            origin = Origin(f"{top}/{relative(file, 1)}", notes=(note,))
            found.candidates.append(Candidate(stem(file.name), file.parts[-2], origin, file))
    here = "/".join((top, *metadata_file.parts[1:base]))  # the folder holding the submission folders
    for folder in sorted(set(folders) | set(metadata)):
        record = metadata.get(folder, {})
        people = _submitters(record)
        origin = Origin(f"{here}/{folder}", people, _text(_field(record, "created_at")))
        label = "+".join(p.name for p in people if p.name) or folder
        if folder not in folders:
            problem = f"Gradescope's metadata lists {folder}, but the export has no folder for it."
            found.candidates.append(Candidate(label, folder, origin, problem=problem))
            continue
        if metadata and folder not in metadata:
            found.notes.append(f"{here}/{folder} is not in {METADATA}, so its students are unknown.")
        inside = folders[folder]
        pick = pick_notebook([relative(f, base + 1) for f in inside], assignment)
        if pick.index is None:
            found.candidates.append(Candidate(label, folder, origin, problem=pick.note))
            continue
        chosen = inside[pick.index]
        notes = (pick.note,) if pick.note else ()
        origin = Origin(f"{top}/{relative(chosen, 1)}", people, origin.submitted_at, notes=notes)
        found.candidates.append(Candidate(label, folder, origin, chosen))
    return found
