# --- torch, the CPU build only: the same in both zips' setup.sh (from autograder/integrations/cpu_torch.sh) ---
# PyPI's torch for Linux is the CUDA build: gigabytes of nvidia-* packages that never run where notebooks are graded.
# pip takes it silently whenever PyTorch's CPU index cannot be reached and another index offers torch. So pip is first
# asked what it would install, the build stops if that is CUDA, and the environment is checked again at the end.
# AUTOGRADER_TORCH_INDEX is for this project's tests; grading images leave it unset.
cpu_torch_index="${AUTOGRADER_TORCH_INDEX:-@CPU_INDEX@}"

# refuse_cuda_torch PYTHON [PIP_REPORT]: exit 1, saying why, if pip's report (what it would install) or else the
# environment of PYTHON (what it has) holds a CUDA build of torch.
refuse_cuda_torch() {
    "$1" - "$cpu_torch_index" ${2:+"$2"} << 'PYTHON'
import importlib.metadata, json, sys

index, *report = sys.argv[1:]
if report:
    with open(report[0], encoding="utf-8") as f:
        found = [(item["metadata"]["name"], item["metadata"]["version"]) for item in json.load(f)["install"]]
    verb = "would install"
else:
    found = [(dist.metadata["Name"], dist.version) for dist in importlib.metadata.distributions()]
    verb = "installed"
cuda = {
    f"{name}=={version}"
    for name, version in found
    if name.lower().startswith(("nvidia-", "triton")) or (name.lower() == "torch" and "+cu" in version)
}
if cuda:
    cuda |= {f"{name}=={version}" for name, version in found if name.lower() == "torch"}
    sys.exit(
        f"setup.sh: pip {verb} torch's CUDA build or CUDA libraries ({', '.join(sorted(cuda))}): gigabytes that never "
        f"run here. This happens when PyTorch's CPU index ({index}) cannot be reached and another index offers torch. "
        "Let the machine that builds the grading image reach that index (and drop other indexes from pip's "
        "configuration), then build again."
    )
PYTHON
}

# install_cpu_torch PYTHON: torch @TORCH@ from PyTorch's CPU index into PYTHON's environment, never a CUDA build.
install_cpu_torch() {
    local plan
    plan="$(mktemp)"
    "$1" -m pip install --quiet --no-cache-dir "pip>=23.2"  # for --dry-run --report (Ubuntu 22.04's venv has pip 22.0)
    if ! "$1" -m pip install --quiet --dry-run --report "$plan" --index-url "$cpu_torch_index" "torch==@TORCH@"; then
        echo "setup.sh: pip found no torch @TORCH@ at PyTorch's CPU index ($cpu_torch_index). Let the machine that" \
            "builds the grading image reach that index, then build again." >&2
        exit 1
    fi
    refuse_cuda_torch "$1" "$plan"
    rm -f "$plan"
    "$1" -m pip install --no-cache-dir --index-url "$cpu_torch_index" "torch==@TORCH@"
}
# --- end of the CPU torch part ---
