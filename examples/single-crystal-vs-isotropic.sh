#!/usr/bin/env bash
# NMC811 single crystal (anisotropic lattice strain) against isotropic
# swelling with the same mean partial molar volume, at 1C and 3C, from
# single-crystal-2d.prm; then plots docs/images/single-crystal-stress.png.
# Usage: examples/single-crystal-vs-isotropic.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
cd "$here"
for rate in 1C 3C; do
  for model in lattice isotropic; do
    prm="$(mktemp -d)/sc-$model-$rate.prm"
    sed -e "s/charge 1C until/charge $rate until/" \
        -e "s/set Directory             = output-single-crystal-2d/set Directory = output-sc-$model-$rate/" \
        -e "s/  set Crystal c-axis  = 1, 0, 0/  set Crystal c-axis  = 1, 0, 0\n  set Chemical strain model = $model/" \
        single-crystal-2d.prm > "$prm"
    "$build/bin/camfrac" --quiet "$prm"
    echo "done: $model $rate"
  done
done
PYTHON=python3; [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import matplotlib" 2>/dev/null && PYTHON=/usr/bin/python3
"$PYTHON" "$here/plot-single-crystal.py" "$here" "$here/../docs/images/single-crystal-stress.png"
