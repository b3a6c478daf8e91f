#!/usr/bin/env python3
# The runs of polycrystal-gradient-energy.sh: voltage, Li heterogeneity std_x,
# the range max x - min x and the largest grain-boundary normal stress against
# SOC, for kappa > 0 at h, h/2, h/4 and kappa = 0 at h, h/2; and on stdout the
# values at 4.3 V (kappa > 0) and at t = 2640 s (both) with their differences
# between meshes.
# Usage: plot-polycrystal-gradient-energy.py DIR OUT.png
import csv, os, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

directory, out = sys.argv[1], sys.argv[2]
runs = [("kappa-r4", "kappa = 1e-13, h", "tab:blue", "-"), ("kappa-r5", "kappa = 1e-13, h/2", "tab:blue", "--"),
        ("kappa-r6", "kappa = 1e-13, h/4", "tab:blue", ":"), ("zero-r4", "kappa = 0, h", "tab:red", "-"),
        ("zero-r5", "kappa = 0, h/2", "tab:red", "--"), ("one-way-r4", "one-way, h", "0.5", "-"),
        ("one-way-r5", "one-way, h/2", "0.5", "--")]
columns = [("voltage_V", "voltage [V]", 1.), ("std_x", "std_x (Li heterogeneity) [-]", 1.),
           ("range", "max x - min x [-]", 1.), ("max_gb_normal_stress_Pa", "max grain-boundary normal stress [GPa]", 1e-9)]


def load(name):
    path = f"{directory}/output-pc-ge-{name}/history.csv"
    if not os.path.exists(path):
        return None
    rows = list(csv.DictReader(open(path)))
    for r in rows:
        r["range"] = float(r["max_x"]) - float(r["min_x"])
    return rows


def at_time(rows, column, t_end=2640.):
    for a, b in zip(rows, rows[1:]):
        ta, tb = float(a["time_s"]), float(b["time_s"])
        if ta <= t_end <= tb:
            t = (t_end - ta) / (tb - ta)
            return (1 - t) * float(a[column]) + t * float(b[column])
    return float("nan")


def at_voltage(rows, column, v=4.3):
    # linear interpolation in time at the first crossing of v
    for a, b in zip(rows, rows[1:]):
        va, vb = float(a["voltage_V"]), float(b["voltage_V"])
        if va <= v <= vb and vb > va:
            t = (v - va) / (vb - va)
            return (1 - t) * float(a[column]) + t * float(b[column])
    return float("nan")


fig, axes = plt.subplots(1, 4, figsize=(19, 4.3))
data = {}
for name, label, color, style in runs:
    rows = load(name)
    if rows is None:
        continue
    data[name] = rows
    soc = [100 * float(r["soc"]) for r in rows]
    for ax, (column, title, scale) in zip(axes, columns):
        ax.plot(soc, [scale * float(r[column]) for r in rows], style, color=color, label=label)
for ax, (column, title, scale) in zip(axes, columns):
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("SOC [%]")
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=8)
fig.suptitle("30-grain NMC811 polycrystal, 2D, 1C to 4.4 V, two-way coupled: mesh convergence with and without "
             "the gradient energy")
fig.tight_layout()
fig.savefig(out, dpi=110)

print("run soc_pct std_x range max_gb_GPa min_effective_diffusivity_ratio steps (values at 4.3 V; ratio: minimum)")
for name, label, _, _ in runs:
    if name in data:
        rows = data[name]
        print(f"{name:11s} {100 * at_voltage(rows, 'soc'):6.2f} {at_voltage(rows, 'std_x'):.5f} "
              f"{at_voltage(rows, 'range'):.4f} {1e-9 * at_voltage(rows, 'max_gb_normal_stress_Pa'):.3f} "
              f"{min(float(r['min_effective_diffusivity_ratio']) for r in rows):.3f} {len(rows)}")
for when, at in (("4.3 V", at_voltage), ("t = 2640 s", at_time)):
    for family in ("kappa", "zero"):
        names = [n for n in (f"{family}-r4", f"{family}-r5", f"{family}-r6") if n in data]
        for a, b in zip(names, names[1:]):
            values = [(at(data[a], c), at(data[b], c)) for c in ("soc", "std_x", "range", "max_gb_normal_stress_Pa")]
            if any(v != v for pair in values for v in pair):
                continue
            diffs = [abs(va - vb) / abs(vb) for va, vb in values]
            print(f"at {when}: {a} vs {b}: relative differences soc {diffs[0]:.2e} std_x {diffs[1]:.2e} "
                  f"range {diffs[2]:.2e} max_gb {diffs[3]:.2e}")
print("at t = 2640 s: run std_x range max_gb_GPa")
for name, label, _, _ in runs:
    if name in data:
        rows = data[name]
        print(f"{name:11s} {at_time(rows, 'std_x'):.5f} {at_time(rows, 'range'):.4f} "
              f"{1e-9 * at_time(rows, 'max_gb_normal_stress_Pa'):.3f}")
print("at 4.4 V (between the last two steps): run min_x max_x max_gb_GPa centre_sigma_h_MPa")
for name, label, _, _ in runs:
    if name in data and float(data[name][-1]["voltage_V"]) > 4.39:
        a, b = data[name][-2], data[name][-1]
        t = (4.4 - float(a["voltage_V"])) / (float(b["voltage_V"]) - float(a["voltage_V"]))
        v = {c: (1 - t) * float(a[c]) + t * float(b[c])
             for c in ("min_x", "max_x", "max_gb_normal_stress_Pa", "center_hydrostatic_stress_Pa")}
        print(f"{name:11s} {v['min_x']:.4f} {v['max_x']:.4f} {1e-9 * v['max_gb_normal_stress_Pa']:.3f} "
              f"{1e-6 * v['center_hydrostatic_stress_Pa']:.1f}")
