// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/protocol_runner.h>

#include <deal.II/base/mpi.h>

#include <fstream>
#include <string>
#include <vector>

namespace camfrac
{
  /// One row of history.csv.
  struct HistoryRow
  {
    AcceptedStep step;
    double       soc = 0.; ///< (x_max - mean x)/(x_max - x_min)
    MechanicalSummary mechanics; ///< zeros without mechanics
    CrackSummary      crack;     ///< zeros without fracture
  };

  /**
   * history.csv: one row per accepted step, written and flushed by rank 0 so
   * that a killed run keeps what it computed. Columns (units in the names):
   * step,time_s,dt_s,current_A,voltage_V,mean_x,min_x,max_x,soc,
   * newton_iterations,linear_iterations,protocol_step,cycle,lithium_mol,
   * max_principal_stress_Pa,max_hydrostatic_stress_Pa,min_hydrostatic_stress_Pa,
   * elastic_energy_J,volume_change,coupling_iterations,surface_hoop_stress_Pa,
   * center_hydrostatic_stress_Pa,max_gb_normal_stress_Pa,mean_misorientation_deg,
   * crack_measure,crack_measure_intergranular,crack_measure_intragranular,max_d,
   * staggered_iterations (docs/user-guide.md lists units and meaning)
   */
  class HistoryWriter
  {
  public:
    /// @p file_name empty: keep rows in memory only. Collective; throws
    /// InputError on every rank if rank 0 cannot write the file.
    /// @p existing_rows: rows (lines with '\n') written after the header
    /// before any new row, e.g. those of a checkpoint.
    HistoryWriter(const std::string &file_name, MPI_Comm communicator, const std::string &existing_rows = "");
    void add(const HistoryRow &row);
    const std::vector<HistoryRow> &rows() const { return all_rows; }

    static std::string header();
    static std::string format(const HistoryRow &row);

  private:
    std::ofstream           file;
    std::vector<HistoryRow> all_rows;
  };
} // namespace camfrac
