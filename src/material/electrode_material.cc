// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The electrode material: OCP, diffusivity, kinetics and their parameters; where data files are found.

#include <camfrac/io/errors.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/material/material_curve.h>
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

#ifndef CAMFRAC_SOURCE_DATA_DIR
#  define CAMFRAC_SOURCE_DATA_DIR ""
#endif
#ifndef CAMFRAC_INSTALL_DATA_DIR
#  define CAMFRAC_INSTALL_DATA_DIR ""
#endif

namespace camfrac
{
  namespace
  {
    const char *nmc811_ocp_expression =
      "-0.8090*x + 4.4875 - 0.0428*tanh(18.5138*(x - 0.5542)) - 17.7326*tanh(15.7890*(x - 0.3117))"
      " + 17.5842*tanh(15.9308*(x - 0.3120))";

    MaterialCurve read_curve_table(const std::string &file, bool logarithmic)
    {
      // Column 0 is x, column 1 the value; rows flagged 'padding' (points added
      // by others to avoid extrapolation, not data) are dropped.
      DataTable table = DataTable::read(file);
      DataTable kept  = table;
      kept.rows.clear();
      for (const auto &row : table.rows)
        if (std::find(row.begin(), row.end(), "padding") == row.end())
          kept.rows.push_back(row);
      if (kept.column_names.size() < 2)
        throw InputError("data file '" + file + "' needs two columns (x and value)");
      std::vector<double> x = kept.column(kept.column_names[0]);
      std::vector<double> y = kept.column(kept.column_names[1]);
      sort_table_rows(x, {&y}, file, kept.column_names[0]);
      if (logarithmic)
        for (double &value : y)
          {
            if (!(value > 0.))
              throw InputError("data file '" + file + "': diffusivities must be positive");
            value = std::log10(value);
          }
      try
        {
          return MaterialCurve::table(MonotoneCubic(x, y), logarithmic);
        }
      catch (const InputError &error)
        {
          throw InputError("data file '" + file + "': " + error.what());
        }
    }

    std::vector<double> parse_list(const std::string &text, const std::string &name, unsigned int n)
    {
      std::vector<double> values;
      std::stringstream   ss(text);
      std::string         item;
      while (std::getline(ss, item, ','))
        {
          char        *end = nullptr;
          const double v   = std::strtod(item.c_str(), &end);
          if (end == item.c_str() || item.find_first_not_of(" \t", end - item.c_str()) != std::string::npos)
            throw InputError("parameter '" + name + "': '" + item + "' is not a number");
          values.push_back(v);
        }
      if (values.size() != n)
        throw InputError("parameter '" + name + "' needs " + std::to_string(n) + " comma-separated numbers, got '" +
                         text + "'");
      return values;
    }
  } // namespace

  std::string default_data_directory()
  {
    if (const char *env = std::getenv("CAMFRAC_DATA_DIR"); env != nullptr && *env != '\0')
      return env;
    namespace fs = std::filesystem;
    if (std::string(CAMFRAC_INSTALL_DATA_DIR) != "" && fs::is_directory(CAMFRAC_INSTALL_DATA_DIR))
      return CAMFRAC_INSTALL_DATA_DIR;
    return CAMFRAC_SOURCE_DATA_DIR;
  }

  std::string resolve_data_file(const std::string &file_name,
                                const std::string &data_directory,
                                const std::string &parameter)
  {
    namespace fs = std::filesystem;
    const fs::path path(file_name);
    if (fs::is_regular_file(path))
      return path.string();
    if (path.is_relative() && !data_directory.empty() && fs::is_regular_file(fs::path(data_directory) / path))
      return (fs::path(data_directory) / path).string();
    throw InputError("parameter '" + parameter + "': data file '" + file_name + "' not found" +
                     (data_directory.empty() ? std::string() : " (also looked in '" + data_directory + "')"));
  }

