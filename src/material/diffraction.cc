// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// X-ray diffraction geometry of a hexagonal lattice: spacings, plane normals, Bragg angles.

#include <camfrac/io/errors.h>
#include <camfrac/material/diffraction.h>

#include <cmath>
#include <sstream>

namespace camfrac
{
  double Reflection::d_spacing(const double a, const double c) const
  {
    const double inverse_square = 4. / 3. * (h * h + h * k + k * k) / (a * a) + double(l * l) / (c * c);
    return 1. / std::sqrt(inverse_square);
  }

  std::array<dealii::Tensor<1, 3>, 3> Reflection::normals(const double a, const double c) const
  {
    // Reciprocal basis of a_1 = a e1, a_2 = a(-1/2, sqrt3/2, 0), a_3 = c e3:
    // a*_1 = (1, 1/sqrt3, 0)/a, a*_2 = (0, 2/sqrt3, 0)/a, a*_3 = e3/c.
    const auto g = [&](const int H, const int K) {
      dealii::Tensor<1, 3> v({H / a, (H + 2. * K) / (std::sqrt(3.) * a), l / c});
      return v / v.norm();
    };
    return {g(h, k), g(k, -h - k), g(-h - k, h)};
  }

  double Reflection::strain_along(const dealii::Tensor<1, 3> &n, const dealii::SymmetricTensor<2, 3> &strain)
  {
    return n * (strain * n);
  }

  const Reflection &reflection_003()
  {
    static const Reflection r{0, 0, 3, "003"};
    return r;
  }

  const Reflection &reflection_104()
  {
    static const Reflection r{1, 0, 4, "104"};
    return r;
  }

  double bragg_two_theta(const double d, const double wavelength)
  {
    if (!(wavelength > 0.) || !(wavelength < 2. * d))
      {
        std::ostringstream message;
        message << "parameter 'Output/XRD wavelength' (" << wavelength
                << " m) must be positive and shorter than twice the spacing " << d << " m of the reflection";
        throw InputError(message.str());
      }
    return 2. * std::asin(wavelength / (2. * d));
  }
} // namespace camfrac
