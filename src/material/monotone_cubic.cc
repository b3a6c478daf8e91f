// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Monotone cubic (PCHIP) interpolation and the whitespace-separated data tables of data/.

#include <camfrac/io/errors.h>
#include <camfrac/material/monotone_cubic.h>

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

  double MonotoneCubic::second_derivative(const double x) const
  {
    if (x <= nodes.front() || x >= nodes.back())
      return 0.;
    const std::size_t k   = interval(x);
    const double      h   = nodes[k + 1] - nodes[k];
    const double      t   = (x - nodes[k]) / h;
    const double      d00 = 6. * (2. * t - 1.) / (h * h);
    const double      d10 = (6. * t - 4.) / h;
    const double      d11 = (6. * t - 2.) / h;
    return d00 * (values[k] - values[k + 1]) + d10 * slopes[k] + d11 * slopes[k + 1];
  }

  void sort_table_rows(std::vector<double> &x, const std::vector<std::vector<double> *> &columns,
                       const std::string &file_name, const std::string &column_name)
  {
    if (x.size() < 2)
      throw InputError("data file '" + file_name + "': a table needs at least two rows");
    const bool decreasing = x[1] < x[0];
    for (std::size_t k = 1; k < x.size(); ++k)
      if (!(decreasing ? x[k] < x[k - 1] : x[k] > x[k - 1]))
        {
          std::ostringstream value;
          value << x[k];
          throw InputError("data file '" + file_name + "': column '" + column_name + "' must be strictly " +
                           (decreasing ? "decreasing" : "increasing") + ", but data row " + std::to_string(k + 1) +
                           " holds " + value.str() + (x[k] == x[k - 1] ? ", which repeats the row before" :
                                                                          ", out of order"));
        }
    if (!decreasing)
      return;
    std::reverse(x.begin(), x.end());
    for (auto *column : columns)
      std::reverse(column->begin(), column->end());
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
} // namespace camfrac