  void ElectrodeMaterial::declare_parameters(dealii::ParameterHandler &prm)
  {
    using dealii::Patterns::Double;
    using dealii::Patterns::Selection;
    prm.enter_subsection("Material");
    {
      prm.declare_entry("Maximum concentration", "51765", Double(1.),
                        "c_max, the Li concentration of the fully lithiated host [mol/m^3], > 0. "
                        "Default: NMC811 (O'Regan et al. 2022), below the crystallographic 49,100-51,800 limit.");
      prm.declare_entry("Minimum stoichiometry", "0.27", Double(0., 1.),
                        "x_min: Li fraction of the charged end of the usable window [-], in [0,1]. "
                        "Defines nominal capacity F c_max V (x_max - x_min), 1C and SOC.");
      prm.declare_entry("Maximum stoichiometry", "0.90", Double(0., 1.),
                        "x_max: Li fraction of the discharged end of the usable window [-], in [0,1].");
      prm.declare_entry("Initial stoichiometry", "0.90", Double(0., 1.),
                        "Uniform initial Li fraction x_0 = c_0/c_max [-], in [0,1].");
      prm.declare_entry("Open-circuit potential", "expression", Selection("table|expression"),
                        "How U(x) [V vs Li/Li+] is given: 'table' (PCHIP through a data file) or "
                        "'expression' (closed form in x).");
      prm.declare_entry("Open-circuit potential file", "ocp/NMC811_Chen2020_ocp.tsv", dealii::Patterns::Anything(),
                        "Table of x and U [V] (first two columns; '#' comments; rows flagged 'padding' are "
                        "ignored). Relative names are searched in the working directory, then in the data directory.");
      prm.declare_entry("Open-circuit potential expression", nmc811_ocp_expression, dealii::Patterns::Anything(),
                        "U(x) [V] in muparser syntax with variable x. Default: the NMC811 fit of Chen et al. 2020 "
                        "(data/ocp/closed_form_fits_pybamm.tsv).");
      prm.declare_entry("Diffusivity model", "table", Selection("constant|table|expression"),
                        "How the in-plane chemical diffusivity D_ab(x) [m^2/s] is given: 'constant', "
                        "'table' (PCHIP in log10 D through a data file) or 'expression' (closed form in x).");
      prm.declare_entry("Diffusivity", "1e-14", Double(0.),
                        "Constant D_ab [m^2/s], >= 0, used when 'Diffusivity model = constant'.");
      prm.declare_entry("Diffusivity file", "diffusivity/NMC811_ORegan2022_diffusivity.tsv",
                        dealii::Patterns::Anything(),
                        "Table of x and D [m^2/s], used when 'Diffusivity model = table'. Default: NMC811, "
                        "O'Regan et al. 2022, at 298.15 K.");
      prm.declare_entry("Diffusivity expression", "1e-14", dealii::Patterns::Anything(),
                        "D_ab(x) [m^2/s] in muparser syntax with variable x, used when 'Diffusivity model = expression'.");
      prm.declare_entry("Diffusivity anisotropy ratio", "1e-2", Double(0., 1e3),
                        "D_c/D_ab [-], in [0, 1e3]: diffusivity along the crystal c-axis relative to the Li layers. "
                        "Layered oxides have D_c << D_ab: Li hops within the Li layers. Default: the NMC811 preset's "
                        "STAND-IN 1e-2 (no measured ratio; data/README.md 'Diffusivity within the layers'); 1 gives "
                        "isotropic transport.");
      prm.declare_entry("Diffusivity reference", "orientation average", Selection("orientation average|in-plane"),
                        "What the curve D(x) above is: 'orientation average', the mean (1/3) tr D of the crystal's "
                        "diffusivity tensor (what GITT or EIS on a polycrystalline electrode measures), so that "
                        "D_ab = 3 D(x)/(2 + r) and D_c = r D_ab; 'in-plane', D_ab itself.");
      prm.declare_entry("Mobility model", "thermodynamic", Selection("thermodynamic|ideal solution"),
                        "Mobility M of the stress-driven flux M grad(sigma : d eps_ch/dc) (docs/theory.md §3). "
                        "'thermodynamic': M = D c_max/(F |dU/dx|), consistent with the chemical (GITT) diffusivity D "
                        "and the material's own chemical potential mu_0 = -F U(x). 'ideal solution': "
                        "M = D c_max x(1-x)/(RT), which assumes an ideal U(x); with the NMC811 U(x) it overstates the "
                        "stress-driven flux 3-15x.");
      prm.declare_entry("Minimum thermodynamic factor", "0.1", Double(1e-6),
                        "Floor Theta_min on the thermodynamic factor Theta = x(1-x) F |dU/dx|/(RT) [-], > 0, used by "
                        "'Mobility model = thermodynamic': M = D c_max x(1-x)/(RT max(Theta, Theta_min)). Where U is "
                        "flat (plateaus, two-phase regions, LRMO activation) the consistent M would be unbounded; the "
                        "floor caps it at 1/Theta_min times the ideal-solution mobility. NMC811 has Theta = 3-23 in "
                        "its window, so the floor acts only near x = 1.");
      prm.declare_entry("Gradient energy coefficient", "0", Double(0.),
                        "Cahn-Hilliard gradient-energy coefficient kappa [J m^5/mol^2], >= 0, in the free energy "
                        "psi_chem(c) + kappa/2 |grad c|^2 + psi_el (docs/theory.md §3.3). 0 keeps the single-field "
                        "transport; > 0 solves the mixed (c, mu) formulation, which is well posed where the stress "
                        "makes the local diffusivity negative (history column min_effective_diffusivity_ratio < 0). "
                        "It sets the gradient length l = sqrt(kappa c_max / |d mu_0/dx|) (|d mu_0/dx| = F |dU/dx|, about "
                        "1.3e5 J/mol for NMC811 at x = 0.4): choose kappa = l^2 F |dU/dx| / c_max with l at least two "
                        "cells (docs/user-guide.md, 'Gradient energy').");
      prm.declare_entry("Crystal orientation", "0, 0, 0", dealii::Patterns::Anything(),
                        "Bunge Euler angles phi1, Phi, phi2 [degrees] (ZXZ) of the crystal, rotating crystal "
                        "axes into sample axes. '0, 0, 0' puts the c-axis along z (out of plane in 2D).");
      prm.declare_entry("Crystal c-axis", "", dealii::Patterns::Anything(),
                        "Alternative to 'Crystal orientation': the c-axis direction in sample axes as three "
                        "comma-separated components (normalised internally), e.g. '1, 0, 0'. Empty: use the Euler "
                        "angles. The rotation about c does not matter for hexagonal symmetry.");
      prm.declare_entry("Preset", "none", Selection("none|NMC811|NMC622|NMC111|LRMO"),
                        "Material preset: reads data/presets/<name>.prm (every value there cites its source) before "
                        "the parameter file, so any entry set in the file overrides the preset. 'none': the defaults "
                        "below (NMC811 transport and kinetics).");
    }
    prm.leave_subsection();

    prm.enter_subsection("Electrochemistry");
    {
      prm.declare_entry("Surface condition", "Butler-Volmer", Selection("Butler-Volmer|prescribed flux"),
                        "'Butler-Volmer': the surface reaction of docs/theory.md eq. (BV), with the particle potential "
                        "solved for in galvanostatic steps. 'prescribed flux': a uniform flux J.n = I/(F A) set by the "
                        "protocol's current (for verification); voltage is then reported as the surface-averaged U.");
      prm.declare_entry("Rate constant", "3.5446e-11", Double(0.),
                        "k_0 in i_0 = F k_0 c_e^(1-alpha) (c_max - c_s)^(1-alpha) c_s^alpha [m^2.5 mol^-0.5 s^-1], >= 0. "
                        "Default: NMC811, Chen et al. 2020 (m_ref = 3.42e-6 A m^-2 (m^3/mol)^1.5 = F k_0).");
      prm.declare_entry("Transfer coefficient", "0.5", Double(0., 1.), "Anodic transfer coefficient alpha [-], in [0,1].");
      prm.declare_entry("Electrolyte concentration", "1000", Double(0.), "Li+ concentration c_e of the electrolyte [mol/m^3], >= 0.");
      prm.declare_entry("Temperature", "298.15", Double(1.), "Absolute temperature T [K], >= 1.");
      prm.declare_entry("Film resistance", "0", Double(0.),
                        "Area-specific resistance R_film of a surface film (rock-salt, CEI) [Ohm m^2], >= 0; "
                        "eta = phi - U - i R_film.");
    }
    prm.leave_subsection();
  }

