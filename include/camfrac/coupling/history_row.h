// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/protocol_runner.h>
#include <camfrac/physics/summaries.h>

#include <string>

namespace camfrac
{
  /**
   * One row of a particle run's history.csv. Columns (units in the names):
   * step,time_s,dt_s,current_A,voltage_V,mean_x,min_x,max_x,soc,
   * newton_iterations,linear_iterations,protocol_step,cycle,lithium_mol,
   * max_principal_stress_Pa,max_hydrostatic_stress_Pa,min_hydrostatic_stress_Pa,
   * elastic_energy_J,volume_change,coupling_iterations,surface_hoop_stress_Pa,
   * center_hydrostatic_stress_Pa,max_gb_normal_stress_Pa,mean_misorientation_deg,
   * crack_measure,crack_measure_intergranular,crack_measure_intragranular,max_d,
   * staggered_iterations (docs/user-guide.md lists units and meaning)
   */
  struct HistoryRow
  {
    AcceptedStep      step;
    double            soc = 0.; ///< (x_max - mean x)/(x_max - x_min)
    MechanicalSummary mechanics; ///< zeros without mechanics
    CrackSummary      crack;     ///< zeros without fracture

    /// The header line of history.csv.
    static std::string header();
    /// The row as a CSV line (15 significant digits, no line end).
    std::string format() const;
  };
} // namespace camfrac
