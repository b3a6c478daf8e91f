#!/usr/bin/env python3
# Surface hoop and centre hydrostatic stress against SOC for the runs of
# single-crystal-mobility.sh (thermodynamic vs ideal-solution mobility vs
# one-way coupling, 1C and 3C), and the peak values as a table on stdout.
# Usage: plot-single-crystal-mobility.py DIR OUT.png
import csv, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

directory, out = sys.argv[1], sys.argv[2]
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharex=True)
styles = {"thermodynamic": "-", "ideal": "--", "one-way": ":"}
labels = {"thermodynamic": "two-way, M = D c_max/(F|U'|)", "ideal": "two-way, M = D c_max x(1-x)/(RT)",
          "one-way": "one-way (no stress in the flux)"}
colors = {"1C": "tab:blue", "3C": "tab:red"}
print("rate model peak_hoop_MPa peak_centre_MPa final_soc_pct min_effective_diffusivity_ratio")
for rate in ("1C", "3C"):
    for model in ("thermodynamic", "ideal", "one-way"):
        rows = list(csv.DictReader(open(f"{directory}/output-sc-mobility-{model}-{rate}/history.csv")))
        soc = [100 * float(r["soc"]) for r in rows]
        hoop = [float(r["surface_hoop_stress_Pa"]) / 1e6 for r in rows]
        centre = [float(r["center_hydrostatic_stress_Pa"]) / 1e6 for r in rows]
        spread = [float(r["max_x"]) - float(r["min_x"]) for r in rows]
        ratio = min(float(r["min_effective_diffusivity_ratio"]) for r in rows)
        label = f"{labels[model]}, {rate}"
        axes[0].plot(soc, hoop, styles[model], color=colors[rate], label=label)
        axes[1].plot(soc, centre, styles[model], color=colors[rate], label=label)
        axes[2].plot(soc, spread, styles[model], color=colors[rate], label=label)
        print(rate, model, f"{max(hoop, key=abs):.1f}", f"{max(centre, key=abs):.1f}", f"{soc[-1]:.1f}", f"{ratio:.3f}")
axes[0].set_title("surface hoop stress (surface average)")
axes[1].set_title("centre hydrostatic stress (r < 0.2 R)")
axes[2].set_title("Li heterogeneity max x - min x")
for ax in axes[:2]:
    ax.set_ylabel("stress [MPa]")
    ax.axhline(0, color="0.6", lw=0.8)
axes[2].set_ylabel("[-]")
for ax in axes:
    ax.set_xlabel("SOC [%]")
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=7)
fig.suptitle("Free NMC811 single crystal, 2D plane strain, R = 5 um, charge to 4.3 V: the stress-driven flux")
fig.tight_layout()
fig.savefig(out, dpi=120)
