// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <stdexcept>
#include <string>

namespace camfrac
{
  /**
   * An error the user can cause and fix: a bad parameter, a missing or
   * malformed file, an unwritable directory, an impossible protocol. The
   * command line prints it as one line, `camfrac: error: <what()>`, and exits
   * with status 1. It must be thrown on all MPI ranks alike (every rank parses
   * the same input), so that no rank is left waiting.
   */
  class InputError : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /**
   * The time integration could not continue: Newton failed at the minimum
   * time step. Exit status 2.
   */
  class SolverFailure : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /**
   * The run stopped early on request (SIGTERM or SIGUSR1) after writing a
   * checkpoint; `camfrac --restart DIR` continues it. Exit status 75
   * (EX_TEMPFAIL: try again).
   */
  class Interrupted : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /**
   * Turn any exception into the one-line message printed by the command line.
   * deal.II's exceptions carry a multi-line banner; only the "Additional
   * information" part is kept, with whitespace collapsed.
   */
  std::string one_line_message(const std::exception &error);
} // namespace camfrac
