// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/protocol_runner.h>

#include <deal.II/base/data_out_base.h>

#include <array>
#include <string>
#include <vector>

namespace camfrac
{
  /// Scalars of a model's accepted state that are not attached to the mesh.
  struct ModelScalars
  {
    double       potential            = 0.; ///< phi [V]
    unsigned int staggered_iterations = 0;
  };

  /**
   * What a checkpoint holds besides the mesh and its attached vectors
   * (docs/hpc.md): where the runner stands, the model's scalars, the output
   * counters, the rows of history.csv and the XDMF entries written so far.
   * Numbers are written in hexfloat, so that a restarted run continues
   * bit for bit.
   */
  struct RestartRecord
  {
    ProtocolRunner::State runner;
    ModelScalars          scalars;
    unsigned int          field_index     = 0;
    double                last_field_time = 0.;
    std::string           history_rows; ///< history.csv without its header
    std::string           xrd_rows, xrd_histogram_rows; ///< xrd.csv, xrd_histogram.csv without headers (may be empty)
    std::array<std::vector<dealii::XDMFEntry>, 3> xdmf; ///< fields, mechanics, fracture

    /// Rank 0: write run.prm (a copy of @p run_prm), history.csv, xdmf.txt
    /// and, last, state.txt into @p directory. Throws InputError.
    void write(const std::string &directory, int dim, unsigned int ranks, const std::string &run_prm) const;
    /// Read a checkpoint directory (every rank reads the small files itself).
    /// Throws InputError naming what is missing or damaged.
    static RestartRecord read(const std::string &directory);
  };
} // namespace camfrac
