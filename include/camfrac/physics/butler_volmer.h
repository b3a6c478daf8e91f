// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

namespace camfrac
{
  /**
   * Butler–Volmer with a series film resistance, docs/theory.md eq. (BV):
   *
   *   i = i_0 [exp(a f eta) - exp(-(1-a) f eta)],  eta = phi - U - i R_film,
   *
   * with f = F/(RT). Since eta depends on i, i is found by a scalar Newton
   * iteration (monotone in i, so it converges from i = 0 once the step is
   * limited). The derivatives follow by implicit differentiation:
   *
   *   di = k (dphi - dU) + s di_0,   k = B'/(1 + B' R),  s = B/i_0/(1 + B' R),
   *
   * where B(eta) = i_0[...] and B' = dB/deta.
   */
  struct ButlerVolmerResult
  {
    double current_density;       ///< i [A/m^2], positive on charge (Li leaves)
    double overpotential;         ///< eta [V]
    double d_current_d_potential; ///< di/dphi = -di/dU [A/(m^2 V)]
    double d_current_d_exchange;  ///< di/di_0 [-]
  };

  ButlerVolmerResult butler_volmer(const double potential_difference, // phi - U [V]
                                   const double exchange_current_density,
                                   const double transfer_coefficient,
                                   const double thermal_voltage, // RT/F [V]
                                   const double film_resistance);
} // namespace camfrac
