// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/symmetric_tensor.h>

namespace camfrac
{
  /// A strain or stress of the dim-dimensional model as a 3 x 3 tensor
  /// (2D: the in-plane block, the out-of-plane entries 0).
  template <int dim>
  dealii::SymmetricTensor<2, 3> embed(const dealii::SymmetricTensor<2, dim> &t)
  {
    dealii::SymmetricTensor<2, 3> result;
    for (unsigned int i = 0; i < dim; ++i)
      for (unsigned int j = i; j < dim; ++j)
        result[i][j] = t[i][j];
    return result;
  }

  /// The stress at one material point and its tangent (sample axes, 3 x 3 also in 2D).
  struct StressResponse
  {
    dealii::SymmetricTensor<2, 3> stress;     ///< sigma [Pa]
    dealii::SymmetricTensor<4, 3> tangent;    ///< d sigma / d eps [Pa]
    dealii::SymmetricTensor<2, 3> undegraded; ///< C : eps_e [Pa], whose energy drives the crack
  };

  /**
   * The one constitutive law of the mechanics, called by the stiffness
   * assembly, the right-hand side, the material-point evaluation and the
   * out-of-plane forces of generalized plane strain: the hybrid
   * phase-field stress (docs/theory.md eq. (F-stress), Ambati et al. 2015)
   *
   *   sigma = g(d) C : eps_e,   eps_e = eps(u) - eps_ch(c),   d sigma/d eps = g(d) C,
   *
   * with g = 1 without fracture (docs/theory.md §7). A split stress (cracks
   * that close under compression) replaces exactly this function.
   */
  inline StressResponse stress_response(const dealii::SymmetricTensor<4, 3> &stiffness,
                                        const double                          degradation,
                                        const dealii::SymmetricTensor<2, 3> &elastic_strain)
  {
    StressResponse response;
    response.undegraded = stiffness * elastic_strain;
    response.stress     = degradation * response.undegraded;
    response.tangent    = degradation * stiffness;
    return response;
  }
} // namespace camfrac
