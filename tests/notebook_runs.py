"""Reading a notebook run in a real kernel (autograder.authoring.verify.run_notebook): what its cells printed, the
numbers an experiment printed, and what each `grader.check("<question>")` cell said. Each assignment's
test_notebooks_run.py checks its own notebooks with them."""

from __future__ import annotations

import re

from autograder.authoring.verify import NotebookRun, problems


def printed(run: NotebookRun) -> str:
    """Everything the run's code cells printed, in order."""
    return "".join(out.get("text", "") for cell in run.notebook.cells if cell.cell_type == "code" for out in cell.outputs)


def numbers(text: str, pattern: str) -> list[float]:
    """The numbers pattern's groups capture in text (the first match)."""
    match = re.search(pattern, text)
    assert match, f"the notebook printed nothing matching {pattern!r}"
    return [float(x) for x in match.groups()]


def check_outputs(run: NotebookRun) -> dict[str, str]:
    """What each `grader.check("<question>")` cell printed, by question."""
    return {
        re.match(r'grader\.check\("(\w+)"\)', cell.source)[1]: "".join(out.get("text", "") for out in cell.outputs)
        for cell in run.notebook.cells
        if cell.cell_type == "code" and cell.source.startswith("grader.check(")
    }


def passed_every_public_check(question: str, text: str) -> bool:
    return re.fullmatch(rf"\[{question}\] public checks passed \((\d+) of \1\)\. Hidden tests run at grading\.\n", text) is not None


def passed_no_public_check(question: str, text: str) -> bool:
    """The template's honest answer: none passed, and never a claim that all did."""
    return (text.startswith(f"[{question}] 0 of ") and "public checks passed. Hidden tests run at grading." in text
            and "All test cases passed" not in text)  # fmt: skip


def assert_fails_only_at_its_stubs(run: NotebookRun) -> None:
    """The template runs to the end, and the only errors are its stubs' NotImplementedError."""
    assert problems(run, "template") == []
    assert run.errors, "the template's stubs should raise NotImplementedError"
    assert {e.name for e in run.errors} == {"NotImplementedError"}
    assert all("not implemented yet" in e.value for e in run.errors)
