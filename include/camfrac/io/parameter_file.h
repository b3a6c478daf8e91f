// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/parameter_handler.h>

#include <string>
#include <vector>

namespace camfrac
{
  /**
   * An entry that an older layout set directly in @p section and that now
   * lives in @p subsection of it as @p new_name (e.g. Transport/Linear
   * tolerance, now Transport/Linear solver/Tolerance).
   */
  struct MovedEntry
  {
    std::string section;    ///< the path of the section, "A/B" for nested ones
    std::string old_name;   ///< the entry's old name, directly in the section
    std::string subsection; ///< the subsection of the section that holds it now
    std::string new_name;   ///< the entry's name there
  };

  /**
   * The .prm text @p text with every `set` of a @p moved entry rewritten
   * into its new subsection; @p line_of receives, for each line of the
   * result, the 1-based line of @p text it comes from.
   */
  std::string move_entries(const std::string &text, const std::vector<MovedEntry> &moved,
                           std::vector<unsigned int> *line_of = nullptr);

  /**
   * Parse one .prm or .json file into @p prm (declared already). deal.II's
   * exceptions become an InputError with a one-line message naming the file
   * and the entry. JSON (plain values, or objects with a "value" as printed
   * by --print-parameters json) is translated to .prm text first, because
   * deal.II's JSON reader reports a bad value without naming its entry.
   * Entries of an older layout listed in @p moved are read at their new place.
   */
  void parse_parameter_input(dealii::ParameterHandler &prm, const std::string &file_name,
                             const std::vector<MovedEntry> &moved = {});

  /// The .prm text of a JSON parameter file (throws InputError if it is not JSON).
  std::string json_to_prm(const std::string &file_name);
} // namespace camfrac
