// SPDX-License-Identifier: LGPL-2.1-or-later
// Crank's series solutions for constant-flux diffusion into a sphere and a
// long cylinder (../shared/VERIFICATION.md §A; Crank, The Mathematics of
// Diffusion, §6.3 and §5.3). Independent of the finite-element code.
#pragma once

#include <deal.II/base/function.h>
#include <deal.II/base/point.h>

#include <cmath>
#include <vector>

namespace camfrac::testing
{
  /// Positive roots of tan(a) = a (sphere) or J1(b) = 0 (cylinder).
  inline std::vector<double> crank_roots(const int dim, const unsigned int n)
  {
    std::vector<double> roots;
    const auto f = [dim](double a) {
      return dim == 3 ? std::sin(a) - a * std::cos(a) : std::cyl_bessel_j(1, a);
    };
    // Scan for sign changes, then bisect.
    double a = 1.0, fa = f(a);
    const double step = 0.01;
    while (roots.size() < n)
      {
        const double b = a + step, fb = f(b);
        if (fa * fb < 0.)
          {
            double lo = a, hi = b, flo = fa;
            for (int k = 0; k < 80; ++k)
              {
                const double mid = 0.5 * (lo + hi), fm = f(mid);
                if (fm * flo <= 0.)
                  hi = mid;
                else
                  {
                    lo  = mid;
                    flo = fm;
                  }
              }
            roots.push_back(0.5 * (lo + hi));
          }
        a  = b;
        fa = fb;
      }
    return roots;
  }

  /**
   * c(r, t) for uniform initial c0 and a constant inward flux J [mol/m^2/s]
   * through the surface r = R, with diffusivity D.
   */
  template <int dim>
  class CrankSolution : public dealii::Function<dim>
  {
  public:
    CrankSolution(double c0, double flux, double radius, double diffusivity, double time, unsigned int terms = 200)
      : c0(c0), flux(flux), radius(radius), diffusivity(diffusivity), tau(diffusivity * time / (radius * radius)),
        roots(crank_roots(dim, terms))
    {}

    double dimensionless(const double x) const
    {
      double value;
      if (dim == 3)
        {
          value = 3. * tau + 0.5 * x * x - 0.3;
          for (const double a : roots)
            {
              if (a * a * tau > 40.) // remaining terms below 1e-17
                break;
              const double shape = x < 1e-8 ? a / std::sin(a) : std::sin(a * x) / (x * std::sin(a));
              value -= 2. * shape / (a * a) * std::exp(-a * a * tau);
            }
        }
      else
        {
          value = 2. * tau + 0.5 * x * x - 0.25;
          for (const double b : roots)
            if (b * b * tau <= 40.)
              value -= 2. * std::cyl_bessel_j(0, b * x) / (b * b * std::cyl_bessel_j(0, b)) * std::exp(-b * b * tau);
        }
      return value;
    }

    double value(const dealii::Point<dim> &p, const unsigned int = 0) const override
    {
      return c0 + flux * radius / diffusivity * dimensionless(std::min(p.norm() / radius, 1.));
    }

    double c0, flux, radius, diffusivity, tau;
    std::vector<double> roots;
  };
} // namespace camfrac::testing
