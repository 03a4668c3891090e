#!/usr/bin/env bash
# Runs once, as root, when the grading image is built: by `otter grade` (otter's Dockerfile, on its base image, by
# default Ubuntu 22.04) and by Gradescope. Otter 7's own setup.sh downloads Miniforge from GitHub and solves a conda
# environment; this one needs neither: the base image's own Python 3 (3.10 or newer) gets a venv, torch's CPU build
# comes from PyTorch's index and everything else from PyPI. No PDF is ever made: no LaTeX, pandoc or chromium.
# AUTOGRADER_ROOT and AUTOGRADER_VENV are for this project's tests; grading images leave them unset.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
venv="${AUTOGRADER_VENV:-@VENV@}"

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv
python3 -m venv "$venv"

@CPU_TORCH@

install_cpu_torch "$venv/bin/python"
# otter-grader with its kernel, and what this project needs besides torch (requirements.txt).
"$venv/bin/pip" install --no-cache-dir -r "$root/source/requirements.txt"
# On Gradescope the whole zip is here already: install this project (graders and reference) now, and prove its graders
# import, or fail the build. `otter grade` adds files/ and run_otter.py only after this script; there run_otter.py
# does the same in each container, before grading.
if [ -f "$root/source/run_otter.py" ]; then
    "$venv/bin/python" "$root/source/run_otter.py" --install-only
fi
refuse_cuda_torch "$venv/bin/python"
