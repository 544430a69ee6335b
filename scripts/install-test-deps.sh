#!/usr/bin/env bash
# Installs what amiroll's tests need beyond cargo, and nothing that is already there:
#   - moto's server (the AWS emulator used by tests/ssm_moto.rs and tests/support/moto.rs).
# Safe to run repeatedly. Set AMIROLL_TEST_PYTHON to use another interpreter than python3
# (the tests honour the same variable).
set -euo pipefail

python="${AMIROLL_TEST_PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found; install Python 3 (e.g. apt-get install python3 python3-pip)" >&2
    exit 1
fi

if "$python" -c 'import moto.server' >/dev/null 2>&1; then
    echo "moto server: already installed ($("$python" -c 'import moto; print(moto.__version__)'))"
else
    echo "moto server: installing moto[server] with $python -m pip"
    "$python" -m pip install --quiet 'moto[server]'
    "$python" -c 'import moto.server' # fail loudly if the install did not take
    echo "moto server: installed ($("$python" -c 'import moto; print(moto.__version__)'))"
fi
