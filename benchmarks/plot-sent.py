#!/usr/bin/env python3
"""Load-displacement curves of single-edge-notched tension (benchmarks/run-sent)
against the published peak (about 0.7 kN/mm near u = 5.5-6 um, Miehe et al.
2010, Ambati et al. 2015). Usage: plot-sent.py OUTPUT.png CSV [CSV ...]"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(5.5, 3.8))
for path in sys.argv[2:]:
    header = [l for l in open(path) if l.startswith("# SENT")][0]
    label = header.split("h = ")[1].split(",")[0]
    ell = [p for p in header.split(",") if "ell/" in p]
    data = np.genfromtxt(path, delimiter=",", comments="#", skip_header=2)
    ax.plot(1e3 * data[:, 0], data[:, 1], label="h = " + label.replace(" mm = ", " mm = ") + " (%d steps)" % len(data))
ax.axhline(0.7, color="k", ls=":", lw=1)
ax.axvspan(5.5, 6.0, color="0.9", zorder=0)
ax.text(0.3, 0.72, "published peak ~0.7 kN/mm at u = 5.5-6 um", fontsize=8)
ax.set_xlabel("top displacement u [um]")
ax.set_ylabel("reaction force [kN/mm]")
ax.set_xlim(0, 7)
ax.set_ylim(0, 0.85)
ax.legend(fontsize=7, loc="lower left")
fig.tight_layout()
fig.savefig(sys.argv[1], dpi=150)
print("wrote", sys.argv[1])
