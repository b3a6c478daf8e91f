// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Butler–Volmer kinetics with a series film resistance (docs/theory.md eq. (BV)).

#include <camfrac/physics/butler_volmer.h>

#include <algorithm>
#include <cmath>

namespace camfrac
{
  // ---------------------------------------------------------- Butler–Volmer
  ButlerVolmerResult butler_volmer(const double potential_difference,
                                   const double i0,
                                   const double alpha,
                                   const double thermal_voltage,
                                   const double film_resistance)
  {
    const double f = 1. / thermal_voltage;
    // Limit exponents so that a wild Newton iterate cannot overflow; the
    // global Newton line search brings the iterate back.
    const auto bv = [&](const double eta, double &derivative) {
      const double ea = std::exp(std::min(alpha * f * eta, 300.));
      const double ec = std::exp(std::min(-(1. - alpha) * f * eta, 300.));
      derivative      = i0 * f * (alpha * ea + (1. - alpha) * ec);
      return i0 * (ea - ec);
    };

    double i = 0., slope = 0.;
    if (film_resistance > 0.)
      {
        // Solve g(i) = i - B(dphi - i R) = 0; g' = 1 + B' R > 0, monotone.
        double eta = potential_difference;
        for (unsigned int k = 0; k < 200; ++k)
          {
            eta                   = potential_difference - i * film_resistance;
            const double b        = bv(eta, slope);
            const double residual = i - b;
            const double step     = residual / (1. + slope * film_resistance);
            i -= step;
            if (std::abs(step) <= 1e-14 * (std::abs(i) + i0 + 1e-300))
              break;
          }
        eta = potential_difference - i * film_resistance;
        i   = bv(eta, slope);
        const double denominator = 1. + slope * film_resistance;
        return {i, eta, slope / denominator, (i0 > 0. ? i / i0 : 0.) / denominator};
      }
    i = bv(potential_difference, slope);
    return {i, potential_difference, slope, i0 > 0. ? i / i0 : 0.};
  }
} // namespace camfrac
