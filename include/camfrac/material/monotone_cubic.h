// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <string>
#include <vector>

namespace camfrac
{
  /**
   * Monotone piecewise-cubic Hermite interpolant (PCHIP, Fritsch & Carlson
   * 1980, with the Fritsch–Butland harmonic-mean slopes used by MATLAB/SciPy).
   *
   * Tabulated material curves (U(x), D(x), a(x), c(x)) enter Newton's
   * Jacobian through their derivative, so the interpolant must be C^1 and must
   * not overshoot the data: PCHIP is both. Outside the table the curve is
   * continued linearly with the end slope (C^1 at the ends as well).
   * See docs/theory.md, "Tabulated material curves".
   */
  class MonotoneCubic
  {
  public:
    MonotoneCubic() = default;

    /// @p x must be strictly increasing with at least two entries.
    MonotoneCubic(std::vector<double> x, std::vector<double> y);

    double value(const double x) const;
    double derivative(const double x) const;
    /// Piecewise linear (the interpolant is C^1, not C^2); 0 outside the table.
    double second_derivative(const double x) const;

    bool   empty() const { return nodes.empty(); }
    double front_x() const { return nodes.front(); }
    double back_x() const { return nodes.back(); }

  private:
    std::vector<double> nodes;
    std::vector<double> values;
    std::vector<double> slopes;

    std::size_t interval(const double x) const;
  };

  /**
   * Check that the abscissae @p x of a table read from @p file_name are
   * strictly monotone (increasing or decreasing) and put them, with every
   * column in @p columns, in increasing order. A repeated or out-of-order
   * value throws InputError naming the file, the column and the data row
   * (1 = first row after the header).
   */
  void sort_table_rows(std::vector<double> &x, const std::vector<std::vector<double> *> &columns,
                       const std::string &file_name, const std::string &column_name);

  /**
   * A numeric table read from a whitespace- or tab-separated text file.
   * Lines starting with '#' are comments (citations live there); the first
   * non-comment line names the columns.
   */
  struct DataTable
  {
    std::string                      file_name;
    std::vector<std::string>         column_names;
    std::vector<std::vector<std::string>> rows;

    /// Throws camfrac::InputError if the file is missing or malformed.
    static DataTable read(const std::string &file_name);

    /// Numeric column by name; throws InputError naming the file if absent.
    std::vector<double> column(const std::string &name) const;

    /// Keep only the rows whose column @p name equals @p value.
    DataTable filtered(const std::string &name, const std::string &value) const;
  };
} // namespace camfrac
