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
   * staggered_iterations,min_effective_diffusivity_ratio,std_x,crack_opening,rejected_steps
   * (docs/user-guide.md lists units and meaning)
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

  /**
   * One accepted step of the virtual operando XRD (docs/theory.md [XRD]).
   * xrd.csv: step,time_s,voltage_V,mean_x,std_x,a_mean_A,a_std_A,c_mean_A,
   * c_std_A,cell_volume_mean_A3, then for each of 003 and 104:
   * d<hkl>_mean_A,d<hkl>_std_A,d<hkl>_std_chemical_A,d<hkl>_std_elastic_A,
   * two_theta_<hkl>_deg,two_theta_<hkl>_std_deg,two_theta_<hkl>_reference_deg.
   * xrd_histogram.csv: one row per step and reflection:
   * step,time_s,voltage_V,reflection,first_bin_deg,bin_width_deg,outside,f0,...
   * (volume fractions per bin of 2 theta; first_bin_deg is the first bin's centre).
   */
  struct XrdRow
  {
    AcceptedStep step;
    XrdPattern   pattern;

    static std::string header();
    static std::string histogram_header(unsigned int n_bins);
    /// The xrd.csv line (no line end).
    std::string format() const;
    /// The two xrd_histogram.csv lines (003, then 104; no final line end).
    std::string format_histograms(double bin_width) const;
  };
} // namespace camfrac
