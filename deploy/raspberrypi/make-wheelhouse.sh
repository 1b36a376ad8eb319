#!/bin/bash
# Prepare a wheel folder for an offline install on a Raspberry Pi (64-bit Raspberry Pi OS).
# Run on any machine with Python 3.11+ and internet access, from the project folder:
#
#   deploy/raspberrypi/make-wheelhouse.sh OUT_DIR [PYTHON_VERSION]
#
# PYTHON_VERSION is the Pi's Python: 3.11 for Bookworm (default), 3.13 for Trixie.
# Copy OUT_DIR to the USB stick next to the project, then on the Pi:
#   sudo deploy/raspberrypi/install.sh --wheels /media/usb/wheels
set -euo pipefail
out=${1:?usage: make-wheelhouse.sh OUT_DIR [PYTHON_VERSION]}
pyver=${2:-3.11}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
python=${PYTHON:-python3}

mkdir -p "$out"
echo "==> building the project's wheel from $src"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$out" "$src"
name=$("$python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["name"])' "$src/pyproject.toml")
norm=$(printf '%s' "$name" | tr 'A-Z.-' 'a-z__')
project_wheel=$(find "$out" -maxdepth 1 -iname "${norm}-*.whl" | sort | tail -n 1)
[ -n "$project_wheel" ] || { echo "make-wheelhouse.sh: the project's wheel was not built" >&2; exit 1; }

echo "==> downloading dependencies for CPython $pyver on linux/aarch64"
platforms=()
for p in manylinux2014_aarch64 manylinux_2_17_aarch64 manylinux_2_24_aarch64 manylinux_2_26_aarch64 manylinux_2_27_aarch64 manylinux_2_28_aarch64 \
         manylinux_2_31_aarch64 manylinux_2_34_aarch64 manylinux_2_36_aarch64 linux_aarch64; do
    platforms+=(--platform "$p")
done
"$python" -m pip download --quiet --dest "$out" --only-binary=:all: \
    --implementation cp --python-version "$pyver" "${platforms[@]}" "$project_wheel"
echo "==> $(find "$out" -maxdepth 1 -name '*.whl' | wc -l) wheels in $out"
