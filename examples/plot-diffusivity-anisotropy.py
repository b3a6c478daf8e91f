#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Table and figure of the D_c/D_ab sensitivity study (examples/diffusivity-anisotropy.sh).

usage: plot-diffusivity-anisotropy.py EXAMPLES_DIR OUT.png
Prints a markdown table: capacity at the 4.3 V cut-off (SOC), the largest
Li heterogeneity std_x over the charge, the largest maximum principal stress
and the largest surface hoop stress (single crystal) or grain-boundary normal
stress (polycrystal), for each case, ratio and rate.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

CASES = (("single-crystal-2d", "single crystal"), ("polycrystal-2d", "polycrystal"))
RATIOS = ("1", "1e-1", "1e-2", "1e-3")
RATES = ("1C", "3C")


def read(directory):
    rows = list(csv.DictReader(open(os.path.join(directory, "history.csv"))))
    return {k: [float(r[k]) for r in rows] for k in rows[0]}


def main():
    root, out = sys.argv[1], sys.argv[2]
    print("| particle | rate | D_c/D_ab | SOC at 4.3 V | max std_x | max principal stress [MPa] | "
          "max surface hoop [MPa] | max GB normal stress [MPa] |")
    print("|---|---|---|---|---|---|---|---|")
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    for row, (case, label) in enumerate(CASES):
        for rate in RATES:
            for k, ratio in enumerate(RATIOS):
                d = os.path.join(root, f"output-danis-{case}-{ratio}-{rate}")
                if not os.path.exists(os.path.join(d, "history.csv")):
                    print(f"| {label} | {rate} | {ratio} | missing | | | | |")
                    continue
                h = read(d)
                gb = max(h["max_gb_normal_stress_Pa"]) / 1e6 if case.startswith("poly") else float("nan")
                print(f"| {label} | {rate} | {ratio} | {100 * h['soc'][-1]:.1f} % | {max(h['std_x']):.3f} | "
                      f"{max(h['max_principal_stress_Pa']) / 1e6:.0f} | {max(h['surface_hoop_stress_Pa']) / 1e6:.0f} | "
                      + ("" if gb != gb else f"{gb:.0f}") + " |")
                style = "-" if rate == "1C" else "--"
                color = plt.cm.viridis(k / (len(RATIOS) - 1))
                soc = [100 * s for s in h["soc"]]
                axes[row][0].plot(soc, h["std_x"], style, color=color, label=f"r = {ratio}, {rate}")
                axes[row][1].plot(soc, [s / 1e6 for s in h["max_principal_stress_Pa"]], style, color=color,
                                  label=f"r = {ratio}, {rate}")
        axes[row][0].set_ylabel(f"{label}: std of x [-]")
        axes[row][1].set_ylabel(f"{label}: max principal stress [MPa]")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("SOC [%]")
    axes[0][0].legend(fontsize=7, ncol=2)
    fig.suptitle("NMC811, 2D, charge to 4.3 V: sensitivity to D_c/D_ab (D(x) the orientation average)")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print("wrote", out)


if __name__ == "__main__":
    main()
