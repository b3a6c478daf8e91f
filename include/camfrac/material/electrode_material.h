// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/material_curve.h>

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/tensor.h>

#include <string>

namespace camfrac
{
  /// Physical constants (CODATA 2018, exact in SI since 2019).
  namespace constants
  {
    constexpr double faraday     = 96485.33212;  // C/mol
    constexpr double gas_constant = 8.314462618; // J/(mol K)
  } // namespace constants

  /**
   * The active cathode material of one particle: capacity, open-circuit
   * potential U(x), chemical diffusivity D(x) as a tensor in the crystal
   * frame, and Butler–Volmer kinetics. x = c/c_max is the Li site fraction
   * (x = 1 lithiated, discharged). docs/theory.md §2–3.
   *
   * Every parameter is declared in declare_parameters() with its unit and
   * range; the defaults are the NMC811 set listed in data/README.md.
   */
  /// A material law's value at x and its x-derivative; w f and f_1 + f_2 act
  /// on both members (blending in MaterialField).
  struct ValueAndDerivative
  {
    double value      = 0.;
    double derivative = 0.;
    ValueAndDerivative operator*(const double w) const { return {w * value, w * derivative}; }
    ValueAndDerivative &operator+=(const ValueAndDerivative &m)
    {
      value += m.value;
      derivative += m.derivative;
      return *this;
    }
    friend ValueAndDerivative operator*(const double w, const ValueAndDerivative &m) { return m * w; }
  };

  class ElectrodeMaterial
  {
  public:
    static void declare_parameters(dealii::ParameterHandler &prm);
    /// Reads section "Material" and "Electrochemistry". Relative file names
    /// are looked up in the working directory, then in @p data_directory.
    void parse_parameters(dealii::ParameterHandler &prm, const std::string &data_directory);

    /// Maximum Li concentration c_max [mol/m^3].
    double maximum_concentration = 51765.;
    /// Usable window of x defining nominal capacity and SOC [-].
    double minimum_stoichiometry = 0.27;
    double maximum_stoichiometry = 0.90;
    /// Uniform initial Li fraction x_0 = c_0/c_max [-].
    double initial_stoichiometry = 0.90;

    /// Open-circuit potential U(x) vs Li/Li+ [V].
    MaterialCurve open_circuit_potential;
    /// In-plane (a-b) chemical diffusivity D_ab(x) [m^2/s].
    MaterialCurve diffusivity;
    /**
     * The mobility M of the stress-driven flux M grad s (docs/theory.md §3,
     * [M]): thermodynamic, M = D c_max / (F |U'(x)|), consistent with the
     * material's own chemical potential mu_0 = -F U(x) and the chemical
     * (GITT) diffusivity D; or ideal solution, M = D c_max x(1-x)/(RT).
     */
    enum class MobilityModel
    {
      thermodynamic,
      ideal_solution
    };
    MobilityModel mobility_model = MobilityModel::thermodynamic;
    /// Floor Theta_min on the thermodynamic factor (plateaus, U' -> 0): M <= M_ideal / Theta_min [-].
    double minimum_thermodynamic_factor = 0.1;
    /**
     * Gradient-energy coefficient kappa [J m^5 mol^-2] of the Cahn–Hilliard
     * free energy psi = psi_chem(c) + kappa/2 |grad c|^2 + psi_el
     * (docs/theory.md §3.3). 0: the single-field transport of §3.1; > 0: the
     * mixed (c, mu) formulation with mu = mu_0(c) - kappa lap c - s.
     */
    double gradient_energy_coefficient = 0.;
    /// D_c / D_ab, the out-of-plane (c-axis) anisotropy ratio r [-].
    double diffusivity_anisotropy = 1.;
    /// What the curve D(x) is: the orientation average (1/3) tr D of the crystal,
    /// so that D_ab = 3 D(x)/(2 + r) (what measurements on polycrystalline
    /// electrodes give), or D_ab itself (docs/theory.md [D]).
    enum class DiffusivityReference
    {
      orientation_average,
      in_plane
    };
    DiffusivityReference diffusivity_reference = DiffusivityReference::orientation_average;
    /// D_ab / D(x): 3/(2 + r) for the orientation average, 1 otherwise.
    double in_plane_diffusivity_factor() const
    {
      return diffusivity_reference == DiffusivityReference::orientation_average ? 3. / (2. + diffusivity_anisotropy) :
                                                                                  1.;
    }
    /// Crystal orientation: rotation crystal -> sample.
    dealii::Tensor<2, 3> orientation = dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>());

