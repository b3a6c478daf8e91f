// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Material data: PCHIP tables, closed-form curves, the electrode material and
// its parameters, crystal orientations and Butler–Volmer kinetics. Kept apart
// from the finite-element code so that it compiles in seconds.

#include <camfrac/io/errors.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/material/material_curve.h>
#include <camfrac/material/mechanical_material.h>
#include <camfrac/material/monotone_cubic.h>
#include <camfrac/material/orientation.h>
#include <camfrac/physics/butler_volmer.h>

#include <deal.II/base/function_parser.h>
#include <deal.II/base/point.h>

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
  // ------------------------------------------------------------------ errors
  std::string one_line_message(const std::exception &error)
  {
    std::string text = error.what();
    const std::string marker = "Additional information:";
    const auto        pos    = text.find(marker);
    if (pos != std::string::npos)
      {
        text = text.substr(pos + marker.size());
        const auto end = text.find("Stacktrace:");
        if (end != std::string::npos)
          text = text.substr(0, end);
        const auto dashes = text.find("-----");
        if (dashes != std::string::npos)
          text = text.substr(0, dashes);
      }
    std::string collapsed;
    bool        space = false;
    for (const char ch : text)
      {
        if (std::isspace(static_cast<unsigned char>(ch)))
          space = !collapsed.empty();
        else
          {
            if (space)
              collapsed += ' ';
            collapsed += ch;
            space = false;
          }
      }
    return collapsed;
  }

  // ---------------------------------------------------------- MonotoneCubic
  MonotoneCubic::MonotoneCubic(std::vector<double> x, std::vector<double> y)
    : nodes(std::move(x))
    , values(std::move(y))
  {
    const std::size_t n = nodes.size();
    if (n < 2 || values.size() != n)
      throw InputError("a table needs at least two points and equal column lengths");
    for (std::size_t k = 1; k < n; ++k)
      if (!(nodes[k] > nodes[k - 1]))
        throw InputError("table abscissae must be strictly increasing (at value " +
                         std::to_string(nodes[k]) + ")");

    std::vector<double> h(n - 1), delta(n - 1);
    for (std::size_t k = 0; k + 1 < n; ++k)
      {
        h[k]     = nodes[k + 1] - nodes[k];
        delta[k] = (values[k + 1] - values[k]) / h[k];
      }
    slopes.assign(n, 0.);
    if (n == 2)
      {
        slopes[0] = slopes[1] = delta[0];
        return;
      }
    // Interior: weighted harmonic mean where the secants agree in sign.
    for (std::size_t k = 1; k + 1 < n; ++k)
      if (delta[k - 1] * delta[k] > 0.)
        {
          const double w1 = 2. * h[k] + h[k - 1];
          const double w2 = h[k] + 2. * h[k - 1];
          slopes[k]       = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k]);
        }
    // Ends: one-sided three-point formula, limited to preserve monotonicity.
    const auto end_slope = [](double h0, double h1, double d0, double d1) {
      double s = ((2. * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
      if (s * d0 <= 0.)
        s = 0.;
      else if (d0 * d1 <= 0. && std::abs(s) > 3. * std::abs(d0))
        s = 3. * d0;
      return s;
    };
    slopes[0]     = end_slope(h[0], h[1], delta[0], delta[1]);
    slopes[n - 1] = end_slope(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3]);
  }

  std::size_t MonotoneCubic::interval(const double x) const
  {
    const auto it = std::upper_bound(nodes.begin(), nodes.end(), x);
    if (it == nodes.begin())
      return 0;
    return std::min<std::size_t>(it - nodes.begin() - 1, nodes.size() - 2);
  }

  double MonotoneCubic::value(const double x) const
  {
    if (x <= nodes.front())
      return values.front() + slopes.front() * (x - nodes.front());
    if (x >= nodes.back())
      return values.back() + slopes.back() * (x - nodes.back());
    const std::size_t k = interval(x);
    const double      h = nodes[k + 1] - nodes[k];
    const double      t = (x - nodes[k]) / h;
    const double      h00 = (1. + 2. * t) * (1. - t) * (1. - t);
    const double      h10 = t * (1. - t) * (1. - t);
    const double      h01 = t * t * (3. - 2. * t);
    const double      h11 = t * t * (t - 1.);
    return h00 * values[k] + h10 * h * slopes[k] + h01 * values[k + 1] + h11 * h * slopes[k + 1];
  }

  double MonotoneCubic::derivative(const double x) const
  {
    if (x <= nodes.front())
      return slopes.front();
    if (x >= nodes.back())
      return slopes.back();
    const std::size_t k = interval(x);
    const double      h = nodes[k + 1] - nodes[k];
    const double      t = (x - nodes[k]) / h;
    const double      d00 = 6. * t * (t - 1.) / h;
    const double      d10 = (1. - t) * (1. - 3. * t);
    const double      d01 = -d00;
    const double      d11 = t * (3. * t - 2.);
    return d00 * values[k] + d10 * slopes[k] + d01 * values[k + 1] + d11 * slopes[k + 1];
  }

  // -------------------------------------------------------------- DataTable
  DataTable DataTable::read(const std::string &file_name)
  {
    std::ifstream in(file_name);
    if (!in)
      throw InputError("cannot open data file '" + file_name + "'");
    DataTable   table;
    table.file_name = file_name;
    std::string line;
    while (std::getline(in, line))
      {
        if (!line.empty() && line.back() == '\r')
          line.pop_back();
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#')
          continue;
        std::vector<std::string> fields;
        std::stringstream        ss(line);
        std::string              field;
        const char               separator = line.find('\t') != std::string::npos ? '\t' : ' ';
        while (std::getline(ss, field, separator))
          if (separator == '\t' || !field.empty())
            fields.push_back(field);
        if (table.column_names.empty())
          table.column_names = fields;
        else if (fields.size() != table.column_names.size())
          throw InputError("data file '" + file_name + "': a row has " + std::to_string(fields.size()) +
                           " fields but the header names " + std::to_string(table.column_names.size()));
        else
          table.rows.push_back(fields);
      }
    if (table.column_names.empty() || table.rows.empty())
      throw InputError("data file '" + file_name + "' holds no table");
    return table;
  }

  std::vector<double> DataTable::column(const std::string &name) const
  {
    const auto it = std::find(column_names.begin(), column_names.end(), name);
    if (it == column_names.end())
      throw InputError("data file '" + file_name + "' has no column '" + name + "'");
    const std::size_t   index = it - column_names.begin();
    std::vector<double> result;
    for (const auto &row : rows)
      {
        char        *end   = nullptr;
        const double value = std::strtod(row[index].c_str(), &end);
        if (end == row[index].c_str() || !std::isfinite(value))
          throw InputError("data file '" + file_name + "': column '" + name + "' holds '" + row[index] +
                           "', which is not a number");
        result.push_back(value);
      }
    return result;
  }

  DataTable DataTable::filtered(const std::string &name, const std::string &value) const
  {
    const auto it = std::find(column_names.begin(), column_names.end(), name);
    if (it == column_names.end())
      return *this;
    DataTable result = *this;
    result.rows.clear();
    for (const auto &row : rows)
      if (row[it - column_names.begin()] == value)
        result.rows.push_back(row);
    return result;
  }

  // ---------------------------------------------------------- MaterialCurve
  class CurveExpression
  {
  public:
    CurveExpression(const std::string &formula, const std::string &name)
    {
      // deal.II's FunctionParser prints muparser's diagnostics to std::cerr
      // before throwing; capture them so that the user sees one error line.
      std::ostringstream captured;
      std::streambuf    *previous = std::cerr.rdbuf(captured.rdbuf());
      try
        {
          parser.initialize("x", formula, std::map<std::string, double>{{"pi", M_PI}});
          // Evaluate once so that malformed expressions fail at input time.
          (void)value(0.5);
          std::cerr.rdbuf(previous);
        }
      catch (const std::exception &error)
        {
          std::cerr.rdbuf(previous);
          throw InputError("parameter '" + name + "': cannot parse expression '" + formula + "'");
        }
    }
    double value(const double x) const
    {
      // muparser keeps per-thread state; serialise to be safe under WorkStream.
      std::lock_guard<std::mutex> lock(mutex);
      return parser.value(dealii::Point<1>(x));
    }

  private:
    mutable dealii::FunctionParser<1> parser{1};
    mutable std::mutex                mutex;
  };

  MaterialCurve MaterialCurve::constant(const double value)
  {
    MaterialCurve curve;
    curve.curve_kind     = Kind::constant;
    curve.constant_value = value;
    return curve;
  }

  MaterialCurve MaterialCurve::table(const MonotoneCubic &interpolant, const bool logarithmic)
  {
    MaterialCurve curve;
    curve.curve_kind  = Kind::table;
    curve.interpolant = interpolant;
    curve.logarithmic = logarithmic;
    return curve;
  }

  MaterialCurve MaterialCurve::expression(const std::string &formula, const std::string &name)
  {
    MaterialCurve curve;
    curve.curve_kind = Kind::expression;
    curve.formula    = std::make_shared<const CurveExpression>(formula, name);
    return curve;
  }

  double MaterialCurve::value(const double x) const
  {
    switch (curve_kind)
      {
        case Kind::constant:
          return constant_value;
        case Kind::table:
          return logarithmic ? std::pow(10., interpolant.value(x)) : interpolant.value(x);
        case Kind::expression:
          return formula->value(x);
      }
    return 0.;
  }

  double MaterialCurve::derivative(const double x) const
  {
    switch (curve_kind)
      {
        case Kind::constant:
          return 0.;
        case Kind::table:
          return logarithmic ? std::log(10.) * value(x) * interpolant.derivative(x) :
                               interpolant.derivative(x);
        case Kind::expression:
          {
            // Central difference; the step balances truncation and round-off.
            const double h = 1e-6;
            return (formula->value(x + h) - formula->value(x - h)) / (2. * h);
          }
      }
    return 0.;
  }

  // ------------------------------------------------------------ orientation
  dealii::Tensor<2, 3> rotation_from_bunge(const double phi1, const double Phi, const double phi2)
  {
    const double c1 = std::cos(phi1), s1 = std::sin(phi1);
    const double c  = std::cos(Phi), s = std::sin(Phi);
    const double c2 = std::cos(phi2), s2 = std::sin(phi2);
    dealii::Tensor<2, 3> g; // sample -> crystal (Bunge 1982)
    g[0][0] = c1 * c2 - s1 * s2 * c;
    g[0][1] = s1 * c2 + c1 * s2 * c;
    g[0][2] = s2 * s;
    g[1][0] = -c1 * s2 - s1 * c2 * c;
    g[1][1] = -s1 * s2 + c1 * c2 * c;
    g[1][2] = c2 * s;
    g[2][0] = s1 * s;
    g[2][1] = -c1 * s;
    g[2][2] = c;
    return dealii::transpose(g);
  }

  dealii::Tensor<2, 3> rotation_from_c_axis(const dealii::Tensor<1, 3> &c_axis)
  {
    const double norm = c_axis.norm();
    if (!(norm > 0.))
      throw InputError("the c-axis direction must be a non-zero vector");
    const dealii::Tensor<1, 3> m = c_axis / norm;
    // Phi = angle from e_3; phi1 from m = (sin phi1 sin Phi, -cos phi1 sin Phi, cos Phi).
    const double Phi  = std::acos(std::max(-1., std::min(1., m[2])));
    const double phi1 = std::atan2(m[0], -m[1]);
    return rotation_from_bunge(phi1, Phi, 0.);
  }

  dealii::Tensor<2, 3> rotation_about_axis(const dealii::Tensor<1, 3> &axis, const double angle)
  {
    const dealii::Tensor<1, 3> n = axis / axis.norm();
    const double               c = std::cos(angle), s = std::sin(angle);
    dealii::Tensor<2, 3>       R;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        R[i][j] = (i == j ? c : 0.) + (1. - c) * n[i] * n[j];
    // + sin(angle) [n]_x
    R[0][1] -= s * n[2];
    R[0][2] += s * n[1];
    R[1][0] += s * n[2];
    R[1][2] -= s * n[0];
    R[2][0] -= s * n[1];
    R[2][1] += s * n[0];
    return R;
  }

  double rotation_angle(const dealii::Tensor<2, 3> &rotation)
  {
    const double cosine = 0.5 * (dealii::trace(rotation) - 1.);
    return std::acos(std::max(-1., std::min(1., cosine)));
  }

  double uniform_01(std::mt19937_64 &generator)
  {
    return static_cast<double>(generator() >> 11) * 0x1.0p-53;
  }

  dealii::Tensor<2, 3> random_rotation(std::mt19937_64 &generator)
  {
    const double u1 = uniform_01(generator), u2 = uniform_01(generator), u3 = uniform_01(generator);
    const double a = std::sqrt(1. - u1), b = std::sqrt(u1);
    const double w = a * std::sin(2. * M_PI * u2), x = a * std::cos(2. * M_PI * u2);
    const double y = b * std::sin(2. * M_PI * u3), z = b * std::cos(2. * M_PI * u3);
    dealii::Tensor<2, 3> R;
    R[0][0] = 1. - 2. * (y * y + z * z);
    R[0][1] = 2. * (x * y - z * w);
    R[0][2] = 2. * (x * z + y * w);
    R[1][0] = 2. * (x * y + z * w);
    R[1][1] = 1. - 2. * (x * x + z * z);
    R[1][2] = 2. * (y * z - x * w);
    R[2][0] = 2. * (x * z - y * w);
    R[2][1] = 2. * (y * z + x * w);
    R[2][2] = 1. - 2. * (x * x + y * y);
    return R;
  }

  dealii::Tensor<1, 3> random_direction_in_cone(const dealii::Tensor<1, 3> &axis, const double spread,
                                                std::mt19937_64 &generator)
  {
    const dealii::Tensor<1, 3> n = axis / axis.norm();
    const double cos_theta = 1. - uniform_01(generator) * (1. - std::cos(spread));
    const double psi       = 2. * M_PI * uniform_01(generator);
    // An orthonormal pair perpendicular to n.
    dealii::Tensor<1, 3> helper;
    helper[std::abs(n[0]) < 0.9 ? 0 : 1] = 1.;
    dealii::Tensor<1, 3> t1 = helper - (helper * n) * n;
    t1 /= t1.norm();
    const dealii::Tensor<1, 3> t2 = dealii::cross_product_3d(n, t1);
    const double sin_theta = std::sqrt(std::max(0., 1. - cos_theta * cos_theta));
    return cos_theta * n + sin_theta * (std::cos(psi) * t1 + std::sin(psi) * t2);
  }

  const std::array<dealii::Tensor<2, 3>, 12> &hexagonal_symmetry_operations()
  {
    static const std::array<dealii::Tensor<2, 3>, 12> operations = [] {
      std::array<dealii::Tensor<2, 3>, 12> ops;
      const dealii::Tensor<1, 3>           c_axis({0., 0., 1.});
      for (unsigned int k = 0; k < 6; ++k)
        {
          ops[k] = rotation_about_axis(c_axis, k * M_PI / 3.);
          const double phi = k * M_PI / 6.;
          ops[6 + k]       = rotation_about_axis(dealii::Tensor<1, 3>({std::cos(phi), std::sin(phi), 0.}), M_PI);
        }
      return ops;
    }();
    return operations;
  }

  double hexagonal_misorientation_angle(const dealii::Tensor<2, 3> &a, const dealii::Tensor<2, 3> &b)
  {
    const dealii::Tensor<2, 3> delta = dealii::transpose(a) * b;
    double                     angle = M_PI;
    for (const auto &S : hexagonal_symmetry_operations())
      angle = std::min(angle, rotation_angle(delta * S));
    return angle;
  }

  // ---------------------------------------------------------- Butler–Volmer
  ButlerVolmerResult butler_volmer(const double potential_difference,
                                   const double i0,
                                   const double alpha,
                                   const double thermal_voltage,
                                   const double film_resistance)
  {
    const double f = 1. / thermal_voltage;
    // Limit exponents so that a wild Newton iterate cannot overflow; the
    // global Newton line search brings the iterate back.
    const auto bv = [&](const double eta, double &derivative) {
      const double ea = std::exp(std::min(alpha * f * eta, 300.));
      const double ec = std::exp(std::min(-(1. - alpha) * f * eta, 300.));
      derivative      = i0 * f * (alpha * ea + (1. - alpha) * ec);
      return i0 * (ea - ec);
    };

    double i = 0., slope = 0.;
    if (film_resistance > 0.)
      {
        // Solve g(i) = i - B(dphi - i R) = 0; g' = 1 + B' R > 0, monotone.
        double eta = potential_difference;
        for (unsigned int k = 0; k < 200; ++k)
          {
            eta                   = potential_difference - i * film_resistance;
            const double b        = bv(eta, slope);
            const double residual = i - b;
            const double step     = residual / (1. + slope * film_resistance);
            i -= step;
            if (std::abs(step) <= 1e-14 * (std::abs(i) + i0 + 1e-300))
              break;
          }
        eta = potential_difference - i * film_resistance;
        i   = bv(eta, slope);
        const double denominator = 1. + slope * film_resistance;
        return {i, eta, slope / denominator, (i0 > 0. ? i / i0 : 0.) / denominator};
      }
    i = bv(potential_difference, slope);
    return {i, potential_difference, slope, i0 > 0. ? i / i0 : 0.};
  }
} // namespace camfrac

