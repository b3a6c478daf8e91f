// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Diffraction geometry of the hexagonal lattice: spacings against the
// reciprocal-lattice formula, plane normals against vectors lying in the
// planes, the three-fold family average, and Bragg's law.

#include <camfrac/io/errors.h>
#include <camfrac/material/diffraction.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace camfrac;

namespace
{
  // NMC811, pristine (Märker et al. 2019, first row of the lattice table) [Angstrom].
  constexpr double a = 2.8704, c = 14.1918;
} // namespace

TEST(Diffraction, SpacingsAndBraggAngles)
{
  EXPECT_NEAR(reflection_003().d_spacing(a, c), c / 3., 1e-14);
  // (104): 1/d^2 = 4/(3 a^2) + 16/c^2.
  const double d104 = 1. / std::sqrt(4. / (3. * a * a) + 16. / (c * c));
  EXPECT_NEAR(reflection_104().d_spacing(a, c), d104, 1e-14);
  // (110) is a/2: the in-plane metal-metal spacing of a hexagonal net.
  EXPECT_NEAR((Reflection{1, 1, 0, "110"}.d_spacing(a, c)), a / 2., 1e-14);
  // Cu K-alpha1: (003) of a layered oxide near 18.7 deg, (104) near 44.4 deg.
  const double degrees = 180. / M_PI, lambda = 1.5406;
  const double tt003 = bragg_two_theta(c / 3., lambda) * degrees, tt104 = bragg_two_theta(d104, lambda) * degrees;
  std::cout << "  NMC811 pristine: 2 theta(003) = " << tt003 << " deg, 2 theta(104) = " << tt104 << " deg" << std::endl;
  EXPECT_NEAR(tt003, 2. * std::asin(lambda * 3. / (2. * c)) * degrees, 1e-12);
  EXPECT_NEAR(tt003, 18.73, 0.05);
  EXPECT_NEAR(tt104, 44.4, 0.3);
  EXPECT_THROW(bragg_two_theta(1.0, 2.5), InputError);
}

TEST(Diffraction, NormalsAreNormalToThePlanesAndAverageToTheLatticeStrain)
{
  // Lattice vectors a1 = a e1, a2 = a(-1/2, sqrt3/2, 0), a3 = c e3. The plane (hkl)
  // contains a1/h - a3/l and a2/k - a3/l (with a zero index, the axis itself).
  const dealii::Tensor<1, 3> a1({a, 0., 0.}), a2({-0.5 * a, 0.5 * std::sqrt(3.) * a, 0.}), a3({0., 0., c});
  const auto normals = reflection_104().normals(a, c);
  // (104): a2 (k = 0) and a1 - a3/4 lie in the plane.
  EXPECT_NEAR(normals[0] * a2, 0., 1e-14 * a);
  EXPECT_NEAR(normals[0] * (a1 - 0.25 * a3), 0., 1e-14 * a);
  // (0 -1 4) and (-1 1 4): the others of the family.
  EXPECT_NEAR(normals[1] * a1, 0., 1e-14 * a);
  EXPECT_NEAR(normals[1] * (-1. * a2 - 0.25 * a3), 0., 1e-14 * a);
  EXPECT_NEAR(normals[2] * (-1. * a1 - 0.25 * a3), 0., 1e-14 * a);
  EXPECT_NEAR(normals[2] * (a2 - 0.25 * a3), 0., 1e-14 * a);
  for (const auto &n : normals)
    EXPECT_NEAR(n.norm(), 1., 1e-15);
  // The spacing follows the plane normal: d = 1/|g| and the projection of a3 on n is l d.
  const double d = reflection_104().d_spacing(a, c);
  EXPECT_NEAR(normals[0] * a3, 4. * d, 1e-12);

  // Averaged over the family, n . eps . n = sin^2(theta) (eps11 + eps22)/2 + cos^2(theta) eps33,
  // which is the first-order change of d(a(1 + eps_ab), c(1 + eps_cc)).
  dealii::SymmetricTensor<2, 3> eps;
  eps[0][0] = 3e-3, eps[1][1] = -1e-3, eps[2][2] = 2e-3, eps[0][1] = 1.5e-3, eps[1][2] = -0.7e-3, eps[0][2] = 0.4e-3;
  double mean = 0.;
  for (const auto &n : normals)
    mean += Reflection::strain_along(n, eps) / 3.;
  const double cos2 = normals[0][2] * normals[0][2];
  EXPECT_NEAR(mean, (1. - cos2) * 0.5 * (eps[0][0] + eps[1][1]) + cos2 * eps[2][2], 1e-16);
  const double h = 1e-6, eab = 0.5 * (eps[0][0] + eps[1][1]), ecc = eps[2][2];
  const double dd = (reflection_104().d_spacing(a * (1. + h * eab), c * (1. + h * ecc)) -
                     reflection_104().d_spacing(a * (1. - h * eab), c * (1. - h * ecc))) / (2. * h * d);
  EXPECT_NEAR(dd, mean, 1e-9);
}
