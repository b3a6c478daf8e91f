#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare the mean lattice parameters of a run's xrd.csv with the input lattice table.

usage: check-xrd-table.py OUTPUT_DIR LATTICE.tsv
Prints the largest relative deviation of mean a and mean c from the raw table
(linear interpolation at the run's mean x), and Delta V/V between the first
row and the last (the charge's end) against the table's at the same x.
"""
import csv
import sys

import numpy as np


def main():
    directory, table = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(f"{directory}/xrd.csv")))
    x = np.array([float(r["mean_x"]) for r in rows])
    a = np.array([float(r["a_mean_A"]) for r in rows])
    c = np.array([float(r["c_mean_A"]) for r in rows])
    v = np.array([float(r["cell_volume_mean_A3"]) for r in rows])
    volt = np.array([float(r["voltage_V"]) for r in rows])
    data = [l.split("\t") for l in open(table) if not l.startswith("#")]
    col = {n.strip(): i for i, n in enumerate(data[0])}
    tx = np.array([float(r[col["x_Li"]]) for r in data[1:]])
    ta = np.array([float(r[col["a_A"]]) for r in data[1:]])
    tc = np.array([float(r[col["c_A"]]) for r in data[1:]])
    order = np.argsort(tx)
    tx, ta, tc = tx[order], ta[order], tc[order]
    inside = (x >= tx.min()) & (x <= tx.max())
    da = np.abs(a[inside] / np.interp(x[inside], tx, ta) - 1)
    dc = np.abs(c[inside] / np.interp(x[inside], tx, tc) - 1)
    print(f"{directory}: {inside.sum()} of {len(x)} rows inside the table's x range")
    print(f"  mean a against the table: largest deviation {100 * da.max():.4f} % (mean {100 * da.mean():.4f} %)")
    print(f"  mean c against the table: largest deviation {100 * dc.max():.4f} % (mean {100 * dc.mean():.4f} %)")
    tv = lambda xx: np.sqrt(3) / 2 * np.interp(xx, tx, ta) ** 2 * np.interp(xx, tx, tc)
    print(f"  Delta V/V from {volt[0]:.3f} V (x = {x[0]:.4f}) to {volt[-1]:.3f} V (x = {x[-1]:.4f}): "
          f"{100 * (v[-1] / v[0] - 1):.3f} % (table at the same x: {100 * (tv(x[-1]) / tv(x[0]) - 1):.3f} %)")
    ok = da.max() < 5e-4 and dc.max() < 5e-4
    print("  within 0.05 %:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