// -------------------------------------------------------- ElectrodeMaterial
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
      prm.declare_entry("Diffusivity anisotropy ratio", "1", Double(0.),
                        "D_c/D_ab [-], >= 0: diffusivity along the crystal c-axis relative to the Li layers. "
                        "Layered oxides have D_c << D_ab; 1 gives isotropic transport (the default, since the "
                        "published D(x) are effective values measured on polycrystals).");
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
    const bool butler_volmer  = prm.get("Surface condition") == "Butler-Volmer";
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
    const double               d_ab  = diffusivity.value(x);
    const dealii::Tensor<2, 3> axial = c_axis_projection_of(rotation);
    return crystal_tensor<dim>(dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()) - axial, axial, d_ab,
                               diffusivity_anisotropy * d_ab);
  }

  template <int dim>
  dealii::Tensor<2, dim> ElectrodeMaterial::diffusivity_tensor_derivative(const double                x,
                                                                          const dealii::Tensor<2, 3> &rotation) const
  {
    const double               d_ab  = diffusivity.derivative(x);
    const dealii::Tensor<2, 3> axial = c_axis_projection_of(rotation);
    return crystal_tensor<dim>(dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()) - axial, axial, d_ab,
                               diffusivity_anisotropy * d_ab);
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

  // ------------------------------------------------------ MechanicalMaterial
  void MechanicalMaterial::declare_parameters(dealii::ParameterHandler &prm)
  {
    using dealii::Patterns::Double;
    using dealii::Patterns::Selection;
    prm.enter_subsection("Material");
    {
      prm.declare_entry("Elasticity model", "hexagonal", Selection("hexagonal|isotropic"),
                        "'hexagonal': the five single-crystal constants C11..C44 below, rotated by the crystal "
                        "orientation; 'isotropic': Young's modulus and Poisson's ratio.");
      prm.declare_entry("C11", "2.251e11", Double(1e6), "Hexagonal stiffness C11 = C1111 in crystal axes (3 = c-axis) [Pa], >= 1e6. Default: a STAND-IN, the isotropic tensor of a LiCoO2 polycrystal (E = 191 GPa, nu = 0.24), since no single-crystal NMC constants were found (data/mechanics/elastic_constants.tsv).");
      prm.declare_entry("C12", "7.11e10", Double(-1e13), "Hexagonal stiffness C12 = C1122 [Pa].");
      prm.declare_entry("C13", "7.11e10", Double(-1e13), "Hexagonal stiffness C13 = C1133 [Pa].");
      prm.declare_entry("C33", "2.251e11", Double(1e6), "Hexagonal stiffness C33 = C3333 [Pa], >= 1e6.");
      prm.declare_entry("C44", "7.70e10", Double(1e6), "Hexagonal stiffness C44 = C2323 = C1313 [Pa], >= 1e6. C66 = (C11 - C12)/2.");
      prm.declare_entry("Young's modulus", "1.91e11", Double(1e6), "E for 'Elasticity model = isotropic' [Pa], >= 1e6.");
      prm.declare_entry("Poisson's ratio", "0.24", Double(-0.99, 0.49), "nu for 'Elasticity model = isotropic' [-], in [-0.99, 0.49].");
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
    const bool   hexagonal = prm.get("Elasticity model") == "hexagonal";
    const double c11 = prm.get_double("C11"), c12 = prm.get_double("C12"), c13 = prm.get_double("C13"),
                 c33 = prm.get_double("C33"), c44 = prm.get_double("C44");
    const double e = prm.get_double("Young's modulus"), nu = prm.get_double("Poisson's ratio");
    const bool   lattice = prm.get("Chemical strain model") == "lattice";
    const double x_ref   = prm.get_double("Reference stoichiometry");
    const double omega   = prm.get_double("Partial molar volume");
    const std::string lattice_file = prm.get("Lattice parameter file");
    const double      smoothing_width = prm.get_double("Lattice smoothing width");
    prm.leave_subsection();

    if (hexagonal)
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
    const auto        x = table.column("x_Li"), a = table.column("a_A"), c = table.column("c_A");
    // Sort by x and average rows with equal x (operando tables repeat points).
    std::vector<std::size_t> order(x.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return x[i] < x[j]; });
    std::vector<double> xs, as, cs;
    std::vector<int>    counts;
    for (const std::size_t i : order)
      {
        if (!(a[i] > 0.) || !(c[i] > 0.))
          throw InputError("data file '" + file + "': lattice parameters must be positive");
        if (!xs.empty() && std::abs(x[i] - xs.back()) < 1e-12)
          {
            as.back() += a[i];
            cs.back() += c[i];
            ++counts.back();
            continue;
          }
        xs.push_back(x[i]);
        as.push_back(a[i]);
        cs.push_back(c[i]);
        counts.push_back(1);
      }
    for (std::size_t k = 0; k < xs.size(); ++k)
      {
        as[k] /= counts[k];
        cs[k] /= counts[k];
      }
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
    // Positive definiteness of a transversely isotropic stiffness.
    if (!(c44 > 0.) || !(c11 > std::abs(c12)) || !(c33 * (c11 + c12) > 2. * c13 * c13))
      throw InputError("parameters 'Material/C11..C44' are not positive definite: need C44 > 0, C11 > |C12| and "
                       "C33 (C11 + C12) > 2 C13^2");
    elasticity = Elasticity::hexagonal;
    dealii::SymmetricTensor<4, 3> C;
    C[0][0][0][0] = C[1][1][1][1] = c11;
    C[2][2][2][2]                 = c33;
    // SymmetricTensor<4,3> has only the minor symmetries: set both (ij,kl) and (kl,ij).
    C[0][0][1][1] = C[1][1][0][0] = c12;
    C[0][0][2][2] = C[1][1][2][2] = C[2][2][0][0] = C[2][2][1][1] = c13;
    C[1][2][1][2] = C[0][2][0][2] = c44;
    C[0][1][0][1]                 = 0.5 * (c11 - c12);
    stiffness_crystal             = C;
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
