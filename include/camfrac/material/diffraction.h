// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>

#include <array>
#include <string>

namespace camfrac
{
  /**
   * X-ray diffraction geometry of the layered R-3m oxides in their hexagonal
   * axes (docs/theory.md [XRD]): a_1 = a e_1, a_2 = a (-1/2, sqrt3/2, 0),
   * c = c e_3, so the Cartesian crystal frame is that of the stiffness and the
   * chemical strain (x along a, z along c).
   */
  struct Reflection
  {
    int         h = 0, k = 0, l = 0;
    std::string name; ///< e.g. "003"

    /// Interplanar spacing of the stress-free lattice (a, c),
    /// 1/d^2 = 4/3 (h^2 + hk + k^2)/a^2 + l^2/c^2 [units of a, c].
    double d_spacing(double a, double c) const;
    /// The unit normals (crystal frame) of the three planes of the family
    /// related by the three-fold axis: (hkl), (k, -h-k, l), (-h-k, h, l).
    /// For (00l) they coincide.
    std::array<dealii::Tensor<1, 3>, 3> normals(double a, double c) const;
    /// Relative change of the spacing of the plane with unit normal @p n
    /// under the small lattice strain @p strain (crystal frame): n . eps . n.
    static double strain_along(const dealii::Tensor<1, 3> &n, const dealii::SymmetricTensor<2, 3> &strain);
  };

  /// (003): the spacing of the oxygen layers, c/3.
  const Reflection &reflection_003();
  /// (104): the strongest reflection that sees a and c.
  const Reflection &reflection_104();

  /// Bragg's law: the diffraction angle 2 theta [rad] of spacing @p d for the
  /// wavelength @p wavelength (same length unit). Throws InputError when
  /// wavelength >= 2 d (no diffraction).
  double bragg_two_theta(double d, double wavelength);
} // namespace camfrac
