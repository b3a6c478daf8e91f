// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

namespace camfrac
{
  /**
   * When to rebuild the AMG of a matrix that changes between solves (the
   * transport Jacobian between Newton iterations and time steps, the
   * phase-field matrix between staggered iterations), docs/hpc.md "Solvers".
   *
   * The hierarchy is kept while the Krylov iterations stay below
   * growth * n_0 + slack, with n_0 the count of the first solve after the
   * last rebuild; beyond that, or after a failed solve, it is rebuilt. The
   * AMG setup costs as much as 5-20 preconditioned iterations, so a few extra
   * iterations are cheaper than a rebuild.
   */
  class PreconditionerReuse
  {
  public:
    explicit PreconditionerReuse(const bool enabled = true, const double growth = 1.5, const unsigned int slack = 4)
      : enabled(enabled)
      , growth(growth)
      , slack(slack)
    {}

    /// Whether the preconditioner must be (re)built before the next solve.
    bool needs_rebuild() const { return !enabled || !valid; }
    /// The preconditioner was just built.
    void built()
    {
      valid = true;
      fresh = true;
      ++rebuilds;
    }
    /// Whether the next solve uses a preconditioner of an older matrix.
    bool reusing() const { return valid && !fresh; }
    /// Report the iterations of a solve with the current preconditioner.
    void record(const unsigned int iterations)
    {
      if (fresh)
        {
          reference = iterations;
          fresh     = false;
        }
      else if (iterations > growth * reference + slack)
        valid = false;
    }
    /// The matrix changed structurally (new mesh), or a solve failed.
    void invalidate() { valid = false; }
    /// AMG builds so far.
    unsigned int number_of_builds() const { return rebuilds; }

  private:
    bool         enabled;
    double       growth;
    unsigned int slack;
    bool         valid     = false;
    bool         fresh     = false;
    unsigned int reference = 0;
    unsigned int rebuilds  = 0;
  };
} // namespace camfrac
