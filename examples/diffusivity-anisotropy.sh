#!/usr/bin/env bash
# Sensitivity to D_c/D_ab (Material/Diffusivity anisotropy ratio): 1, 1e-1,
# 1e-2 (the presets' stand-in) and 1e-3, on the NMC811 single crystal
# (single-crystal-2d.prm, c-axis in the plane) and the 2D polycrystal
# (polycrystal-2d.prm, 30 grains, two-way coupled), charged at 1C and 3C to a
# 4.3 V cut-off. D(x) is the orientation average in every run, so the runs
# differ only in how Li is steered within the crystals. Prints the table of
# docs/verification.md and plots docs/images/diffusivity-anisotropy.png.
# Usage: examples/diffusivity-anisotropy.sh [BUILD_DIR] [JOBS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
jobs="${2:-1}"
cd "$here"
PYTHON=python3; [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import matplotlib" 2>/dev/null && PYTHON=/usr/bin/python3
run() { # case ratio rate
  local base=$1 ratio=$2 rate=$3 directory="output-danis-$1-$2-$3" prm
  prm="$(mktemp -d)/run.prm"
  sed -e "s/set Steps = charge 1C until 4.[34] V/set Steps = charge $rate until 4.3 V/" \
      -e "s/^\(  set Directory *\)= .*/\1= $directory/" \
      -e "s/^\(  set Field output interval *\)= .*/  set Write fields = false/" \
      -e "s/^  set Preset *= NMC811/  set Preset = NMC811\n  set Diffusivity anisotropy ratio = $ratio/" \
      "$base.prm" > "$prm"
  "$build/bin/camfrac" --quiet "$prm" > /dev/null
  echo "done: $base r = $ratio $rate"
}
export -f run
export build
for base in single-crystal-2d polycrystal-2d; do
  for ratio in 1 1e-1 1e-2 1e-3; do
    for rate in 1C 3C; do
      echo "$base $ratio $rate"
    done
  done
done | xargs -P "$jobs" -L 1 bash -c 'run "$0" "$1" "$2"'
"$PYTHON" plot-diffusivity-anisotropy.py "$here" "$here/../docs/images/diffusivity-anisotropy.png"
