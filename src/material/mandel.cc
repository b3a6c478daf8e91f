// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Mandel notation of fourth-order tensors and their eigenvalues.

#include <camfrac/material/mandel.h>

#include <Eigen/Eigenvalues>

#include <cmath>

namespace camfrac::mandel
{
  double factor(const unsigned int k) { return k < 3 ? 1. : std::sqrt(2.); }

  Matrix matrix(const dealii::SymmetricTensor<4, 3> &C)
  {
    Matrix M;
    for (unsigned int k = 0; k < 6; ++k)
      for (unsigned int l = 0; l < 6; ++l)
        M[k][l] = factor(k) * factor(l) * C[row[k]][column[k]][row[l]][column[l]];
    return M;
  }

  dealii::SymmetricTensor<4, 3> tensor(const Matrix &M)
  {
    dealii::SymmetricTensor<4, 3> C;
    for (unsigned int k = 0; k < 6; ++k)
      for (unsigned int l = 0; l < 6; ++l)
        C[row[k]][column[k]][row[l]][column[l]] = M[k][l] / (factor(k) * factor(l));
    return C;
  }

  std::array<double, 6> eigenvalues(const dealii::SymmetricTensor<4, 3> &C)
  {
    const Matrix                M = matrix(C);
    Eigen::Matrix<double, 6, 6> E;
    for (unsigned int k = 0; k < 6; ++k)
      for (unsigned int l = 0; l < 6; ++l)
        E(k, l) = 0.5 * (M[k][l] + M[l][k]);
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix<double, 6, 6>> solver(E, Eigen::EigenvaluesOnly);
    std::array<double, 6> values;
    for (unsigned int k = 0; k < 6; ++k)
      values[k] = solver.eigenvalues()(k);
    return values;
  }
} // namespace camfrac::mandel
