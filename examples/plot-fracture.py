#!/usr/bin/env python3
"""Pictures for examples/fracture-comparison.sh.

Usage: plot-fracture.py OUTPUT_STEM DIR:LABEL [DIR:LABEL ...]
Writes OUTPUT_STEM-damage.png (the final phase field d of every run, with the
grain boundaries of the grain-id field drawn in grey) and
OUTPUT_STEM-gamma.png (the crack measure Gamma against SOC, total and
intergranular, and the voltage). Needs matplotlib and h5py.
"""
import csv
import glob
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def history(directory):
    with open(os.path.join(directory, "history.csv")) as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def last_h5(directory, stem):
    return sorted(glob.glob(os.path.join(directory, stem + "-*.h5")))[-1]


def damage_picture(ax, directory, title):
    import h5py
    from matplotlib.collections import PolyCollection

    with h5py.File(last_h5(directory, "fracture"), "r") as f:
        nodes, cells, d = f["nodes"][:], f["cells"][:], f["damage"][:, 0]
    polys = PolyCollection(nodes[cells][:, [0, 1, 2, 3]], array=np.clip(d[cells].mean(axis=1), 0, 1),
                           cmap="inferno_r", edgecolors="none")
    polys.set_clim(0, 1)
    ax.add_collection(polys)
    grains = os.path.join(directory, "mechanics-00000.h5")
    if os.path.exists(grains):
        with h5py.File(grains, "r") as f:
            if "grain_id" in f:
                gn, gc, gid = f["nodes"][:], f["cells"][:], f["grain_id"][:, 0]
                g = gid[gc]
                boundary = g.max(axis=1) != g.min(axis=1)
                ax.scatter(gn[gc[boundary]].mean(axis=1)[:, 0], gn[gc[boundary]].mean(axis=1)[:, 1], s=0.3,
                           c="tab:cyan", linewidths=0, alpha=0.6)
    ax.set_xlim(nodes[:, 0].min(), nodes[:, 0].max())
    ax.set_ylim(nodes[:, 1].min(), nodes[:, 1].max())
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return polys


def main():
    stem, runs = sys.argv[1], [a.split(":", 1) for a in sys.argv[2:]]
    fig, axes = plt.subplots(1, len(runs), figsize=(3.8 * len(runs), 3.7))
    axes = np.atleast_1d(axes)
    for ax, (directory, label) in zip(axes, runs):
        h = history(directory)
        g, gi = h["crack_measure"][-1], h["crack_measure_intergranular"][-1]
        polys = damage_picture(ax, directory, "%s\nGamma = %.2f um\n%.0f%% intergranular" %
                               (label, g * 1e6, 100 * gi / g if g > 0 else 0))
    fig.colorbar(polys, ax=list(axes), shrink=0.8, label="phase field d")
    fig.savefig(stem + "-damage.png", dpi=150, bbox_inches="tight")

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.4))
    for directory, label in runs:
        h = history(directory)
        line, = a1.plot(100 * h["soc"], 1e6 * h["crack_measure"], label=label)
        a1.plot(100 * h["soc"], 1e6 * h["crack_measure_intergranular"], "--", color=line.get_color())
        a2.plot(100 * h["soc"], h["voltage_V"], color=line.get_color(), label=label)
    a1.set_xlabel("SOC [%]")
    a1.set_ylabel("Gamma [um] (dashed: intergranular)")
    a1.legend(fontsize=8)
    a2.set_xlabel("SOC [%]")
    a2.set_ylabel("voltage [V]")
    fig.tight_layout()
    fig.savefig(stem + "-gamma.png", dpi=150)
    print("wrote", stem + "-damage.png", stem + "-gamma.png")


if __name__ == "__main__":
    main()
