#!/usr/bin/env python3
"""Plots for examples/polycrystal-random-vs-radial.sh.

Usage: plot-polycrystal.py RANDOM_DIR RADIAL_DIR OUTPUT_STEM
Writes OUTPUT_STEM-grains.png (the generated grains, coloured by the crystal
c-axis as RGB = |c_x|, |c_y|, |c_z|; 3D: the z = 0 section) and
OUTPUT_STEM-gb-stress.png (volume-weighted histograms of the normal stress
n.sigma.n across grain boundaries at the end of charge, and the largest
grain-boundary normal stress against SOC). Needs matplotlib and h5py.
"""
import csv
import glob
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def read_csv(path):
    with open(path) as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    header, data = rows[0], np.array(rows[1:], dtype=float)
    return {name: data[:, i] for i, name in enumerate(header)} if len(data) else {name: np.array([]) for name in header}


def last_gb_samples(directory):
    files = sorted(glob.glob(os.path.join(directory, "gb_stress-*.csv")))
    return read_csv(files[-1])


def grain_picture(ax, directory, title):
    import h5py

    with h5py.File(os.path.join(directory, "mechanics-00000.h5"), "r") as f:
        nodes = f["nodes"][:]
        cells = f["cells"][:]
        axis = np.abs(np.hstack([f["c_axis_x"][:], f["c_axis_y"][:], f["c_axis_z"][:]]))
        region = f["material_id"][:, 0]
    if nodes.shape[1] == 2:
        from matplotlib.collections import PolyCollection

        quads = cells  # XDMF quadrilaterals are stored counter-clockwise
        colours = axis[cells].mean(axis=1)
        colours[region[cells].max(axis=1) > 0] = 0.85  # coating / matrix in grey
        ax.add_collection(PolyCollection(nodes[quads], facecolors=np.clip(colours, 0, 1), edgecolors="none"))
        ax.set_xlim(nodes[:, 0].min(), nodes[:, 0].max())
        ax.set_ylim(nodes[:, 1].min(), nodes[:, 1].max())
    else:
        h = np.ptp(nodes[:, 2]) * 0.04
        keep = np.abs(nodes[:, 2]) < h
        ax.scatter(nodes[keep, 0], nodes[keep, 1], c=np.clip(axis[keep], 0, 1), s=18, marker="o", linewidths=0)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def main():
    random_dir, radial_dir, stem = sys.argv[1:4]
    os.makedirs(os.path.dirname(stem) or ".", exist_ok=True)

    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    grain_picture(axes[0], random_dir, "random orientations")
    grain_picture(axes[1], radial_dir, "radial texture (a-axis along r)")
    fig.suptitle("Generated grains, coloured by the c-axis (RGB = |c_x|, |c_y|, |c_z|)", fontsize=10)
    fig.tight_layout()
    fig.savefig(stem + "-grains.png", dpi=130)

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    summary = []
    for directory, label, colour in [(random_dir, "random", "C0"), (radial_dir, "radial", "C3")]:
        s = last_gb_samples(directory)
        stress = s["normal_stress_Pa"] / 1e6
        weight = s["weight"]
        left.hist(stress, bins=50, weights=weight / weight.sum(), alpha=0.55, color=colour,
                  label=f"{label}: mean {np.average(stress, weights=weight):.0f} MPa, max {stress.max():.0f} MPa")
        h = read_csv(os.path.join(directory, "history.csv"))
        right.plot(100 * h["soc"], h["max_gb_normal_stress_Pa"] / 1e6, color=colour, label=label)
        radius = np.sqrt(s["x"] ** 2 + s["y"] ** 2 + s["z"] ** 2)
        outer = radius > 0.3 * radius.max()  # radial textures are singular at the centre
        summary.append((label, np.average(stress, weights=weight), np.percentile(stress, 95), stress.max(),
                        h["mean_misorientation_deg"][-1], np.percentile(stress[outer], 95), stress[outer].max()))
    left.set_xlabel("grain-boundary normal stress n.σ.n at end of charge [MPa]")
    left.set_ylabel("fraction of grain-boundary band volume")
    left.legend(fontsize=8)
    right.set_xlabel("SOC [%]")
    right.set_ylabel("max grain-boundary normal stress [MPa]")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(stem + "-gb-stress.png", dpi=130)
    for label, mean, p95, top, mis, p95_outer, top_outer in summary:
        print(f"{label}: GB normal stress mean {mean:.0f} MPa, 95th percentile {p95:.0f} MPa, max {top:.0f} MPa "
              f"(r > 0.3 R: 95th percentile {p95_outer:.0f} MPa, max {top_outer:.0f} MPa); "
              f"mean misorientation {mis:.1f} deg")


if __name__ == "__main__":
    main()
