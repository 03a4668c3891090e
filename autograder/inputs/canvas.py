"""Canvas's "Download Submissions": files named `<name>[_LATE]_<user id>_<submission id>_<original name>`.

A resubmitted file gets a `-N` suffix (`optim_reg-1.ipynb`) and students' own zips come nested. Each student is
graded once, on their latest notebook: among the notebooks whose name mentions the assignment if there are any,
the one with the highest submission id, then the highest `-N`. A notebook whose name does not follow the pattern
is still graded, without a student, and the instructor is told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from autograder.inputs.candidate import Candidate, Found, relative, stem
from autograder.inputs.choose import is_notebook, mentions, pick_notebook
from autograder.inputs.identity import Origin, Submitter
from autograder.inputs.tree import File

_NAME = re.compile(r"^(?P<name>[^_]+?)(?P<late>_late)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$", re.IGNORECASE)
_RESUBMITTED = re.compile(r"^(?P<stem>.+)-(?P<number>\d+)$")


@dataclass(frozen=True)
class _Upload:
    file: File
    name: str  # the student's name as Canvas writes it ("smithbob")
    user: str
    submission: int
    number: int  # the -N resubmission suffix, 0 without one
    late: bool
    inside: str  # the notebook's path below the top: "<canvas name>" or "<canvas name>.zip/<path in it>"


def is_canvas_download(files: list[File]) -> bool:
    """True when some file at the top of the input is named the way Canvas names downloaded submissions."""
    return any(len(f.parts) >= 2 and _NAME.match(f.parts[1]) for f in files)


def _upload(file: File) -> _Upload | None:
    match = _NAME.match(file.parts[1])
    if not match:
        return None
    original = match["file"]
    resubmitted = _RESUBMITTED.match(stem(original))
    return _Upload(
        file, match["name"], match["user"], int(match["submission"]), int(resubmitted["number"]) if resubmitted else 0,
        bool(match["late"]), relative(file, 1),
    )  # fmt: skip


def _original_stem(upload: _Upload) -> str:
    """The notebook's name without Canvas's prefix, its extension or a -N suffix."""
    name = PurePosixPath(upload.inside).name
    if len(upload.file.parts) == 2:
        name = _NAME.match(name)["file"]  # type: ignore[index] - it matched in _upload
    base = stem(name)
    resubmitted = _RESUBMITTED.match(base)
    return resubmitted["stem"] if resubmitted else base


def _latest(uploads: list[_Upload], assignment: str) -> tuple[_Upload, str]:
    """The student's notebook to grade, and a sentence when there was a choice."""

    def rank(u: _Upload) -> tuple[bool, int, int, str]:
        return not mentions(_original_stem(u), assignment), -u.submission, -u.number, u.inside

    chosen, *others = sorted(uploads, key=rank)
    if not others:
        return chosen, ""
    named = "whose name mentions the assignment " if mentions(_original_stem(chosen), assignment) else ""
    return chosen, (
        f"Canvas holds {len(uploads)} notebooks from this student; graded {chosen.inside}, the latest {named}"
        f"(highest submission id and resubmission number). Not graded: {', '.join(u.inside for u in others)}."
    )


def download_submissions(files: list[File], top: str, assignment: str) -> Found:
    """One candidate per student (their latest notebook), plus one per notebook whose name Canvas did not make."""
    found = Found()
    students: dict[str, list[File]] = {}
    for file in files:
        upload = _upload(file)
        if upload:
            students.setdefault(upload.user, []).append(file)
        elif is_notebook(file.name):
            origin = Origin(f"{top}/{relative(file, 1)}", notes=(
                f"{relative(file, 1)} is not named the way Canvas names submissions "
                "(<name>_<user id>_<submission id>_<file>), so it is graded without a student.",
            ))  # fmt: skip
            found.notes.extend(origin.notes)
            found.candidates.append(Candidate(stem(file.name), file.parts[-2], origin, file))
    for user, own in sorted(students.items(), key=lambda item: int(item[0])):
        uploads = [u for u in map(_upload, own) if u]
        first = uploads[0]
        label, person = f"{first.name}_{user}", (Submitter(name=first.name, canvas_id=user),)
        notebooks = [u for u in uploads if is_notebook(u.file.name)]
        if not notebooks:
            problem = pick_notebook([u.inside for u in uploads], assignment).note
            origin = Origin(f"{top}/{first.inside}", person, late=any(u.late for u in uploads))
            found.candidates.append(Candidate(label, user, origin, problem=problem))
            continue
        chosen, note = _latest(notebooks, assignment)
        origin = Origin(f"{top}/{chosen.inside}", person, late=chosen.late, notes=(note,) if note else ())
        found.candidates.append(Candidate(label, user, origin, chosen.file))
    return found
