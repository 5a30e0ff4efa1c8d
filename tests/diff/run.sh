#!/bin/sh
# Run the differential suite in a fresh venv with the newest psutil from PyPI.
#   tests/diff/run.sh [pytest args...]
# Env: PYTHON (default python3.11), DIFF_VENV (default target/diff-venv),
#      PSOXIDE_BIN (default target/release/psoxide, then target/debug/psoxide).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${DIFF_VENV:-$repo/target/diff-venv}
python=${PYTHON:-python3.11}
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade -r "$here/requirements.txt"
cd "$repo"
exec "$venv/bin/python" -m pytest tests/diff "$@"
