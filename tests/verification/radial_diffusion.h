// SPDX-License-Identifier: LGPL-2.1-or-later
// A one-dimensional reference for radially symmetric nonlinear diffusion,
//   dc/dt = r^-n d/dr (r^n D(c) dc/dr),   D(c) dc/dr = J_in at r = R,
// with n = 2 (sphere) or n = 1 (long cylinder): a finite-volume method on a
// fine uniform grid, implicit Euler with Picard iterations to round-off.
// Independent of the finite-element code (no deal.II).
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace camfrac::testing
{
  class RadialDiffusion
  {
  public:
    RadialDiffusion(const int dim, const double radius, const double c0, const unsigned int n_cells,
                    std::function<double(double)> diffusivity)
      : n(dim - 1)
      , R(radius)
      , h(radius / n_cells)
      , D(std::move(diffusivity))
      , c(n_cells, c0)
    {}

    /// Advance by @p dt with the inward molar flux @p inward_flux [mol/m^2/s].
    void step(const double dt, const double inward_flux)
    {
      const std::size_t   N = c.size();
      const std::vector<double> old = c;
      std::vector<double> a(N), b(N), d(N), rhs(N), next(N);
      for (unsigned int it = 0; it < 200; ++it)
        {
          for (std::size_t i = 0; i < N; ++i)
            {
              const double r_lo = i * h, r_hi = (i + 1) * h;
              const double volume = (std::pow(r_hi, n + 1) - std::pow(r_lo, n + 1)) / (n + 1);
              // faces: conductance r^n D / h with D at the face mean
              const double g_lo = i == 0 ? 0. : std::pow(r_lo, n) * D(0.5 * (c[i - 1] + c[i])) / h;
              const double g_hi = i + 1 == N ? 0. : std::pow(r_hi, n) * D(0.5 * (c[i] + c[i + 1])) / h;
              a[i]   = -dt * g_lo / volume;
              d[i]   = -dt * g_hi / volume;
              b[i]   = 1. - a[i] - d[i];
              rhs[i] = old[i] + (i + 1 == N ? dt * std::pow(R, n) * inward_flux / volume : 0.);
            }
          // Thomas algorithm
          std::vector<double> cp(N), dp(N);
          cp[0] = d[0] / b[0];
          dp[0] = rhs[0] / b[0];
          for (std::size_t i = 1; i < N; ++i)
            {
              const double m = b[i] - a[i] * cp[i - 1];
              cp[i]          = d[i] / m;
              dp[i]          = (rhs[i] - a[i] * dp[i - 1]) / m;
            }
          next[N - 1] = dp[N - 1];
          for (std::size_t i = N - 1; i-- > 0;)
            next[i] = dp[i] - cp[i] * next[i + 1];
          double change = 0.;
          for (std::size_t i = 0; i < N; ++i)
            change = std::max(change, std::abs(next[i] - c[i]));
          c = next;
          if (change < 1e-11 * std::abs(c[0]))
            break;
        }
    }

    /// c at radius r (linear between cell centres, extrapolated at the ends).
    double value(const double r) const
    {
      const double s = r / h - 0.5;
      if (s <= 0.) // c is even in r: fit c0 + k r^2 through the first two centres
        {
          const double k = (c[1] - c[0]) / (2. * h * h);
          return c[0] + k * (r * r - 0.25 * h * h);
        }
      const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(s), c.size() - 2);
      const double      t = s - i;
      return (1. - t) * c[i] + t * c[i + 1];
    }
    /// Volume (area) mean of c.
    double mean() const
    {
      double sum = 0., volume = 0.;
      for (std::size_t i = 0; i < c.size(); ++i)
        {
          const double v = (std::pow((i + 1) * h, n + 1) - std::pow(i * h, n + 1)) / (n + 1);
          sum += c[i] * v;
          volume += v;
        }
      return sum / volume;
    }

  private:
    int                           n;
    double                        R, h;
    std::function<double(double)> D;
    std::vector<double>           c;
  };
} // namespace camfrac::testing
