#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Derive the anisotropic stand-in stiffness of the camfrac presets (data/README.md, 'Elastic constants').

The shape of the tensor (C12/C11, C13/C11, C14/C44, C33/C11, C44/C11) is the mean of the normalised
DFT tensors of the layered R-3m analog oxides in ../shared/data/measured (LiCrO2, LiCuO2; Materials
Project). The scale is set so that the Hill average Young's modulus of an untextured polycrystal of
such grains equals a measured NMC modulus. Prints the constants [GPa] and their Voigt-Reuss-Hill moduli.

usage: derive_preset_stiffness.py [E_Hill_GPa ...]   (default: 165, the micro-tensile E of NMC811)
"""
import sys

import numpy as np

# GPa, Voigt (11,22,33,23,13,12), IEEE setting z || c, x || a (data/measured/elastic_R-3m_analogs_MaterialsProject.tsv).
ANALOGS = {
    "LiCrO2 mp-18793": dict(C11=351, C12=106, C13=69, C14=-9, C33=203, C44=54),
    "LiCuO2 mp-25372": dict(C11=247, C12=88, C13=65, C14=-6, C33=185, C44=50),
}


def voigt(C11, C12, C13, C14, C33, C44):
    C66 = 0.5 * (C11 - C12)
    return np.array([[C11, C12, C13, C14, 0, 0], [C12, C11, C13, -C14, 0, 0], [C13, C13, C33, 0, 0, 0],
                     [C14, -C14, 0, C44, 0, 0], [0, 0, 0, 0, C44, C14], [0, 0, 0, 0, C14, C66]], dtype=float)


def hill(C):
    """Voigt, Reuss and Hill bulk and shear moduli and the Hill E, nu of a 6x6 Voigt stiffness."""
    S = np.linalg.inv(C)
    KV = (C[0, 0] + C[1, 1] + C[2, 2] + 2 * (C[0, 1] + C[1, 2] + C[0, 2])) / 9
    GV = (C[0, 0] + C[1, 1] + C[2, 2] - (C[0, 1] + C[1, 2] + C[0, 2]) + 3 * (C[3, 3] + C[4, 4] + C[5, 5])) / 15
    KR = 1 / (S[0, 0] + S[1, 1] + S[2, 2] + 2 * (S[0, 1] + S[1, 2] + S[0, 2]))
    GR = 15 / (4 * (S[0, 0] + S[1, 1] + S[2, 2]) - 4 * (S[0, 1] + S[1, 2] + S[0, 2]) + 3 * (S[3, 3] + S[4, 4] + S[5, 5]))
    K, G = 0.5 * (KV + KR), 0.5 * (GV + GR)
    return dict(KV=KV, GV=GV, KR=KR, GR=GR, E=9 * K * G / (3 * K + G), nu=(3 * K - 2 * G) / (2 * (3 * K + G)))


def directional_moduli(C):
    """Young's modulus along c (E_3 = 1/S33) and along a (E_1 = 1/S11)."""
    S = np.linalg.inv(C)
    return 1 / S[0, 0], 1 / S[2, 2]


def main():
    targets = [float(a) for a in sys.argv[1:]] or [165.0]
    ratios = {}
    for name, c in ANALOGS.items():
        h = hill(voigt(**c))
        print(f"{name}: E_Hill = {h['E']:.1f} GPa (table 210.63 / 165.15), K_V = {h['KV']:.2f}, G_V = {h['GV']:.3f}")
        for key in ("C12", "C13", "C33", "C44"):
            ratios.setdefault(key, []).append(c[key] / c["C11"])
        ratios.setdefault("C14/C44", []).append(c["C14"] / c["C44"])
    mean = {k: float(np.mean(v)) for k, v in ratios.items()}
    print("ratios to C11 (mean of the analogs, [min, max]):")
    for k, v in ratios.items():
        print(f"  {k:8s} {mean[k]:.4f}  [{min(v):.4f}, {max(v):.4f}]")
    shape = dict(C11=1.0, C12=mean["C12"], C13=mean["C13"], C33=mean["C33"], C44=mean["C44"])
    shape["C14"] = mean["C14/C44"] * shape["C44"]
    unit = hill(voigt(**shape))["E"]
    for target in targets:
        c = {k: v * target / unit for k, v in shape.items()}
        C = voigt(**c)
        h = hill(C)
        e_a, e_c = directional_moduli(C)
        print(f"E_Hill = {target:g} GPa: C11 {c['C11']:.1f}, C12 {c['C12']:.1f}, C13 {c['C13']:.1f}, C14 {c['C14']:.2f}, "
              f"C33 {c['C33']:.1f}, C44 {c['C44']:.1f} GPa; K_H {0.5 * (h['KV'] + h['KR']):.1f}, "
              f"G_H {0.5 * (h['GV'] + h['GR']):.1f}, nu_H {h['nu']:.3f}; E_a {e_a:.1f}, E_c {e_c:.1f} GPa, "
              f"E_a/E_c {e_a / e_c:.2f}; min eigenvalue {np.linalg.eigvalsh(C * np.outer(*(2 * [np.r_[1, 1, 1, 2**.5, 2**.5, 2**.5]]))).min():.1f}")


if __name__ == "__main__":
    main()
