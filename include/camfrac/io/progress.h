// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <chrono>
#include <string>

namespace camfrac
{
  /// A duration as "12.3 s", "4.5 min" or "6.7 h".
  std::string format_duration(double seconds);

  /**
   * The one-line progress display of a run on a terminal: rewritten in place
   * after every accepted step, with an ETA from the wall time so far and the
   * caller's estimate of the simulated time left. Does nothing if disabled.
   */
  class ProgressLine
  {
  public:
    explicit ProgressLine(bool enabled);
    bool enabled() const { return active; }
    /// Show step @p step at simulated time @p time [s]; @p remaining [s] of simulated time are left.
    void update(unsigned int step, double time, double remaining, double soc, double voltage, double current);
    /// End the line (before other output), if anything was shown.
    void finish();

  private:
    bool                                  active;
    bool                                  shown = false;
    std::chrono::steady_clock::time_point start;
  };
} // namespace camfrac
