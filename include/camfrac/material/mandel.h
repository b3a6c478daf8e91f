// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/symmetric_tensor.h>

#include <array>

namespace camfrac
{
  /**
   * Mandel notation of second- and fourth-order tensors with the minor
   * symmetries: the order (11, 22, 33, 23, 13, 12), shear entries scaled by
   * sqrt 2, so that eps : C : eps = e^T M e with e the Mandel vector of eps
   * and M the Mandel matrix of C. M is symmetric when C has the major symmetry.
   */
  namespace mandel
  {
    constexpr unsigned int row[6] = {0, 1, 2, 1, 0, 0};
    constexpr unsigned int column[6] = {0, 1, 2, 2, 2, 1};
    /// 1 for the normal entries, sqrt 2 for the shear entries.
    double factor(unsigned int k);

    using Matrix = std::array<std::array<double, 6>, 6>;
    /// The Mandel matrix of @p stiffness.
    Matrix matrix(const dealii::SymmetricTensor<4, 3> &stiffness);
    /// The tensor of a Mandel matrix (the inverse of matrix()).
    dealii::SymmetricTensor<4, 3> tensor(const Matrix &M);
    /// The eigenvalues of the (symmetrised) Mandel matrix, ascending. All are
    /// positive if and only if @p stiffness is positive definite.
    std::array<double, 6> eigenvalues(const dealii::SymmetricTensor<4, 3> &stiffness);
  } // namespace mandel
} // namespace camfrac