    /// Butler–Volmer rate constant k_0 [m^2.5 mol^-0.5 s^-1], i_0 = F k_0
    /// c_e^(1-a) (c_max-c_s)^(1-a) c_s^a.
    double rate_constant = 3.5446e-11;
    /// Anodic transfer coefficient alpha [-].
    double transfer_coefficient = 0.5;
    /// Electrolyte Li+ concentration c_e [mol/m^3].
    double electrolyte_concentration = 1000.;
    /// Absolute temperature T [K].
    double temperature = 298.15;
    /// Area-specific surface film resistance R_film [Ohm m^2].
    double film_resistance = 0.;
    /// Surface condition: Butler–Volmer kinetics, or (false) a uniform flux from the protocol current.
    bool   butler_volmer = true;

    /// Diffusivity tensor in sample axes, D = D_ab(x) P_ab + D_c(x) P_c, and
    /// its derivative with respect to x; the dim x dim block is used in 2D.
    template <int dim>
    dealii::Tensor<2, dim> diffusivity_tensor(const double x) const;
    template <int dim>
    dealii::Tensor<2, dim> diffusivity_tensor_derivative(const double x) const;
    /// The same for a crystal with orientation @p rotation (crystal -> sample).
    template <int dim>
    dealii::Tensor<2, dim> diffusivity_tensor(const double x, const dealii::Tensor<2, 3> &rotation) const;
    template <int dim>
    dealii::Tensor<2, dim> diffusivity_tensor_derivative(const double x, const dealii::Tensor<2, 3> &rotation) const;

    /// Thermodynamic factor Theta(x) = x(1-x) F |U'(x)| / (RT) [-] (1 for an ideal solution).
    double thermodynamic_factor(const double x) const;
    /// M/D = m(x) [mol^2 J^-1 m^-3] of the chosen mobility model and dm/dx:
    /// thermodynamic m = c_max x(1-x) / (RT max(Theta, Theta_min)), which is
    /// c_max/(F|U'|) wherever Theta >= Theta_min; ideal m = c_max x(1-x)/(RT).
    /// (@p with_derivative false: dm/dx is left 0, which saves the U'' of residual-only assemblies.)
    using Mobility = ValueAndDerivative;
    Mobility mobility_factor(const double x, const bool with_derivative = true) const;

    /**
     * The chemical potential mu_0(x) [J/mol] of the mixed formulation and
     * d mu_0/dx, the one that matches the mobility model (M d mu_0/dc = D
     * where the floor is inactive): thermodynamic, mu_0 = -F U(x), the
     * material's own; ideal solution, mu_0 = RT ln(x/(1-x)).
     */
    using ChemicalPotential = ValueAndDerivative;
    ChemicalPotential chemical_potential(const double x) const;

    /// Exchange current density i_0(c_s) [A/m^2] and d i_0/d c_s.
    double exchange_current_density(const double surface_concentration) const;
    double exchange_current_density_derivative(const double surface_concentration) const;

    /// Thermal voltage RT/F [V].
    double thermal_voltage() const
    {
      return constants::gas_constant * temperature / constants::faraday;
    }
  };

  /// Resolve a data file name: absolute, relative to the working directory,
  /// or relative to @p data_directory. Throws InputError naming @p parameter.
  std::string resolve_data_file(const std::string &file_name,
                                const std::string &data_directory,
                                const std::string &parameter);

  /// The directory holding camfrac's data/ tables: $CAMFRAC_DATA_DIR, else the
  /// installed share/camfrac/data, else the source tree's data/.
  std::string default_data_directory();
} // namespace camfrac
