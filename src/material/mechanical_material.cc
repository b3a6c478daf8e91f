// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The mechanical material: anisotropic stiffness, its rotation, and the chemical (lattice) strain.

#include <camfrac/io/errors.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/material/mandel.h>
#include <camfrac/material/mechanical_material.h>
#include <camfrac/material/monotone_cubic.h>
#include <camfrac/material/orientation.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

namespace camfrac
{
  // ------------------------------------------------------ MechanicalMaterial
  void MechanicalMaterial::declare_parameters(dealii::ParameterHandler &prm)
  {
    using dealii::Patterns::Double;
    using dealii::Patterns::Selection;
    prm.enter_subsection("Material");
    {
      prm.declare_entry("Elasticity model", "trigonal", Selection("trigonal|hexagonal|isotropic"),
                        "'trigonal': the six single-crystal constants C11, C12, C13, C14, C33, C44 of the R-3m layered "
                        "oxides (Laue class -3m), rotated by the crystal orientation; 'hexagonal': the same with C14 = 0 "
                        "(transversely isotropic about c); 'isotropic': Young's modulus and Poisson's ratio.");
      prm.declare_entry("C11", "2.594e11", Double(1e6), "Stiffness C11 = C1111 in crystal axes (1 = a-axis, 3 = c-axis) [Pa], >= 1e6. Defaults (C11 ... C44): the NMC811 preset's ANISOTROPIC STAND-IN, the mean shape of the DFT tensors of the R-3m analogs LiCrO2 and LiCuO2 scaled to the measured polycrystal E = 165 GPa of NMC811 (data/README.md, 'Elastic constants').");
      prm.declare_entry("C12", "8.54e10", Double(-1e13), "Stiffness C12 = C1122 [Pa].");
      prm.declare_entry("C13", "5.96e10", Double(-1e13), "Stiffness C13 = C1133 = C2233 [Pa].");
      prm.declare_entry("C14", "-6.62e9", Double(-1e13), "Trigonal stiffness C14 = C1123 = -C2223 = C1312 [Pa], with x_1 along the crystal a-axis (a two-fold axis) as in the IEEE setting of the Materials Project. Must be 0 for 'Elasticity model = hexagonal'.");
      prm.declare_entry("C33", "1.722e11", Double(1e6), "Stiffness C33 = C3333 [Pa], >= 1e6.");
      prm.declare_entry("C44", "4.62e10", Double(1e6), "Stiffness C44 = C2323 = C1313 [Pa], >= 1e6. C66 = C1212 = (C11 - C12)/2.");
      prm.declare_entry("Stiffness softening", "0", Double(0., 0.9),
                        "beta [-], in [0, 0.9]: the stiffness depends on the Li fraction as C(x) = [1 - beta (x_ref - x)] C, "
                        "C the constants above at the reference stoichiometry x_ref, in the stress and, consistently, in "
                        "the chemical potential (docs/theory.md [C-x]). 0: no dependence (the default). Measured on NMC532 "
                        "secondary particles: E falls by 22 % from the discharged state to Li0.5 (Xu et al. 2017, "
                        "nanoindentation; DFT 21 %), beta = 0.44. The elasticity matrix is then rebuilt at every solve.");
      prm.declare_entry("Young's modulus", "1.65e11", Double(1e6), "E for 'Elasticity model = isotropic' [Pa], >= 1e6. Default: the Hill average of the default C11 ... C44.");
      prm.declare_entry("Poisson's ratio", "0.269", Double(-0.99, 0.49), "nu for 'Elasticity model = isotropic' [-], in [-0.99, 0.49]. Default: the Hill average of the default C11 ... C44.");
      prm.declare_entry("Chemical strain model", "lattice", Selection("lattice|isotropic"),
                        "'lattice': eps_ch = R diag(eps_a, eps_a, eps_c) R^T from the lattice parameter table; "
                        "'isotropic': eps_ch = Omega (c - c_ref)/3 I with the partial molar volume below.");
      prm.declare_entry("Lattice parameter file", "lattice/NMC811_Maerker2019.tsv", dealii::Patterns::Anything(),
                        "Table with columns x_Li, a_A, c_A (lattice parameters, any length unit); PCHIP in x. Rows "
                        "with equal x are averaged.");
      prm.declare_entry("Lattice smoothing width", "0.02", Double(0., 0.5),
                        "Width w [-] in x of the Gaussian local-linear smoothing applied to the lattice table before "
                        "PCHIP interpolation, in [0, 0.5]; 0 interpolates the raw points. Scatter in operando data "
                        "otherwise gives curvature spikes in eps_ch(x), which enter the stress-coupled flux.");
      prm.declare_entry("Reference stoichiometry", "1.0", Double(0., 1.),
                        "x_ref, the stress-free state of the chemical strain [-], in [0,1]; default: pristine lithiated.");
      prm.declare_entry("Partial molar volume", "6.0e-7", Double(-1e-3, 1e-3),
                        "Omega for 'Chemical strain model = isotropic' [m^3/mol], |Omega| <= 1e-3: volumetric strain "
                        "Omega (c - c_ref). Default: the NMC811 secant over the usable window from the Maerker 2019 table (data/presets/NMC811.prm).");
    }
    prm.leave_subsection();
  }

