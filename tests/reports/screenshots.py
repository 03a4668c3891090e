"""Regenerate docs/report.png and docs/feedback.png from a real batch: `python -m tests.reports.screenshots`.

Grades the batch of tests/reports/real_batch.py, writes its pages with `autograder report`, and photographs the
top of the class report and one student's feedback page in headless Chromium; refuses if a page has a problem.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.reports import real_batch
from tests.reports.browser import chromium, open_page

DOCS = Path(__file__).resolve().parents[2] / "docs"
SHOTS = {
    "report.png": ("report.html", (1280, 1800)),
    "feedback.png": ("A1-no-bias-correction/feedback.html", (1280, 1300)),
}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = real_batch.grade(real_batch.write_submissions(Path(tmp) / "submissions"), Path(tmp) / "graded")
        subprocess.run([sys.executable, "-m", "autograder.cli", "report", str(out)], check=True)
        with chromium() as browser:
            for name, (page, viewport) in SHOTS.items():
                check = open_page(browser, out / page, viewport, full_page=False)
                if check.problems:
                    print(f"{page}: " + "; ".join(check.problems), file=sys.stderr)
                    return 1
                (DOCS / name).write_bytes(check.screenshot)
                print(f"wrote {DOCS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