  void ElectrodeMaterial::parse_parameters(dealii::ParameterHandler &prm, const std::string &data_directory)
  {
    prm.enter_subsection("Material");
    maximum_concentration = prm.get_double("Maximum concentration");
    minimum_stoichiometry = prm.get_double("Minimum stoichiometry");
    maximum_stoichiometry = prm.get_double("Maximum stoichiometry");
    initial_stoichiometry = prm.get_double("Initial stoichiometry");
    if (!(maximum_stoichiometry > minimum_stoichiometry))
      {
        prm.leave_subsection();
        throw InputError("parameter 'Material/Maximum stoichiometry' must exceed 'Minimum stoichiometry'");
      }
    const std::string ocp_kind = prm.get("Open-circuit potential");
    if (ocp_kind == "table")
      open_circuit_potential = read_curve_table(
        resolve_data_file(prm.get("Open-circuit potential file"), data_directory, "Material/Open-circuit potential file"),
        false);
    else
      open_circuit_potential =
        MaterialCurve::expression(prm.get("Open-circuit potential expression"), "Material/Open-circuit potential expression");

    const std::string d_kind = prm.get("Diffusivity model");
    if (d_kind == "constant")
      diffusivity = MaterialCurve::constant(prm.get_double("Diffusivity"));
    else if (d_kind == "table")
      diffusivity = read_curve_table(
        resolve_data_file(prm.get("Diffusivity file"), data_directory, "Material/Diffusivity file"), true);
    else
      diffusivity = MaterialCurve::expression(prm.get("Diffusivity expression"), "Material/Diffusivity expression");
    diffusivity_anisotropy = prm.get_double("Diffusivity anisotropy ratio");
    diffusivity_reference  = prm.get("Diffusivity reference") == "in-plane" ? DiffusivityReference::in_plane :
                                                                              DiffusivityReference::orientation_average;
    mobility_model = prm.get("Mobility model") == "thermodynamic" ? MobilityModel::thermodynamic :
                                                                     MobilityModel::ideal_solution;
    minimum_thermodynamic_factor = prm.get_double("Minimum thermodynamic factor");
    gradient_energy_coefficient  = prm.get_double("Gradient energy coefficient");

    const auto angles = parse_list(prm.get("Crystal orientation"), "Material/Crystal orientation", 3);
    const double degree = M_PI / 180.;
    orientation = rotation_from_bunge(angles[0] * degree, angles[1] * degree, angles[2] * degree);
    if (const std::string axis = prm.get("Crystal c-axis"); axis.find_first_not_of(" \t") != std::string::npos)
      {
        const auto           v = parse_list(axis, "Material/Crystal c-axis", 3);
        dealii::Tensor<1, 3> m({v[0], v[1], v[2]});
        if (!(m.norm() > 0.))
          {
            prm.leave_subsection();
            throw InputError("parameter 'Material/Crystal c-axis' must be a non-zero vector");
          }
        orientation = rotation_from_c_axis(m / m.norm());
      }
    prm.leave_subsection();

    prm.enter_subsection("Electrochemistry");
    rate_constant             = prm.get_double("Rate constant");
    transfer_coefficient      = prm.get_double("Transfer coefficient");
    electrolyte_concentration = prm.get_double("Electrolyte concentration");
    temperature               = prm.get_double("Temperature");
    film_resistance           = prm.get_double("Film resistance");
    butler_volmer             = prm.get("Surface condition") == "Butler-Volmer";
    prm.leave_subsection();
    if (butler_volmer && !(rate_constant > 0.))
      throw InputError("parameter 'Electrochemistry/Rate constant' must be > 0 with Butler-Volmer kinetics");
    if (butler_volmer && !(electrolyte_concentration > 0.))
      throw InputError("parameter 'Electrochemistry/Electrolyte concentration' must be > 0 with Butler-Volmer kinetics");

    // Nonphysical curves are input errors: check D > 0 across the window.
    for (double x = 0.; x <= 1.0 + 1e-12; x += 0.01)
      {
        const double d = diffusivity.value(x);
        if (!(d >= 0.) || !std::isfinite(d))
          throw InputError("parameter 'Material/Diffusivity*': D(x) = " + std::to_string(d) + " m^2/s at x = " +
                           std::to_string(x) + " is not a non-negative number");
        if (!std::isfinite(open_circuit_potential.value(x)))
          throw InputError("parameter 'Material/Open-circuit potential*': U(x) is not finite at x = " + std::to_string(x));
      }
  }

