// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include <chrono>
#include <functional>
#include <string>

namespace camfrac
{
  /// When and where checkpoints are written (section "Checkpoint", docs/hpc.md).
  struct CheckpointSettings
  {
    /// Directory of the checkpoints; empty: <Output/Directory>/checkpoint.
    std::string  directory;
    /// Write a checkpoint after the first accepted step that ends at least this
    /// much wall-clock time after the last one [s]; 0: never by time.
    double       wall_time_interval = 3600.;
    /// Write a checkpoint every this many accepted steps [-]; 0: never by count.
    unsigned int step_interval = 0;
    /// On SIGTERM or SIGUSR1, write a checkpoint after the current step and stop (exit status 75).
    bool         on_signal = true;
    /// How many complete checkpoints are kept (the newest) [-], >= 1.
    unsigned int keep = 2;

    static void declare_parameters(dealii::ParameterHandler &prm);
    void        parse_parameters(dealii::ParameterHandler &prm);
  };

  /**
   * Decides, after each accepted step, whether a checkpoint is due and
   * whether the run must stop; collective, the same answer on every rank.
   * SIGTERM and SIGUSR1 (which batch systems send before the wall-time
   * limit) only set a flag here; the run stops at the end of the step.
   */
  class CheckpointTrigger
  {
  public:
    CheckpointTrigger(const CheckpointSettings &settings, MPI_Comm communicator);
    struct Decision
    {
      bool write = false;
      bool stop  = false;
      int  signal = 0; ///< the signal that asked to stop, 0 if none
    };
    Decision after_step(unsigned int accepted_steps);
    /// The wall-clock interval starts again (after a checkpoint was written).
    void reset_clock();

  private:
    CheckpointSettings                    settings;
    MPI_Comm                              communicator;
    std::chrono::steady_clock::time_point last;
  };

  /// Install the SIGTERM and SIGUSR1 handlers (they only set a flag).
  void install_checkpoint_signal_handlers();

  /**
   * Checkpoint directories under a root, written atomically: everything goes
   * into root/.incomplete-<step>, which rank 0 renames to root/checkpoint-<step>
   * only when all ranks finished writing; root/latest (replaced by rename)
   * then names it, and all but the newest @p keep checkpoints are removed. A
   * writer killed at any point leaves the previous checkpoint intact.
   */
  class CheckpointStore
  {
  public:
    CheckpointStore(const std::string &root, unsigned int keep, MPI_Comm communicator);
    /// Collective: @p writer fills the (temporary) directory it is given.
    /// Returns the final directory. Throws InputError if it cannot be written.
    std::string write(unsigned int step, const std::function<void(const std::string &)> &writer);
    /// The newest complete checkpoint in @p root (or @p root itself if it is
    /// one). Collective; throws InputError when there is none.
    static std::string find_latest(const std::string &path, MPI_Comm communicator);

  private:
    std::string  root;
    unsigned int keep;
    MPI_Comm     communicator;
  };
} // namespace camfrac
