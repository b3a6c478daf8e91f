// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Crystal orientations: Bunge angles, c-axis rotations, random rotations and hexagonal misorientation.

#include <camfrac/io/errors.h>
#include <camfrac/material/orientation.h>

#include <algorithm>
#include <cmath>

namespace camfrac
{
  // ------------------------------------------------------------ orientation
  dealii::Tensor<2, 3> rotation_from_bunge(const double phi1, const double Phi, const double phi2)
  {
    const double c1 = std::cos(phi1), s1 = std::sin(phi1);
    const double c  = std::cos(Phi), s = std::sin(Phi);
    const double c2 = std::cos(phi2), s2 = std::sin(phi2);
    dealii::Tensor<2, 3> g; // sample -> crystal (Bunge 1982)
    g[0][0] = c1 * c2 - s1 * s2 * c;
    g[0][1] = s1 * c2 + c1 * s2 * c;
    g[0][2] = s2 * s;
    g[1][0] = -c1 * s2 - s1 * c2 * c;
    g[1][1] = -s1 * s2 + c1 * c2 * c;
    g[1][2] = c2 * s;
    g[2][0] = s1 * s;
    g[2][1] = -c1 * s;
    g[2][2] = c;
    return dealii::transpose(g);
  }

  dealii::Tensor<2, 3> rotation_from_c_axis(const dealii::Tensor<1, 3> &c_axis)
  {
    const double norm = c_axis.norm();
    if (!(norm > 0.))
      throw InputError("the c-axis direction must be a non-zero vector");
    const dealii::Tensor<1, 3> m = c_axis / norm;
    // Phi = angle from e_3; phi1 from m = (sin phi1 sin Phi, -cos phi1 sin Phi, cos Phi).
    const double Phi  = std::acos(std::max(-1., std::min(1., m[2])));
    const double phi1 = std::atan2(m[0], -m[1]);
    return rotation_from_bunge(phi1, Phi, 0.);
  }

  dealii::Tensor<2, 3> rotation_about_axis(const dealii::Tensor<1, 3> &axis, const double angle)
  {
    const dealii::Tensor<1, 3> n = axis / axis.norm();
    const double               c = std::cos(angle), s = std::sin(angle);
    dealii::Tensor<2, 3>       R;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        R[i][j] = (i == j ? c : 0.) + (1. - c) * n[i] * n[j];
    // + sin(angle) [n]_x
    R[0][1] -= s * n[2];
    R[0][2] += s * n[1];
    R[1][0] += s * n[2];
    R[1][2] -= s * n[0];
    R[2][0] -= s * n[1];
    R[2][1] += s * n[0];
    return R;
  }

  double rotation_angle(const dealii::Tensor<2, 3> &rotation)
  {
    const double cosine = 0.5 * (dealii::trace(rotation) - 1.);
    return std::acos(std::max(-1., std::min(1., cosine)));
  }

  double uniform_01(std::mt19937_64 &generator)
  {
    return static_cast<double>(generator() >> 11) * 0x1.0p-53;
  }

  dealii::Tensor<2, 3> random_rotation(std::mt19937_64 &generator)
  {
    const double u1 = uniform_01(generator), u2 = uniform_01(generator), u3 = uniform_01(generator);
    const double a = std::sqrt(1. - u1), b = std::sqrt(u1);
    const double w = a * std::sin(2. * M_PI * u2), x = a * std::cos(2. * M_PI * u2);
    const double y = b * std::sin(2. * M_PI * u3), z = b * std::cos(2. * M_PI * u3);
    dealii::Tensor<2, 3> R;
    R[0][0] = 1. - 2. * (y * y + z * z);
    R[0][1] = 2. * (x * y - z * w);
    R[0][2] = 2. * (x * z + y * w);
    R[1][0] = 2. * (x * y + z * w);
    R[1][1] = 1. - 2. * (x * x + z * z);
    R[1][2] = 2. * (y * z - x * w);
    R[2][0] = 2. * (x * z - y * w);
    R[2][1] = 2. * (y * z + x * w);
    R[2][2] = 1. - 2. * (x * x + y * y);
    return R;
  }

  dealii::Tensor<1, 3> random_direction_in_cone(const dealii::Tensor<1, 3> &axis, const double spread,
                                                std::mt19937_64 &generator)
  {
    const dealii::Tensor<1, 3> n = axis / axis.norm();
    const double cos_theta = 1. - uniform_01(generator) * (1. - std::cos(spread));
    const double psi       = 2. * M_PI * uniform_01(generator);
    // An orthonormal pair perpendicular to n.
    dealii::Tensor<1, 3> helper;
    helper[std::abs(n[0]) < 0.9 ? 0 : 1] = 1.;
    dealii::Tensor<1, 3> t1 = helper - (helper * n) * n;
    t1 /= t1.norm();
    const dealii::Tensor<1, 3> t2 = dealii::cross_product_3d(n, t1);
    const double sin_theta = std::sqrt(std::max(0., 1. - cos_theta * cos_theta));
    return cos_theta * n + sin_theta * (std::cos(psi) * t1 + std::sin(psi) * t2);
  }

  const std::array<dealii::Tensor<2, 3>, 12> &hexagonal_symmetry_operations()
  {
    static const std::array<dealii::Tensor<2, 3>, 12> operations = [] {
      std::array<dealii::Tensor<2, 3>, 12> ops;
      const dealii::Tensor<1, 3>           c_axis({0., 0., 1.});
      for (unsigned int k = 0; k < 6; ++k)
        {
          ops[k] = rotation_about_axis(c_axis, k * M_PI / 3.);
          const double phi = k * M_PI / 6.;
          ops[6 + k]       = rotation_about_axis(dealii::Tensor<1, 3>({std::cos(phi), std::sin(phi), 0.}), M_PI);
        }
      return ops;
    }();
    return operations;
  }

  double hexagonal_misorientation_angle(const dealii::Tensor<2, 3> &a, const dealii::Tensor<2, 3> &b)
  {
    const dealii::Tensor<2, 3> delta = dealii::transpose(a) * b;
    double                     angle = M_PI;
    for (const auto &S : hexagonal_symmetry_operations())
      angle = std::min(angle, rotation_angle(delta * S));
    return angle;
  }
} // namespace camfrac
