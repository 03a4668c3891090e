"""The Markdown source format and its rendering into template, solution and reference module."""

import textwrap

import nbformat
import pytest

from autograder.authoring.render import (
    ANSWER_PROMPT,
    CHECKS_METADATA,
    cell_text,
    render_notebook,
    render_reference_module,
    solution_lines,
)
from autograder.authoring.source import SourceCell, SourceError, parse_source

SOURCE = textwrap.dedent(
    '''\
    # Title

    Intro text.
    +++
    Second markdown cell.

    ```python reference
    import math
    ```

    ```python reference
    def area(r):
        """Area of a circle."""
        # BEGIN SOLUTION
        return math.pi * r * r
        # END SOLUTION


    # BEGIN SOLUTION NO PROMPT
    def _helper():
        return 42


    # END SOLUTION
    class Box:
        def __init__(self, side):
            self.kind = "box"
            # BEGIN SOLUTION
            self.side = side
            # END SOLUTION
    ```

    Question: why?

    <!-- BEGIN SOLUTION -->
    Because the model answer says so.
    <!-- END SOLUTION -->

    ```python
    print(area(2.0))
    ```
    '''
)


@pytest.fixture
def cells() -> list[SourceCell]:
    return parse_source(SOURCE)


def test_parse_splits_markdown_and_code_cells(cells):
    assert [(c.kind, c.reference) for c in cells] == [
        ("markdown", False),
        ("markdown", False),
        ("code", True),
        ("code", True),
        ("markdown", False),
        ("code", False),
    ]
    assert cells[0].text == "# Title\n\nIntro text."
    assert cells[5].text == "print(area(2.0))"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("```python\nx = 1\n", "never closed"),
        ("```js\nx = 1\n```\n", "must open with ```python"),
        ("```python solution\nx = 1\n```\n", "must open with ```python"),
    ],
)
def test_parse_rejects_malformed_fences(text, message):
    with pytest.raises(SourceError, match=message):
        parse_source(text, "nb.md")


def test_template_replaces_solutions_with_named_stubs(cells):
    template = cell_text(cells[3], "template", "here")
    assert 'raise NotImplementedError("area: not implemented yet")' in template
    assert 'raise NotImplementedError("Box.__init__: not implemented yet")' in template
    assert "# TODO: replace this line with your code." in template
    assert "math.pi" not in template and "self.side" not in template
    assert "_helper" not in template, "NO PROMPT regions must vanish from the template"
    assert 'self.kind = "box"' in template, "given lines around a region stay"


def test_solution_keeps_code_and_drops_markers(cells):
    solution = cell_text(cells[3], "solution", "here")
    assert "return math.pi * r * r" in solution and "def _helper" in solution
    assert "BEGIN SOLUTION" not in solution and "END SOLUTION" not in solution


def test_markdown_regions_become_answer_prompts(cells):
    assert cell_text(cells[4], "template", "here") == f"Question: why?\n\n{ANSWER_PROMPT}"
    assert cell_text(cells[4], "solution", "here") == "Question: why?\n\nBecause the model answer says so."


def test_stub_executes_and_names_the_function(cells):
    namespace: dict = {}
    for cell in cells[2:4]:
        exec(cell_text(cell, "template", "here"), namespace)
    with pytest.raises(NotImplementedError, match="area"):
        namespace["area"](1.0)
    with pytest.raises(NotImplementedError, match=r"Box\.__init__"):
        namespace["Box"](1.0)


def test_reference_module_holds_only_reference_cells(cells):
    module = render_reference_module(cells, "demo", "assignments/demo/notebook.md")
    namespace: dict = {}
    exec(compile(module, "reference", "exec"), namespace)
    assert namespace["area"](1.0) == pytest.approx(3.141592653589793)
    assert namespace["Box"](3).side == 3
    assert "print(area" not in module
    assert "assignments/demo/notebook.md" in module


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "inside another"),
        ("x = 1\n# END SOLUTION\n", "without a BEGIN"),
        ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
    ],
)
def test_unpaired_markers_are_reported(body, message):
    with pytest.raises(SourceError, match=message):
        cell_text(SourceCell("code", body), "template", "nb.md, cell 3")


def test_solution_lines_lists_every_solution_line(cells):
    lines = solution_lines(cells, "demo")
    assert "    return math.pi * r * r" in lines
    assert "Because the model answer says so." in lines
    assert 'self.kind = "box"' not in [line.strip() for line in lines]


def test_rendered_notebooks_are_valid_and_stable(cells):
    first = nbformat.writes(render_notebook(cells, "template", "demo"))
    assert first == nbformat.writes(render_notebook(cells, "template", "demo"))
    nb = nbformat.reads(first, as_version=4)
    nbformat.validate(nb)
    assert [c.cell_type for c in nb.cells] == ["markdown", "markdown", "code", "code", "markdown", "code"]
    assert nb.metadata.kernelspec.name == "python3"


def test_a_checks_cell_gets_the_generated_code_folded_and_cannot_go_without_it():
    cells = parse_source("```python\nx = 1\n```\n\n```python checks\n```\n")
    nb = render_notebook(cells, "template", "demo", checks="grader = 1")
    assert nb.cells[1].source == "grader = 1" and nb.cells[1].metadata == CHECKS_METADATA
    with pytest.raises(SourceError, match="a checks cell needs the public checks code"):
        render_notebook(cells, "template", "demo")
