"""Turn the PATHs given to `autograder grade` into submissions: notebooks, folders, zips, and LMS exports.

Each PATH is one of: a notebook (any file named directly is graded as one); a folder or zip of notebooks; a
Gradescope "Export Submissions" zip or folder (it holds submission_metadata.yml); a Canvas "Download Submissions"
zip or folder (its files are named by Canvas). Names are made unique across all PATHs together (see naming).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from autograder.inputs import canvas, gradescope
from autograder.inputs.candidate import Candidate, Found, relative, stem
from autograder.inputs.choose import is_notebook
from autograder.inputs.identity import Origin
from autograder.inputs.naming import unique_names
from autograder.inputs.tree import File, display, list_files


@dataclass(frozen=True)
class Named:
    name: str  # unique in the batch, safe as a folder name and a spreadsheet cell
    candidate: Candidate


def _plain(files: list[File], top: str, given: Path) -> Found:
    """Every notebook of a folder or zip that no LMS made, named after itself, told apart by its folder."""
    found = Found()
    for file in files:
        if len(file.parts) == 1 or is_notebook(file.name):
            context = file.parts[-2] if len(file.parts) > 1 else display(given.absolute().parent.name)
            source = f"{top}/{relative(file, 1)}" if len(file.parts) > 1 else top
            found.candidates.append(Candidate(stem(file.name), context, Origin(source), file))
    return found


def discover(path: Path, assignment: str) -> Found:
    """The submissions in one PATH (FileNotFoundError when it does not exist)."""
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"{path} does not exist; give notebooks, folders or LMS exports to grade.")
    top = display(str(path))
    files = list_files(path)
    container = path.is_dir() or path.name.lower().endswith(".zip")
    if container and len(files) == 1 and len(files[0].parts) == 1:  # a zip that could not be opened
        return Found([Candidate(stem(files[0].name), top, Origin(top), problem=files[0].problem)])
    if container and (base := gradescope.metadata_base(files)) is not None:
        return gradescope.export_submissions(files, base, top, assignment)
    if container and canvas.is_canvas_download(files):
        return canvas.download_submissions(files, top, assignment)
    return _plain(files, top, path)


def find_submissions(paths: list[Path], assignment: str) -> tuple[list[Named], list[str]]:
    """Every submission under `paths`, each with its unique name, and sentences for the instructor."""
    found = Found()
    for path in dict.fromkeys(Path(os.path.abspath(p)) for p in paths):  # a PATH given twice is graded once
        found.extend(discover(path, assignment))
    names = unique_names([(c.label, c.context) for c in found.candidates])
    return [Named(n, c) for n, c in zip(names, found.candidates)], found.notes
