// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/monotone_cubic.h>

#include <memory>
#include <string>

namespace camfrac
{
  /**
   * A scalar material property as a function of the Li site fraction x:
   * a constant, a table (PCHIP through the tabulated points), or a closed-form
   * expression in the variable `x` (muparser syntax, e.g.
   * `4.49 - 0.81*x - 17.7*tanh(15.8*(x-0.31))`). Optionally interpolated in
   * log10, which suits diffusivities spanning decades.
   */
  class MaterialCurve
  {
  public:
    enum class Kind
    {
      constant,
      table,
      expression
    };

    static MaterialCurve constant(const double value);
    static MaterialCurve table(const MonotoneCubic &interpolant, bool logarithmic = false);
    /// @p name is used in error messages (e.g. "Material/OCP expression").
    static MaterialCurve expression(const std::string &formula, const std::string &name);

    double value(const double x) const;
    double derivative(const double x) const;
    /// d/dx: exact for constants and tables, a fourth-order central
    /// difference (step 1e-4) for expressions. d^2/dx^2: exact for constants
    /// and tables (piecewise linear, the PCHIP is C^1), a fourth-order
    /// central second difference (step 3e-4) for expressions.
    double second_derivative(const double x) const;

    Kind kind() const { return curve_kind; }

  private:
    Kind          curve_kind = Kind::constant;
    double        constant_value = 0.;
    MonotoneCubic interpolant;
    bool          logarithmic = false;
    // Parsed expression: opaque, so this header stays free of muparser.
    std::shared_ptr<const class CurveExpression> formula;
  };
} // namespace camfrac