  void MechanicalMaterial::parse_parameters(dealii::ParameterHandler &prm,
                                            const std::string        &data_directory,
                                            const double              c_max)
  {
    prm.enter_subsection("Material");
    const std::string model = prm.get("Elasticity model");
    const double c11 = prm.get_double("C11"), c12 = prm.get_double("C12"), c13 = prm.get_double("C13"),
                 c14 = prm.get_double("C14"), c33 = prm.get_double("C33"), c44 = prm.get_double("C44");
    const double e = prm.get_double("Young's modulus"), nu = prm.get_double("Poisson's ratio");
    const bool   lattice = prm.get("Chemical strain model") == "lattice";
    const double x_ref   = prm.get_double("Reference stoichiometry");
    const double omega   = prm.get_double("Partial molar volume");
    const std::string lattice_file = prm.get("Lattice parameter file");
    stiffness_softening            = prm.get_double("Stiffness softening");
    const double      smoothing_width = prm.get_double("Lattice smoothing width");
    prm.leave_subsection();

    if (model == "hexagonal" && c14 != 0.)
      {
        std::ostringstream message;
        message << "parameter 'Material/C14' is " << c14
                << " Pa but 'Material/Elasticity model' is hexagonal, which has C14 = 0: use 'trigonal'";
        throw InputError(message.str());
      }
    if (model == "trigonal")
      set_trigonal_elasticity(c11, c12, c13, c14, c33, c44);
    else if (model == "hexagonal")
      set_hexagonal_elasticity(c11, c12, c13, c33, c44);
    else
      set_isotropic_elasticity(e, nu);
    if (!lattice)
      {
        set_isotropic_chemical_strain(omega, x_ref, c_max);
        return;
      }
    const std::string file  = resolve_data_file(lattice_file, data_directory, "Material/Lattice parameter file");
    const DataTable   table = DataTable::read(file);
    auto xs = table.column("x_Li"), as = table.column("a_A"), cs = table.column("c_A");
    // Strictly monotone in x (either direction), no repeated x.
    sort_table_rows(xs, {&as, &cs}, file, "x_Li");
    for (std::size_t k = 0; k < xs.size(); ++k)
      if (!(as[k] > 0.) || !(cs[k] > 0.))
        throw InputError("data file '" + file + "': lattice parameters must be positive");
    // Smoothing: operando tables carry scatter, and PCHIP through scattered
    // points has curvature spikes; d^2 eps/dx^2 enters the stress-coupled
    // flux (docs/theory.md §7). Local linear regression with a Gaussian
    // kernel of width w (no bias for linear trends, also at the table ends).
    if (smoothing_width > 0.)
      {
        std::vector<double> a_smooth(xs.size()), c_smooth(xs.size());
        for (std::size_t i = 0; i < xs.size(); ++i)
          {
            double s0 = 0., s1 = 0., s2 = 0., ta0 = 0., ta1 = 0., tc0 = 0., tc1 = 0.;
            for (std::size_t j = 0; j < xs.size(); ++j)
              {
                const double d = xs[j] - xs[i], w = std::exp(-0.5 * d * d / (smoothing_width * smoothing_width));
                s0 += w, s1 += w * d, s2 += w * d * d;
                ta0 += w * as[j], ta1 += w * d * as[j];
                tc0 += w * cs[j], tc1 += w * d * cs[j];
              }
            const double det = s0 * s2 - s1 * s1;
            a_smooth[i]      = (s2 * ta0 - s1 * ta1) / det;
            c_smooth[i]      = (s2 * tc0 - s1 * tc1) / det;
          }
        as = a_smooth;
        cs = c_smooth;
      }
    try
      {
        set_lattice_chemical_strain(MonotoneCubic(xs, as), MonotoneCubic(xs, cs), x_ref, c_max);
      }
    catch (const InputError &error)
      {
        throw InputError("data file '" + file + "': " + error.what());
      }
  }

