// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The progress line of a run on a terminal.

#include <camfrac/io/progress.h>

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace camfrac
{
  std::string format_duration(double seconds)
  {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1);
    if (seconds < 120.)
      out << seconds << " s";
    else if (seconds < 7200.)
      out << seconds / 60. << " min";
    else
      out << seconds / 3600. << " h";
    return out.str();
  }

  ProgressLine::ProgressLine(const bool enabled)
    : active(enabled)
    , start(std::chrono::steady_clock::now())
  {}

  void ProgressLine::update(const unsigned int step, const double time, const double remaining, const double soc,
                            const double voltage, const double current)
  {
    if (!active)
      return;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta  = wall / time * remaining;
    std::printf("\r  step %5u  t = %9s  SOC %5.1f%%  V = %.4f V  I = %+.3e A  ETA ~%-9s", step,
                format_duration(time).c_str(), 100. * soc, voltage, current, format_duration(eta).c_str());
    std::fflush(stdout);
    shown = true;
  }

  void ProgressLine::finish()
  {
    if (active)
      std::printf("\n");
  }
} // namespace camfrac
