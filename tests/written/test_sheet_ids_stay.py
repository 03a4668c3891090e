"""Answer ids are handed out once: after submissions join the batch (a late export graded into the same folder), the
pages still show each answer under the id its row of the kept written_scores.csv has, and the new submissions get
rows of their own. Otherwise a grader reading a page fills in another student's row."""

import csv
import re

from autograder.written.answers import Answer
from autograder.written.workflow import write_written
from tests.written.test_pages_and_scores import ANSWERS, Q1, Q2, fill, graded_folder

LATE = {f"late_{n}": {Q1.id: Answer(f"late answer {n}", "tag"), Q2.id: Answer("", "tag")} for n in range(6)}


def sheet_ids(out) -> dict[str, str]:
    rows = list(csv.DictReader(out.path("written_scores.csv").open(encoding="utf-8")))
    return {r["submission"]: r["answer_id"] for r in rows if r["submission"] != "Points Possible"}


def page_ids(out, answers) -> dict[str, str]:
    """The id each answer is shown under on Q1's page, found by the answer's text."""
    page = out.path(f"written_{Q1.id}.html").read_text(encoding="utf-8")
    plain = {}
    for answer_id, article in re.findall(r'<article class="answer" id="(A\d+)"(.*?)</article>', page, re.S):
        if box := re.search(r'<div class="box">(.*?)</div>', article, re.S):
            plain[answer_id] = re.sub(r"<[^>]+>", "", box[1]).strip()
    texts = {a[Q1.id].text.replace("*", ""): name for name, a in answers.items() if a[Q1.id].text}
    return {texts[text]: answer_id for answer_id, text in plain.items() if text in texts}


def test_ids_in_a_kept_sheet_stay_with_their_submissions_and_new_ones_get_rows(tmp_path):
    out = graded_folder(tmp_path)
    write_written(out, "optim_reg", [Q1, Q2])
    before = sheet_ids(out)
    fill(out, {"alice_smith": {"w_momentum": "3"}})

    everyone = ANSWERS | LATE
    graded_folder(tmp_path, everyone)  # the same folder, graded again with late submissions added
    fill(out, {})  # graded_folder does not touch the sheet; still holds alice's score
    write_written(out, "optim_reg", [Q1, Q2])

    after = sheet_ids(out)
    assert {n: after[n] for n in before} == before, "a kept sheet's ids never move"
    assert set(after) == set(everyone) and len(set(after.values())) == len(everyone)
    assert page_ids(out, everyone) == {n: after[n] for n in page_ids(out, everyone)}
    assert set(page_ids(out, everyone)) >= {"alice_smith", *LATE}
    rows = {r["submission"]: r for r in csv.DictReader(out.path("written_scores.csv").open(encoding="utf-8"))}
    assert rows["alice_smith"]["w_momentum"] == "3", "the scores already entered are kept"
