// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/energy_split.h>

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

  /**
   * How the phase field degrades the stress (docs/theory.md §11.2, Fracture/Stress degradation):
   * - split: sigma = g(d) d psi+/d eps + d psi-/d eps, the derivative of the
   *   energy whose psi+ drives the crack. Cracks carry compression and close.
   *   Nonlinear in the strain: the mechanics is solved by Newton's method.
   * - hybrid (Ambati et al. 2015): sigma = g(d) C : eps, linear; psi+ only
   *   drives the crack, with the guard psi+ < psi- => no driving force.
   */
  enum class StressDegradation
  {
    split,
    hybrid
  };

  /// The stress at one material point and its tangent (sample axes, 3 x 3 also in 2D).
  struct StressResponse
  {
    dealii::SymmetricTensor<2, 3> stress;  ///< sigma [Pa]
    dealii::SymmetricTensor<4, 3> tangent; ///< d sigma / d eps [Pa] (when asked for)
    double positive_energy = 0.; ///< psi+ of the split, undegraded [J/m^3]: what drives the crack
    double negative_energy = 0.; ///< psi- [J/m^3]
    /// The elastic energy density g psi+ + psi- (= sigma : eps_e / 2) [J/m^3].
    double energy = 0.;
    /// e : (d sigma/d eps) : e for the direction e asked for [Pa].
    double curvature = 0.;
  };

  /**
   * The one constitutive law of the mechanics, called by the tangent
   * assembly, the right-hand side, the material-point evaluation and the
   * out-of-plane forces of generalized plane strain (docs/theory.md §7, §11.2,
   * eq. (F-stress)): for the stiffness phi C (phi the optional x-dependent
   * factor, 1 otherwise), the degradation g = (1-d)^2 + k and the split
   * psi = psi+ + psi- of phi C (every split scales with phi),
   *
   *   split:  sigma = phi (g sigma+ + sigma-),  d sigma/d eps = phi (g C+ + C - C+),
   *   hybrid: sigma = phi g C : eps_e,           d sigma/d eps = phi g C,
   *
   * with sigma+- = d psi+-/d eps of the split of C and C+ = d sigma+/d eps.
   * Without a split (@p split null, or 'none') both are the hybrid law and
   * psi+ = psi. The guard of the hybrid law (psi+ < psi- => psi+ := 0, Ambati
   * et al. 2015) is applied to the returned positive energy.
   */
  inline StressResponse stress_response(const dealii::SymmetricTensor<4, 3> &stiffness,
                                        const StrainEnergySplit            *split,
                                        const StressDegradation             mode,
                                        const double                        degradation,
                                        const double                        stiffness_factor,
                                        const dealii::SymmetricTensor<2, 3> &elastic_strain,
                                        const bool                          with_tangent = true,
                                        const dealii::SymmetricTensor<2, 3> *direction   = nullptr)
  {
    StressResponse response;
    const bool     split_stress =
      split != nullptr && mode == StressDegradation::split && split->type_of_split() != StrainEnergySplit::Type::none;
    if (split_stress)
      {
        const StrainEnergySplit::Result parts = split->evaluate(elastic_strain, with_tangent);
        response.stress          = stiffness_factor * (degradation * parts.positive_stress + parts.negative_stress);
        response.positive_energy = stiffness_factor * parts.positive_energy;
        response.negative_energy = stiffness_factor * parts.negative_energy;
        if (with_tangent)
          response.tangent = stiffness_factor * ((degradation - 1.) * parts.positive_tangent + stiffness);
        response.energy = degradation * response.positive_energy + response.negative_energy;
        if (direction != nullptr)
          response.curvature = stiffness_factor * ((degradation - 1.) * split->positive_curvature(elastic_strain, *direction) +
                                                   *direction * (stiffness * *direction));
        return response;
      }
    const dealii::SymmetricTensor<2, 3> undegraded = stiffness_factor * (stiffness * elastic_strain);
    response.stress = degradation * undegraded;
    if (with_tangent)
      response.tangent = (degradation * stiffness_factor) * stiffness;
    if (direction != nullptr)
      response.curvature = degradation * stiffness_factor * (*direction * (stiffness * *direction));
    const double psi = 0.5 * (undegraded * elastic_strain);
    if (split != nullptr)
      {
        const StrainEnergySplit::Result parts = split->evaluate(elastic_strain);
        response.positive_energy = stiffness_factor * parts.positive_energy;
        response.negative_energy = stiffness_factor * parts.negative_energy;
        if (response.positive_energy < response.negative_energy) // Ambati's guard
          response.positive_energy = 0.;
      }
    else
      response.positive_energy = psi;
    response.energy = degradation * psi;
    return response;
  }
} // namespace camfrac