  void MechanicalMaterial::set_isotropic_elasticity(const double e, const double nu)
  {
    if (!(e > 0.) || !(nu > -1.) || !(nu < 0.5))
      throw InputError("isotropic elasticity needs E > 0 and -1 < nu < 0.5");
    elasticity = Elasticity::isotropic;
    const double lambda = e * nu / ((1. + nu) * (1. - 2. * nu));
    const double mu     = e / (2. * (1. + nu));
    stiffness_crystal   = lambda * dealii::outer_product(dealii::unit_symmetric_tensor<3>(),
                                                       dealii::unit_symmetric_tensor<3>()) +
                        2. * mu * dealii::identity_tensor<3>();
  }

  void MechanicalMaterial::set_hexagonal_elasticity(const double c11, const double c12, const double c13,
                                                    const double c33, const double c44)
  {
    set_trigonal_elasticity(c11, c12, c13, 0., c33, c44);
    elasticity = Elasticity::hexagonal;
  }

  void MechanicalMaterial::set_trigonal_elasticity(const double c11, const double c12, const double c13,
                                                   const double c14, const double c33, const double c44)
  {
    // Voigt -> tensor in crystal axes (x_1 along a, x_3 along c). SymmetricTensor<4,3>
    // has only the minor symmetries: set both (ij,kl) and (kl,ij).
    dealii::SymmetricTensor<4, 3> C;
    C[0][0][0][0] = C[1][1][1][1] = c11;
    C[2][2][2][2]                 = c33;
    C[0][0][1][1] = C[1][1][0][0] = c12;
    C[0][0][2][2] = C[1][1][2][2] = C[2][2][0][0] = C[2][2][1][1] = c13;
    C[1][2][1][2] = C[0][2][0][2] = c44;
    C[0][1][0][1]                 = 0.5 * (c11 - c12);
    // C14 = C1123, C24 = C2223 = -C14, C56 = C1312 = C14.
    C[0][0][1][2] = C[1][2][0][0] = c14;
    C[1][1][1][2] = C[1][2][1][1] = -c14;
    C[0][2][0][1] = C[0][1][0][2] = c14;
    // Positive definiteness: the smallest eigenvalue of the Mandel matrix. For
    // C14 = 0 this is C44 > 0, C11 > |C12| and C33 (C11 + C12) > 2 C13^2.
    const double smallest = mandel::eigenvalues(C)[0];
    if (!(smallest > 0.))
      {
        std::ostringstream message;
        message << "parameters 'Material/C11, C12, C13, C14, C33, C44' are not positive definite: the smallest "
                   "eigenvalue of the stiffness (Mandel notation) is "
                << smallest << " Pa. Positive definiteness needs C44 > 0, C11 > |C12|, C33 (C11 + C12) > 2 C13^2 "
                << "and C44 (C11 - C12) > 2 C14^2";
        throw InputError(message.str());
      }
    elasticity        = Elasticity::trigonal;
    stiffness_crystal = C;
  }

  void MechanicalMaterial::set_isotropic_chemical_strain(const double omega, const double x_ref, const double c_max)
  {
    strain_model            = ChemicalStrain::isotropic;
    partial_molar_volume    = omega;
    reference_stoichiometry = x_ref;
    maximum_concentration   = c_max;
  }

  void MechanicalMaterial::set_lattice_chemical_strain(const MonotoneCubic &a, const MonotoneCubic &c,
                                                       const double x_ref, const double c_max)
  {
    strain_model            = ChemicalStrain::lattice;
    lattice_a               = a;
    lattice_c               = c;
    reference_stoichiometry = x_ref;
    maximum_concentration   = c_max;
    a_reference             = a.value(x_ref);
    c_reference             = c.value(x_ref);
  }

