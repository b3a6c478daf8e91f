#!/usr/bin/env bash
# The virtual operando XRD figures of docs/verification.md:
#  - single-crystal-xrd.prm: NMC811 single crystal at C/20 to 4.3 V (3D);
#  - polycrystal-2d.prm charged at 1C and 3C to 4.3 V (two-way coupled, 30
#    grains, random orientations), in generalized plane strain (plane strain
#    would hold every grain's out-of-plane lattice at its reference and hide
#    most of the c-axis change): the (003) line width and splitting.
# Writes docs/images/xrd-single-crystal-c20.png, xrd-polycrystal-1C.png,
# xrd-polycrystal-3C.png and xrd-polycrystal-widths.png, and prints the
# table check of the slow charge.
# Usage: examples/operando-xrd.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
cd "$here"
PYTHON=python3; [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import matplotlib" 2>/dev/null && PYTHON=/usr/bin/python3
images="$here/../docs/images"

[ "${SKIP_SINGLE_CRYSTAL:-0}" = 1 ] || "$build/bin/camfrac" --quiet single-crystal-xrd.prm
"$PYTHON" plot-xrd.py operando output-single-crystal-xrd "$images/xrd-single-crystal-c20.png" \
  --table ../data/lattice/NMC811_Maerker2019.tsv \
  --title "NMC811 single crystal, C/20 to 4.3 V (3D, R = 5 um): virtual operando XRD"
"$PYTHON" check-xrd-table.py output-single-crystal-xrd ../data/lattice/NMC811_Maerker2019.tsv

for rate in 1C 3C; do
  prm="$(mktemp -d)/polycrystal-xrd-$rate.prm"
  sed -e "s/set Steps = charge 1C until 4.4 V/set Steps = charge $rate until 4.3 V/" \
      -e "s/set Directory             = output-polycrystal-2d/set Directory = output-polycrystal-xrd-$rate/" \
      -e "s/set Field output interval = 1200/set Write fields = false/" \
      -e "s/  set Stress-coupled diffusion = true/  set Stress-coupled diffusion = true\n  set Out-of-plane condition = generalized plane strain/" \
      polycrystal-2d.prm > "$prm"
  "$build/bin/camfrac" --quiet "$prm"
  "$PYTHON" plot-xrd.py operando "output-polycrystal-xrd-$rate" "$images/xrd-polycrystal-$rate.png" \
    --title "NMC811 2D polycrystal (30 grains, random), $rate to 4.3 V: virtual operando XRD"
done
"$PYTHON" plot-xrd.py widths "$images/xrd-polycrystal-widths.png" \
  1C=output-polycrystal-xrd-1C 3C=output-polycrystal-xrd-3C \
  --title "NMC811 2D polycrystal: (003) line width and position"
