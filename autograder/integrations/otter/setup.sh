#!/usr/bin/env bash
# Otter's grading image runs this once (`otter grade` and Gradescope alike). It is otter 7's own setup.sh without
# the two things this assignment never uses: LaTeX/pandoc (no PDFs are made) and playwright's chromium.
# torch comes from PyTorch's CPU index (see requirements.txt), never as PyPI's CUDA build.
set -e

export DEBIAN_FRONTEND=noninteractive
apt-get clean
apt-get update
apt-get install -y wget

if [ "$(uname -p)" = "arm" ] || [ "$(uname -p)" = "aarch64" ]; then arch=aarch64; else arch=x86_64; fi
wget -nv "https://github.com/conda-forge/miniforge/releases/download/@MINIFORGE@/Miniforge3-Linux-$arch.sh" \
    -O /autograder/source/mamba_install.sh
chmod +x /autograder/source/mamba_install.sh
/autograder/source/mamba_install.sh -b
echo "export PATH=/root/miniforge3/bin:\$PATH" >> /root/.bashrc

export PATH=/root/miniforge3/bin:$PATH
export TAR="/bin/tar"

mamba env create -f /autograder/source/environment.yml
mamba install -n otter-env -c conda-forge nb_conda_kernels
mamba shell init --shell bash

# On Gradescope the whole zip is here already: install this project (graders and reference) into the image now.
# `otter grade` adds files/ after this script, so there run_autograder installs it instead.
if [ -f /autograder/source/files/@WHEEL@ ]; then
    mamba run -n otter-env pip install --no-deps --no-index /autograder/source/files/@WHEEL@
fi
