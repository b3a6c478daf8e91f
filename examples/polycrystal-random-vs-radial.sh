#!/usr/bin/env bash
# The same NMC811 polycrystal (same grains) with random orientations and
# with a radial texture (a-axis along the radius: Li layers radial, the
# design of radially aligned / concentration-gradient particles), charged at
# 1C to 4.4 V; then histograms of the grain-boundary normal stress at the
# end of charge -> docs/images/polycrystal-<2d|3d>-gb-stress.png, and a
# picture of the grains -> docs/images/polycrystal-<2d|3d>-grains.png.
# Usage: examples/polycrystal-random-vs-radial.sh [2d|3d] [BUILD_DIR] [RANKS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
variant="${1:-2d}"
build="${2:-$here/../build}"
ranks="${3:-1}"
cd "$here"
launcher=()
if [ "$ranks" -gt 1 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  launcher=(mpirun --oversubscribe -np "$ranks")
fi
for texture in random radial; do
  prm="$(mktemp -d)/polycrystal-$variant-$texture.prm"
  sed -e "s/set Orientation distribution = random/set Orientation distribution = $texture\n  set Radial crystal axis = a/" \
      -e "s/set Directory             = output-polycrystal-$variant/set Directory = output-polycrystal-$variant-$texture/" \
      "polycrystal-$variant.prm" > "$prm"
  "${launcher[@]}" "$build/bin/camfrac" --quiet "$prm"
  echo "done: $variant $texture"
done
PYTHON=python3; [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import matplotlib" 2>/dev/null && PYTHON=/usr/bin/python3
"$PYTHON" "$here/plot-polycrystal.py" "$here/output-polycrystal-$variant-random" "$here/output-polycrystal-$variant-radial" \
  "$here/../docs/images/polycrystal-$variant"