  dealii::SymmetricTensor<4, 3> MechanicalMaterial::stiffness(const dealii::Tensor<2, 3> &R) const
  {
    if (elasticity == Elasticity::isotropic)
      return stiffness_crystal;
    // C_ijkl = R_ip R_jq R_kr R_ls C0_pqrs, as two half-contractions.
    dealii::Tensor<4, 3> half, result;
    const dealii::Tensor<4, 3> C0(stiffness_crystal);
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        for (unsigned int r = 0; r < 3; ++r)
          for (unsigned int s = 0; s < 3; ++s)
            {
              double sum = 0.;
              for (unsigned int p = 0; p < 3; ++p)
                for (unsigned int q = 0; q < 3; ++q)
                  sum += R[i][p] * R[j][q] * C0[p][q][r][s];
              half[i][j][r][s] = sum;
            }
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        for (unsigned int k = 0; k < 3; ++k)
          for (unsigned int l = 0; l < 3; ++l)
            {
              double sum = 0.;
              for (unsigned int r = 0; r < 3; ++r)
                for (unsigned int s = 0; s < 3; ++s)
                  sum += R[k][r] * R[l][s] * half[i][j][r][s];
              result[i][j][k][l] = sum;
            }
    dealii::SymmetricTensor<4, 3> C;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = i; j < 3; ++j)
        for (unsigned int k = 0; k < 3; ++k)
          for (unsigned int l = k; l < 3; ++l)
            C[i][j][k][l] = result[i][j][k][l];
    return C;
  }

  std::pair<double, double> MechanicalMaterial::reference_lattice_parameters() const
  {
    if (strain_model != ChemicalStrain::lattice)
      throw InputError("the lattice parameters are known only with 'Material/Chemical strain model = lattice'");
    return {1e-10 * a_reference, 1e-10 * c_reference};
  }

  std::pair<double, double> MechanicalMaterial::principal_chemical_strain(const double x) const
  {
    if (strain_model == ChemicalStrain::isotropic)
      {
        const double e = partial_molar_volume * maximum_concentration * (x - reference_stoichiometry) / 3.;
        return {e, e};
      }
    return {lattice_a.value(x) / a_reference - 1., lattice_c.value(x) / c_reference - 1.};
  }

  std::pair<double, double> MechanicalMaterial::principal_chemical_strain_derivative(const double x) const
  {
    if (strain_model == ChemicalStrain::isotropic)
      {
        const double e = partial_molar_volume * maximum_concentration / 3.;
        return {e, e};
      }
    return {lattice_a.derivative(x) / a_reference, lattice_c.derivative(x) / c_reference};
  }

  std::pair<double, double> MechanicalMaterial::principal_chemical_strain_second_derivative(const double x) const
  {
    if (strain_model == ChemicalStrain::isotropic)
      return {0., 0.};
    return {lattice_a.second_derivative(x) / a_reference, lattice_c.second_derivative(x) / c_reference};
  }

  namespace
  {
    // eps_a (I - m m) + eps_c m m with m = R e_3, the c-axis in sample axes.
    dealii::SymmetricTensor<2, 3> crystal_symmetric_tensor(const dealii::Tensor<2, 3> &R, const double a, const double c)
    {
      dealii::SymmetricTensor<2, 3> t;
      for (unsigned int i = 0; i < 3; ++i)
        for (unsigned int j = i; j < 3; ++j)
          t[i][j] = (i == j ? a : 0.) + (c - a) * R[i][2] * R[j][2];
      return t;
    }
  } // namespace

  dealii::SymmetricTensor<2, 3> MechanicalMaterial::chemical_strain(const double c, const dealii::Tensor<2, 3> &R) const
  {
    const auto [ea, ec] = principal_chemical_strain(c / maximum_concentration);
    return crystal_symmetric_tensor(R, ea, ec);
  }

  dealii::SymmetricTensor<2, 3> MechanicalMaterial::chemical_strain_derivative(const double                c,
                                                                             const dealii::Tensor<2, 3> &R) const
  {
    const auto [da, dc] = principal_chemical_strain_derivative(c / maximum_concentration);
    return crystal_symmetric_tensor(R, da / maximum_concentration, dc / maximum_concentration);
  }

  dealii::SymmetricTensor<2, 3> MechanicalMaterial::chemical_strain_second_derivative(const double                c,
                                                                                    const dealii::Tensor<2, 3> &R) const
  {
    const auto [da, dc] = principal_chemical_strain_second_derivative(c / maximum_concentration);
    const double c_max2 = maximum_concentration * maximum_concentration;
    return crystal_symmetric_tensor(R, da / c_max2, dc / c_max2);
  }

  double MechanicalMaterial::bulk_modulus() const
  {
    // K_V = C_iijj / 9
    double sum = 0.;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        sum += stiffness_crystal[i][i][j][j];
    return sum / 9.;
  }

  double MechanicalMaterial::shear_modulus() const
  {
    // G_V = (3 C_ijij - C_iijj) / 30
    double cijij = 0., ciijj = 0.;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        {
          cijij += stiffness_crystal[i][j][i][j];
          ciijj += stiffness_crystal[i][i][j][j];
        }
    return (3. * cijij - ciijj) / 30.;
  }
} // namespace camfrac
