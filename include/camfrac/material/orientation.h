// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/tensor.h>

#include <array>
#include <cstdint>
#include <random>

namespace camfrac
{
  /**
   * Rotation R taking crystal axes to sample axes, from Bunge Euler angles
   * (phi1, Phi, phi2) in radians, ZXZ convention. The Bunge matrix g maps
   * sample to crystal coordinates; R = g^T. The crystal c-axis in the sample
   * frame is R e_3 = (sin phi1 sin Phi, -cos phi1 sin Phi, cos Phi).
   */
  dealii::Tensor<2, 3> rotation_from_bunge(const double phi1, const double Phi, const double phi2);

  /**
   * A rotation that takes the crystal c-axis e_3 onto the unit vector @p c_axis
   * (sample frame). The rotation about c is irrelevant for hexagonal symmetry
   * of second-order tensors such as D and the chemical strain.
   */
  dealii::Tensor<2, 3> rotation_from_c_axis(const dealii::Tensor<1, 3> &c_axis);

  /// Rotation by @p angle [rad] about the unit vector @p axis (right hand).
  dealii::Tensor<2, 3> rotation_about_axis(const dealii::Tensor<1, 3> &axis, const double angle);

  /// Rotation angle of a rotation matrix, in [0, pi] [rad].
  double rotation_angle(const dealii::Tensor<2, 3> &rotation);

  /**
   * A uniform random number in [0, 1) from 53 bits of @p generator. Unlike
   * std::uniform_real_distribution its result is fixed by the standard, so a
   * seed gives the same microstructure with every compiler and on every rank.
   */
  double uniform_01(std::mt19937_64 &generator);

  /**
   * A rotation drawn from the Haar (uniform) measure on SO(3): a unit
   * quaternion with uniformly distributed direction on S^3 (Shoemake 1992,
   * "Uniform random rotations", Graphics Gems III). docs/theory.md §10.
   */
  dealii::Tensor<2, 3> random_rotation(std::mt19937_64 &generator);

  /**
   * A random unit vector within @p spread [rad] of @p axis, uniform on that
   * spherical cap (uniform in cos theta and in azimuth).
   */
  dealii::Tensor<1, 3> random_direction_in_cone(const dealii::Tensor<1, 3> &axis, const double spread,
                                                std::mt19937_64 &generator);

  /**
   * The 12 proper rotations of the hexagonal point group 622 in crystal axes
   * (c = e_3): six rotations about c by multiples of 60 degrees and six
   * two-fold rotations about in-plane axes at multiples of 30 degrees.
   */
  const std::array<dealii::Tensor<2, 3>, 12> &hexagonal_symmetry_operations();

  /**
   * Misorientation angle [rad] between two crystals with rotations (crystal ->
   * sample) @p a and @p b, reduced by hexagonal symmetry:
   * min_S angle(a^T b S) over the 12 operations S of 622. One-sided
   * minimisation suffices because the angle is a class function and the
   * operations form a group. The result lies in [0, 93.8 deg].
   */
  double hexagonal_misorientation_angle(const dealii::Tensor<2, 3> &a, const dealii::Tensor<2, 3> &b);
} // namespace camfrac
