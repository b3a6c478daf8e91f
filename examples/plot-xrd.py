#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Plot camfrac's virtual operando XRD (xrd.csv, xrd_histogram.csv; docs/theory.md [XRD]).

  plot-xrd.py operando DIR OUT.png [--table LATTICE.tsv] [--title TEXT]
      An operando XRD figure of one run: the (003) line as an intensity map of
      2 theta against time beside the voltage, and the mean lattice parameters
      a and c (with their volume spread) against voltage; --table overlays the
      input lattice table, a(x) and c(x) at the run's mean x.

  plot-xrd.py widths OUT.png LABEL=DIR [LABEL=DIR ...] [--title TEXT]
      The (003) line width (volume standard deviation of 2 theta) against
      voltage for several runs, with the parts from the spread in x (chemical)
      and from the elastic strain.
"""
import argparse
import csv
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def read_xrd(directory):
    rows = list(csv.DictReader(open(f"{directory}/xrd.csv")))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def read_histograms(directory, reflection):
    times, first, width, maps = [], None, None, []
    with open(f"{directory}/xrd_histogram.csv") as f:
        reader = csv.reader(f)
        next(reader)
        for r in reader:
            if r[3] != reflection:
                continue
            times.append(float(r[1]))
            first, width = float(r[4]), float(r[5])
            maps.append([float(v) for v in r[7:]])
    return np.array(times), first, width, np.array(maps)


def read_table(path):
    rows = [l.split("\t") for l in open(path) if not l.startswith("#")]
    header, data = rows[0], rows[1:]
    col = {name.strip(): i for i, name in enumerate(header)}
    x = np.array([float(r[col["x_Li"]]) for r in data])
    a = np.array([float(r[col["a_A"]]) for r in data])
    c = np.array([float(r[col["c_A"]]) for r in data])
    order = np.argsort(x)
    return x[order], a[order], c[order]


def two_theta_width_parts(x, wavelength=1.5406):
    """Convert the spacing spreads of xrd.csv to 2 theta [deg]: d(2 theta) = -2 tan(theta) dd/d."""
    d = x["d003_mean_A"]
    theta = np.arcsin(wavelength / (2 * d))
    scale = 2 * np.tan(theta) / d * 180 / math.pi
    return scale * x["d003_std_chemical_A"], scale * x["d003_std_elastic_A"]


def operando(args):
    x = read_xrd(args.directory)
    times, first, width, maps = read_histograms(args.directory, "003")
    hours = times / 3600
    fig = plt.figure(figsize=(12, 5.2))
    grid = fig.add_gridspec(1, 4, width_ratios=[1, 2.2, 2, 2], wspace=0.45)
    ax_v = fig.add_subplot(grid[0])
    ax_v.plot(x["voltage_V"], x["time_s"] / 3600, color="k")
    ax_v.set_xlabel("voltage [V]")
    ax_v.set_ylabel("time [h]")
    ax_v.grid(alpha=0.3)
    ax_map = fig.add_subplot(grid[1], sharey=ax_v)
    edges_tt = first - 0.5 * width + width * np.arange(maps.shape[1] + 1)
    # Time edges between the accepted steps.
    mid = 0.5 * (hours[1:] + hours[:-1])
    edges_t = np.concatenate([[hours[0] - (mid[0] - hours[0]) if len(hours) > 1 else hours[0] - 0.01], mid,
                              [hours[-1] + (hours[-1] - mid[-1]) if len(hours) > 1 else hours[0] + 0.01]])
    used = np.nonzero(maps.sum(axis=0) > 1e-6)[0]
    lo, hi = (used.min(), used.max()) if len(used) else (0, maps.shape[1] - 1)
    pad = max(5, (hi - lo) // 10)
    lo, hi = max(lo - pad, 0), min(hi + pad, maps.shape[1] - 1)
    ax_map.pcolormesh(edges_tt[lo:hi + 2], edges_t, maps[:, lo:hi + 1] / width, cmap="viridis", shading="flat")
    ax_map.plot(x["two_theta_003_deg"], x["time_s"] / 3600, color="w", lw=0.8, ls="--", label="mean")
    ax_map.set_xlabel("2θ (003) [deg], Cu Kα1")
    ax_map.set_title("(003) volume fraction per degree")
    ax_map.legend(fontsize=8, loc="lower right")
    for k, (name, column) in enumerate((("a", "a"), ("c", "c"))):
        ax = fig.add_subplot(grid[2 + k])
        mean, std = x[f"{column}_mean_A"], x[f"{column}_std_A"]
        ax.plot(x["voltage_V"], mean, color="tab:blue", label=f"virtual XRD, mean {name}")
        ax.fill_between(x["voltage_V"], mean - std, mean + std, color="tab:blue", alpha=0.25, label="± volume std")
        if args.table:
            tx, ta, tc = read_table(args.table)
            ax.plot(x["voltage_V"], np.interp(x["mean_x"], tx, ta if name == "a" else tc), "k:", label="table at mean x")
        ax.set_xlabel("voltage [V]")
        ax.set_ylabel(f"{name} [Å]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if args.title:
        fig.suptitle(args.title)
    fig.savefig(args.out, dpi=120, bbox_inches="tight")
    print("wrote", args.out)


def widths(args):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, item in enumerate(args.runs):
        label, directory = item.split("=", 1)
        x = read_xrd(directory)
        chemical, elastic = two_theta_width_parts(x)
        v, color = x["voltage_V"], colors[k % len(colors)]
        axes[0].plot(v, x["two_theta_003_std_deg"], color=color, label=f"{label}: total")
        axes[0].plot(v, chemical, ":", color=color, label=f"{label}: spread in x only")
        axes[0].plot(v, elastic, "--", color=color, label=f"{label}: elastic strain only")
        axes[1].plot(v, x["two_theta_003_deg"], color=color, label=label)
    axes[0].set_ylabel("(003) width: volume std of 2θ [deg]")
    axes[1].set_ylabel("(003) mean 2θ [deg]")
    for ax in axes:
        ax.set_xlabel("voltage [V]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print("wrote", args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("operando")
    p.add_argument("directory")
    p.add_argument("out")
    p.add_argument("--table")
    p.add_argument("--title")
    p.set_defaults(run=operando)
    p = sub.add_parser("widths")
    p.add_argument("out")
    p.add_argument("runs", nargs="+")
    p.add_argument("--title")
    p.set_defaults(run=widths)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
