#!/usr/bin/env bash
# How much does the stress-driven flux matter? The NMC811 single crystal of
# single-crystal-2d.prm (two-way coupled) charged at 1C and 3C with the
# thermodynamic mobility M = D c_max/(F|U'|) (the default), with the
# ideal-solution M = D c_max x(1-x)/(RT), and with one-way coupling (no
# stress term in the flux) as the baseline; then plots
# docs/images/single-crystal-mobility.png.
# Usage: examples/single-crystal-mobility.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
cd "$here"
for rate in 1C 3C; do
  for model in thermodynamic ideal one-way; do
    prm="$(mktemp -d)/sc-mobility-$model-$rate.prm"
    case $model in
      thermodynamic) extra="  set Mobility model = thermodynamic" ;;
      ideal) extra="  set Mobility model = ideal solution" ;;
      one-way) extra="" ;;
    esac
    sed -e "s/charge 1C until/charge $rate until/" \
        -e "s/set Directory             = output-single-crystal-2d/set Directory = output-sc-mobility-$model-$rate/" \
        -e "s/  set Crystal c-axis  = 1, 0, 0/  set Crystal c-axis  = 1, 0, 0\n$extra/" \
        single-crystal-2d.prm > "$prm"
    if [ "$model" = one-way ]; then
      sed -i "s/  set Enabled = true/  set Enabled = true\n  set Stress-coupled diffusion = false/" "$prm"
    fi
    "$build/bin/camfrac" --quiet "$prm"
    echo "done: $model $rate"
  done
done
PYTHON=python3; [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import matplotlib" 2>/dev/null && PYTHON=/usr/bin/python3
"$PYTHON" "$here/plot-single-crystal-mobility.py" "$here" "$here/../docs/images/single-crystal-mobility.png"
