#!/usr/bin/env python3
# Surface hoop stress and centre hydrostatic stress against SOC for the runs
# of single-crystal-vs-isotropic.sh. Usage: plot-single-crystal.py DIR OUT.png
import csv, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

directory, out = sys.argv[1], sys.argv[2]
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
styles = {"lattice": "-", "isotropic": "--"}
colors = {"1C": "tab:blue", "3C": "tab:red"}
for rate in ("1C", "3C"):
    for model in ("lattice", "isotropic"):
        rows = list(csv.DictReader(open(f"{directory}/output-sc-{model}-{rate}/history.csv")))
        soc = [100 * float(r["soc"]) for r in rows]
        label = f"{'NMC811 lattice a(x), c(x)' if model == 'lattice' else 'isotropic Omega'}, {rate}"
        axes[0].plot(soc, [float(r["surface_hoop_stress_Pa"]) / 1e6 for r in rows], styles[model], color=colors[rate], label=label)
        axes[1].plot(soc, [float(r["center_hydrostatic_stress_Pa"]) / 1e6 for r in rows], styles[model], color=colors[rate], label=label)
axes[0].set_title("surface hoop stress (surface average)")
axes[1].set_title("centre hydrostatic stress (r < 0.2 R)")
for ax in axes:
    ax.set_xlabel("SOC [%]")
    ax.set_ylabel("stress [MPa]")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=8)
fig.suptitle("Free NMC811 single crystal, 2D plane strain, R = 5 um, charge to 4.3 V (c-axis in plane)")
fig.tight_layout()
fig.savefig(out, dpi=120)
print("wrote", out)