  namespace
  {
    // A tensor with value a in the Li layers and c along the c-axis, in sample
    // axes: a (I - m (x) m) + c m (x) m, restricted to its dim x dim block.
    template <int dim>
    dealii::Tensor<2, dim> crystal_tensor(const dealii::Tensor<2, 3> &in_plane,
                                          const dealii::Tensor<2, 3> &axial,
                                          const double                a,
                                          const double                c)
    {
      const dealii::Tensor<2, 3> full = a * in_plane + c * axial;
      dealii::Tensor<2, dim>     result;
      for (unsigned int i = 0; i < dim; ++i)
        for (unsigned int j = 0; j < dim; ++j)
          result[i][j] = full[i][j];
      return result;
    }
  } // namespace

  template <int dim>
  dealii::Tensor<2, dim> ElectrodeMaterial::diffusivity_tensor(const double x) const
  {
    return diffusivity_tensor<dim>(x, orientation);
  }

  template <int dim>
  dealii::Tensor<2, dim> ElectrodeMaterial::diffusivity_tensor_derivative(const double x) const
  {
    return diffusivity_tensor_derivative<dim>(x, orientation);
  }

  namespace
  {
    dealii::Tensor<2, 3> c_axis_projection_of(const dealii::Tensor<2, 3> &rotation)
    {
      dealii::Tensor<1, 3> m;
      for (unsigned int i = 0; i < 3; ++i)
        m[i] = rotation[i][2];
      return dealii::outer_product(m, m);
    }
  } // namespace

