#!/usr/bin/env bash
# The battery result of docs/verification.md §I.5: the 2D NMC811
# polycrystal of fracture-polycrystal-2d.prm charged at 1C to 4.4 V, the same
# particle as a single crystal (same size, c-axis in the plane), and the
# polycrystal charged only to 4.1 V. Prints Gamma and its intergranular part
# for each, and draws docs/images/fracture-2d-{damage,gamma}.png.
# Usage: examples/fracture-comparison.sh [BUILD_DIR] [RANKS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
ranks="${2:-1}"
cd "$here"
launcher=()
if [ "$ranks" -gt 1 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  launcher=(mpirun --oversubscribe -np "$ranks")
fi
tmp="$(mktemp -d)"
sed -e "s/set Directory             = output-fracture-polycrystal-2d/set Directory = output-fracture-single-crystal-2d/" \
    -e "s/set Grains                   = Voronoi/set Grains = single crystal/" \
    -e "s/set Orientation distribution = file/set Orientation distribution = single/" \
    -e "s/set Reference stoichiometry = 0.90/set Reference stoichiometry = 0.90\n  set Crystal c-axis = 1, 0, 0/" \
    fracture-polycrystal-2d.prm > "$tmp/single.prm"
sed -e "s/set Directory             = output-fracture-polycrystal-2d/set Directory = output-fracture-polycrystal-2d-4.1V/" \
    -e "s/charge 1C until 4.4 V/charge 1C until 4.1 V/" \
    fracture-polycrystal-2d.prm > "$tmp/41.prm"
for prm in fracture-polycrystal-2d.prm "$tmp/single.prm" "$tmp/41.prm"; do
  "${launcher[@]}" "$build/bin/camfrac" --quiet "$prm"
  echo "done: $prm"
done
PYTHON=python3; [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import matplotlib" 2>/dev/null && PYTHON=/usr/bin/python3
for d in output-fracture-polycrystal-2d output-fracture-single-crystal-2d output-fracture-polycrystal-2d-4.1V; do
  "$PYTHON" - "$d" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/history.csv")))
last = rows[-1]
g, gi = float(last["crack_measure"]), float(last["crack_measure_intergranular"])
print("%-40s V = %.3f  SOC = %5.1f%%  Gamma = %.3f um  intergranular %.1f%%  max d = %.3f  steps %d" % (
    sys.argv[1], float(last["voltage_V"]), 100 * float(last["soc"]), 1e6 * g, 100 * gi / g if g > 0 else 0.,
    float(last["max_d"]), len(rows)))
PY
done
"$PYTHON" "$here/plot-fracture.py" "$here/../docs/images/fracture-2d" \
  "output-fracture-polycrystal-2d:polycrystal, 4.4 V" "output-fracture-single-crystal-2d:single crystal, 4.4 V" \
  "output-fracture-polycrystal-2d-4.1V:polycrystal, 4.1 V"
