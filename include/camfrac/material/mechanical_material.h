// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/monotone_cubic.h>

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>

#include <string>

namespace camfrac
{
  /**
   * Elastic stiffness and chemical (lattice) strain of a layered cathode
   * crystal (docs/theory.md §6). Everything is defined in crystal axes
   * (axis 3 = the c-axis, normal to the (003) planes) and rotated into sample
   * axes by the crystal orientation R (crystal -> sample), which the caller
   * supplies per material point: this is the interface polycrystals feed.
   *
   * - Stiffness: trigonal (Laue class -3m of the R-3m layered oxides, x_1
   *   along a two-fold axis) with C11, C12, C13, C14, C33, C44, where
   *   C14 = -C24 = C56 and C66 = (C11 - C12)/2; hexagonal (transversely
   *   isotropic about c), the trigonal form with C14 = 0; or isotropic (E, nu).
   * - Chemical strain: eps_ch = R diag(eps_a, eps_a, eps_c) R^T with
   *   eps_a = a(x)/a(x_ref) - 1, eps_c = c(x)/c(x_ref) - 1, a and c PCHIP
   *   interpolants of a lattice table; or isotropic Omega (c - c_ref)/3 I.
   *
   * Parameters live in section "Material" (declare_parameters()).
   */
  class MechanicalMaterial
  {
  public:
    enum class Elasticity
    {
      hexagonal,
      trigonal,
      isotropic
    };
    enum class ChemicalStrain
    {
      lattice,
      isotropic
    };

    static void declare_parameters(dealii::ParameterHandler &prm);
    /// Reads section "Material"; @p maximum_concentration is c_max [mol/m^3].
    void parse_parameters(dealii::ParameterHandler &prm, const std::string &data_directory,
                          double maximum_concentration);

    /// Isotropic elasticity from Young's modulus [Pa] and Poisson's ratio.
    void set_isotropic_elasticity(double youngs_modulus, double poisson_ratio);
    /// Hexagonal elasticity from the five constants [Pa] in crystal axes.
    void set_hexagonal_elasticity(double c11, double c12, double c13, double c33, double c44);
    /// Trigonal elasticity from the six constants [Pa] in crystal axes (Voigt
    /// C14 = C1123). Throws InputError naming the parameters unless positive definite.
    void set_trigonal_elasticity(double c11, double c12, double c13, double c14, double c33, double c44);
    /// Isotropic chemical strain Omega (c - x_ref c_max)/3 I.
    void set_isotropic_chemical_strain(double partial_molar_volume, double reference_stoichiometry,
                                       double maximum_concentration);
    /// Lattice chemical strain from tabulated a(x), c(x) (any length unit).
    void set_lattice_chemical_strain(const MonotoneCubic &a, const MonotoneCubic &c,
                                     double reference_stoichiometry, double maximum_concentration);

    Elasticity     elasticity_model() const { return elasticity; }
    ChemicalStrain chemical_strain_model() const { return strain_model; }

    /// Stiffness in crystal axes [Pa].
    const dealii::SymmetricTensor<4, 3> &crystal_stiffness() const { return stiffness_crystal; }
    /// Stiffness in sample axes, C_ijkl = R_ip R_jq R_kr R_ls C0_pqrs [Pa].
    dealii::SymmetricTensor<4, 3> stiffness(const dealii::Tensor<2, 3> &rotation) const;

    /// The lattice parameters (a, c) of the stress-free crystal at the
    /// reference stoichiometry [m] ('Chemical strain model = lattice'; the
    /// table is in Angstrom).
    std::pair<double, double> reference_lattice_parameters() const;

    /// Principal chemical strains (eps_a, eps_c) at Li fraction x [-].
    std::pair<double, double> principal_chemical_strain(double x) const;
    /// d(eps_a, eps_c)/dx [-].
    std::pair<double, double> principal_chemical_strain_derivative(double x) const;
    /// d^2(eps_a, eps_c)/dx^2 [-]: 0 for isotropic swelling, exact (the PCHIP's
    /// piecewise-linear second derivative) for lattice tables.
    std::pair<double, double> principal_chemical_strain_second_derivative(double x) const;

    /// eps_ch in sample axes at concentration @p c [mol/m^3].
    dealii::SymmetricTensor<2, 3> chemical_strain(double c, const dealii::Tensor<2, 3> &rotation) const;
    /// d eps_ch / dc in sample axes [m^3/mol].
    dealii::SymmetricTensor<2, 3> chemical_strain_derivative(double c, const dealii::Tensor<2, 3> &rotation) const;
    /// d^2 eps_ch / dc^2 in sample axes [m^6/mol^2].
    dealii::SymmetricTensor<2, 3> chemical_strain_second_derivative(double c, const dealii::Tensor<2, 3> &rotation) const;

    /// beta of the x-dependent stiffness C(x) = phi(x) C, phi(x) = 1 - beta (x_ref - x)
    /// ('Stiffness softening', docs/theory.md [C-x]); 0: C does not depend on x.
    double stiffness_softening = 0.;
    /// phi(x) [-].
    double stiffness_factor(const double x) const { return 1. - stiffness_softening * (reference_stoichiometry - x); }

    /// Voigt averages of the bulk and shear moduli [Pa] (rotation invariant).
    double bulk_modulus() const;
    double shear_modulus() const;

    double maximum_concentration = 51765.;
    double reference_stoichiometry = 1.;

  private:
    Elasticity                    elasticity   = Elasticity::isotropic;
    ChemicalStrain                strain_model = ChemicalStrain::isotropic;
    dealii::SymmetricTensor<4, 3> stiffness_crystal;
    double                        partial_molar_volume = 0.;
    MonotoneCubic                 lattice_a, lattice_c;
    double                        a_reference = 1., c_reference = 1.;
  };
} // namespace camfrac
