#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (base image: Ubuntu 22.04).
# The grader gets its own venv: Gradescope's harness needs the system python3 exactly as it is.
# AUTOGRADER_ROOT, AUTOGRADER_VENV and AUTOGRADER_CACHE are for this project's tests; Gradescope leaves them unset.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
venv="${AUTOGRADER_VENV:-@VENV@}"
export AUTOGRADER_CACHE="${AUTOGRADER_CACHE:-@CACHE@}"

apt-get update
apt-get install -y --no-install-recommends python3-venv  # Ubuntu's python3 cannot create a venv without it
python3 -m venv "$venv"

@CPU_TORCH@

# torch first, and only its CPU build (see above). Then the grader itself, from the wheel in this zip, without extras
# (grading needs neither Jupyter nor otter); it needs torch, which is there already.
install_cpu_torch "$venv/bin/python"
"$venv/bin/pip" install --no-cache-dir "$root/source/@WHEEL@"
refuse_cuda_torch "$venv/bin/python"

# Work out the reference solution's results now, once, by grading an empty submission: otherwise every submission
# pays for them, in time and in memory (docs/gradescope.md has the numbers). This also proves the install works.
warm="$(mktemp -d)"
mkdir "$warm/submission"
"$venv/bin/python" -m autograder.integrations.gradescope.run --root "$warm" --assignment @ASSIGNMENT@
rm -rf "$warm"
if [ -z "$(ls -A "$AUTOGRADER_CACHE" 2> /dev/null)" ]; then
    echo "setup.sh: the grader could not grade the reference solution (see its output above); fix that and upload again." >&2
    exit 1
fi

# Students' code runs as another user: it must not read this zip, the hidden graders or the reference solution.
chmod -R go-rwx "$root/source" "$AUTOGRADER_CACHE"
site="$("$venv/bin/python" -c 'import autograder, pathlib; print(pathlib.Path(autograder.__file__).parent.parent)')"
chmod -R go-rwx "$site/assignments" "$site/solutions"
