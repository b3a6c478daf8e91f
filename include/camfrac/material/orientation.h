// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/tensor.h>

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
} // namespace camfrac
