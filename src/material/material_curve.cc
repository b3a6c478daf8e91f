// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Material curves of the Li fraction: constant, table or expression.

#include <camfrac/io/errors.h>
#include <camfrac/material/material_curve.h>

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
#include <map>

namespace camfrac
{
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
            // Fourth-order central difference: with h = 1e-4 truncation and
            // round-off are both ~1e-11 for the NMC811 fit (docs/theory.md §2),
            // smooth enough to differentiate once more (the mobility's U'').
            const double h = 1e-4;
            return (formula->value(x - 2. * h) - 8. * formula->value(x - h) + 8. * formula->value(x + h) -
                    formula->value(x + 2. * h)) /
                   (12. * h);
          }
      }
    return 0.;
  }

  double MaterialCurve::second_derivative(const double x) const
  {
    switch (curve_kind)
      {
        case Kind::constant:
          return 0.;
        case Kind::table:
          {
            if (!logarithmic)
              return interpolant.second_derivative(x);
            // D = 10^p: D'' = ln10 (D' p' + D p'').
            const double ln10 = std::log(10.);
            return ln10 * (derivative(x) * interpolant.derivative(x) + value(x) * interpolant.second_derivative(x));
          }
        case Kind::expression:
          {
            // Fourth-order central second difference, h = 3e-4.
            const double h = 3e-4;
            return (-formula->value(x - 2. * h) + 16. * formula->value(x - h) - 30. * formula->value(x) +
                    16. * formula->value(x + h) - formula->value(x + 2. * h)) /
                   (12. * h * h);
          }
      }
    return 0.;
  }
} // namespace camfrac
