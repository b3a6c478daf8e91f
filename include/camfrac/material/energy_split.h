// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/symmetric_tensor.h>

#include <array>
#include <string>

namespace camfrac
{
  /**
   * Splits of the elastic energy density psi = 1/2 eps : C : eps into a part
   * psi+ degraded by the phase field and a part psi- that is not, for
   * phase-field fracture (docs/theory.md §11, MODEL.md §5):
   * - none: psi+ = psi;
   * - volumetric_deviatoric (Amor et al. 2009), isotropic C only:
   *   psi+ = K/2 <tr eps>+^2 + mu eps_dev : eps_dev, psi- = K/2 <tr eps>-^2;
   * - spectral (Miehe et al. 2010), isotropic C only:
   *   psi+- = lambda/2 <tr eps>+-^2 + mu sum_i <eps_i>+-^2;
   * - anisotropic (He & Shao 2019), any C: with the Mandel 6-vectors,
   *   eps~ = C^(1/2) eps is split spectrally, eps~ = eps~+ + eps~-, and
   *   psi+- = 1/2 |eps~+-|^2. eps~+ : eps~- = 0, so the parts are orthogonal in
   *   the energy norm: eps+ : C : eps- = 0 with eps+- = C^(-1/2) eps~+-.
   *
   * The stresses are sigma+- = d psi+- / d eps, with sigma+ + sigma- = C : eps,
   * and on request the tangent C+ = d sigma+ / d eps (then d sigma- / d eps =
   * C - C+). The derivative of the positive spectral part is the
   * Daleckii–Krein formula: in the eigenbasis of the tensor, entry (i, j) of a
   * direction is multiplied by the divided difference of <x>+ at (l_i, l_j),
   * or by its derivative H(l) (H(0) = 1/2) at equal eigenvalues
   * (docs/theory.md §11.2 [F-tangent]). All three splits are positively
   * homogeneous of degree 2, so sigma+- : eps = 2 psi+-.
   */
  class StrainEnergySplit
  {
  public:
    enum class Type
    {
      none,
      volumetric_deviatoric,
      spectral,
      anisotropic
    };

    struct Result
    {
      double                        positive_energy = 0.;
      double                        negative_energy = 0.;
      dealii::SymmetricTensor<2, 3> positive_stress;
      dealii::SymmetricTensor<2, 3> negative_stress;
      /// d sigma+ / d eps, filled only when evaluate() is asked for it.
      dealii::SymmetricTensor<4, 3> positive_tangent;
    };

    /// Throws InputError for a split that needs isotropic C when C is not.
    StrainEnergySplit(Type type, const dealii::SymmetricTensor<4, 3> &stiffness);

    Result evaluate(const dealii::SymmetricTensor<2, 3> &elastic_strain, bool with_tangent = false) const;
    /// e : C+ : e, the curvature of psi+ along the direction @p e at @p elastic_strain (the same
    /// divided differences as the tangent, without forming it).
    double positive_curvature(const dealii::SymmetricTensor<2, 3> &elastic_strain,
                              const dealii::SymmetricTensor<2, 3> &e) const;
    Type   type_of_split() const { return type; }
    /// The C the split was built for.
    const dealii::SymmetricTensor<4, 3> &get_stiffness() const { return stiffness; }

    /// The name used in parameter files: none | volumetric-deviatoric | spectral | anisotropic.
    static Type        from_string(const std::string &name);
    static std::string name(Type type);

    /// Whether @p stiffness is isotropic to a relative tolerance of 1e-10.
    static bool is_isotropic(const dealii::SymmetricTensor<4, 3> &stiffness);

  private:
    Type                          type;
    dealii::SymmetricTensor<4, 3> stiffness;
    double                        bulk_modulus = 0., shear_modulus = 0.;
    // C^(1/2) in Mandel notation (anisotropic split).
    std::array<std::array<double, 6>, 6> root;
  };
} // namespace camfrac