  template <int dim>
  dealii::Tensor<2, dim> ElectrodeMaterial::diffusivity_tensor(const double x, const dealii::Tensor<2, 3> &rotation) const
  {
    const double               d_ab  = in_plane_diffusivity_factor() * diffusivity.value(x);
    const dealii::Tensor<2, 3> axial = c_axis_projection_of(rotation);
    return crystal_tensor<dim>(dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()) - axial, axial, d_ab,
                               diffusivity_anisotropy * d_ab);
  }

  template <int dim>
  dealii::Tensor<2, dim> ElectrodeMaterial::diffusivity_tensor_derivative(const double                x,
                                                                          const dealii::Tensor<2, 3> &rotation) const
  {
    const double               d_ab  = in_plane_diffusivity_factor() * diffusivity.derivative(x);
    const dealii::Tensor<2, 3> axial = c_axis_projection_of(rotation);
    return crystal_tensor<dim>(dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()) - axial, axial, d_ab,
                               diffusivity_anisotropy * d_ab);
  }

  double ElectrodeMaterial::thermodynamic_factor(const double x) const
  {
    return x * (1. - x) * std::abs(open_circuit_potential.derivative(x)) / thermal_voltage();
  }

  ElectrodeMaterial::Mobility ElectrodeMaterial::mobility_factor(const double x, const bool with_derivative) const
  {
    const double RT      = constants::gas_constant * temperature;
    const double ideal   = maximum_concentration * x * (1. - x) / RT;
    const double d_ideal = with_derivative ? maximum_concentration * (1. - 2. * x) / RT : 0.;
    if (mobility_model == MobilityModel::ideal_solution)
      return {ideal, d_ideal};
    // Theta = x(1-x)|U'|/(RT/F) (thermodynamic_factor(), with U' evaluated once here).
    const double slope = open_circuit_potential.derivative(x);
    if (x * (1. - x) * std::abs(slope) / thermal_voltage() < minimum_thermodynamic_factor)
      return {ideal / minimum_thermodynamic_factor, d_ideal / minimum_thermodynamic_factor};
    // m = c_max / (F |U'|), dm/dx = -c_max sign(U') U'' / (F U'^2) = -m U''/U'.
    const double m = maximum_concentration / (constants::faraday * std::abs(slope));
    return {m, with_derivative ? -m * open_circuit_potential.second_derivative(x) / slope : 0.};
  }

  ElectrodeMaterial::ChemicalPotential ElectrodeMaterial::chemical_potential(const double x) const
  {
    if (mobility_model == MobilityModel::ideal_solution)
      {
        const double RT = constants::gas_constant * temperature;
        return {RT * std::log(x / (1. - x)), RT / (x * (1. - x))};
      }
    return {-constants::faraday * open_circuit_potential.value(x),
            -constants::faraday * open_circuit_potential.derivative(x)};
  }

  double ElectrodeMaterial::exchange_current_density(const double cs) const
  {
    const double a = transfer_coefficient;
    return constants::faraday * rate_constant * std::pow(electrolyte_concentration, 1. - a) *
           std::pow(maximum_concentration - cs, 1. - a) * std::pow(cs, a);
  }

  double ElectrodeMaterial::exchange_current_density_derivative(const double cs) const
  {
    const double a = transfer_coefficient;
    return exchange_current_density(cs) * (a / cs - (1. - a) / (maximum_concentration - cs));
  }

  template dealii::Tensor<2, 2> ElectrodeMaterial::diffusivity_tensor<2>(double) const;
  template dealii::Tensor<2, 3> ElectrodeMaterial::diffusivity_tensor<3>(double) const;
  template dealii::Tensor<2, 2> ElectrodeMaterial::diffusivity_tensor_derivative<2>(double) const;
  template dealii::Tensor<2, 3> ElectrodeMaterial::diffusivity_tensor_derivative<3>(double) const;
  template dealii::Tensor<2, 2> ElectrodeMaterial::diffusivity_tensor<2>(double, const dealii::Tensor<2, 3> &) const;
  template dealii::Tensor<2, 3> ElectrodeMaterial::diffusivity_tensor<3>(double, const dealii::Tensor<2, 3> &) const;
  template dealii::Tensor<2, 2> ElectrodeMaterial::diffusivity_tensor_derivative<2>(double, const dealii::Tensor<2, 3> &) const;
  template dealii::Tensor<2, 3> ElectrodeMaterial::diffusivity_tensor_derivative<3>(double, const dealii::Tensor<2, 3> &) const;
} // namespace camfrac
