"""`autograder report`: a class report and a feedback page per submission, written into a graded folder.

Exit status 2 for a usage error (no such folder, no results in it).
"""

from __future__ import annotations

import argparse
import sys

from autograder.reports.pages import write_pages


def main(args: argparse.Namespace) -> int:
    try:
        written = write_pages(args.dir, reveal_hidden=args.reveal_hidden, root=args.root)
    except FileNotFoundError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {written[0]} and {len(written) - 1} feedback pages (<submission>/feedback.html)")
    if not args.reveal_hidden:
        print("Feedback pages show public checks only; pass --reveal-hidden once grades are published.")
    return 0
