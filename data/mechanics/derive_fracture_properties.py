#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Derive the presets' fracture toughness entries from measured K_IC and strength (data/README.md, 'Fracture properties').

G_c = K_IC^2 (1 - nu^2) / E (plane strain), with E, nu the Hill averages of the preset's stiffness. The
length scale a measured tensile strength sigma_c implies through the homogeneous-solution strength of the
phase-field models (uniaxial stress, Tanne et al. 2018):
    AT1: sigma_c = sqrt(3 E G_c / (8 ell))            ->  ell = 3 E G_c / (8 sigma_c^2)
    AT2: sigma_c = (9/16) sqrt(E G_c / (3 ell))       ->  ell = 27 E G_c / (256 sigma_c^2)
and, the other way round, the strength a chosen ell implies.
"""
import math

# ../shared/data/measured/fracture_strength_toughness_survey.tsv, MPa sqrt(m):
K_GRAIN = [0.271, 0.309]  # single-crystalline NMC / NMC811 pellet (Sharma 2023, tertiary); sintered NMC532 pellet (Xu 2017)
K_GB = 0.102              # NMC532 secondary particle, interfacial pop-in, pristine (Xu 2017)
SIGMA_GB = 745e6          # NMC811 grain-boundary tensile strength, Weibull (Sedlatschek 2026)
PRESETS = {"NMC811, LRMO": (165e9, 0.269), "NMC622, NMC111": (177.5e9, 0.269)}


def strength(model, E, G, ell):
    return math.sqrt(3 * E * G / (8 * ell)) if model == "AT1" else 9 / 16 * math.sqrt(E * G / (3 * ell))


def length(model, E, G, sigma):
    return 3 * E * G / (8 * sigma ** 2) if model == "AT1" else 27 * E * G / (256 * sigma ** 2)


def main():
    k_grain = sum(K_GRAIN) / len(K_GRAIN)
    print(f"K_IC grain = {k_grain:.3f} MPa sqrt(m) (mean of {K_GRAIN}), K_IC boundary = {K_GB} MPa sqrt(m)")
    print(f"f_gb = (K_gb / K_grain)^2 = {(K_GB / k_grain) ** 2:.4f}")
    for name, (E, nu) in PRESETS.items():
        G = (k_grain * 1e6) ** 2 * (1 - nu ** 2) / E
        G_gb = (K_GB * 1e6) ** 2 * (1 - nu ** 2) / E
        print(f"{name}: E = {E / 1e9:g} GPa: G_c grain = {G:.4f} J/m^2, boundary = {G_gb:.4f} J/m^2")
        for model in ("AT1", "AT2"):
            ell = length(model, E, G_gb, SIGMA_GB)
            print(f"  {model}: boundary strength {SIGMA_GB / 1e6:g} MPa implies ell = {ell * 1e9:.2f} nm; "
                  + ", ".join(f"ell = {l * 1e6:g} um gives {strength(model, E, G_gb, l) / 1e6:.0f} MPa (boundary), "
                              f"{strength(model, E, G, l) / 1e6:.0f} MPa (grain)" for l in (0.1e-6, 0.5e-6)))


if __name__ == "__main__":
    main()
