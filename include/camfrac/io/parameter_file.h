// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/parameter_handler.h>

#include <string>

namespace camfrac
{
  /**
   * Parse one .prm or .json file into @p prm (declared already). deal.II's
   * exceptions become an InputError with a one-line message naming the file
   * and the entry. JSON (plain values, or objects with a "value" as printed
   * by --print-parameters json) is translated to .prm text first, because
   * deal.II's JSON reader reports a bad value without naming its entry.
   */
  void parse_parameter_input(dealii::ParameterHandler &prm, const std::string &file_name);

  /// The .prm text of a JSON parameter file (throws InputError if it is not JSON).
  std::string json_to_prm(const std::string &file_name);
} // namespace camfrac
