// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// One-line messages for the command line (io/errors.h).

#include <camfrac/io/errors.h>

#include <string>

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
} // namespace camfrac
