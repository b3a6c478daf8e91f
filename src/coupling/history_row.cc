// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The columns of a particle run's history.csv.

#include <camfrac/coupling/history_row.h>

#include <iomanip>
#include <sstream>

namespace camfrac
{
  std::string HistoryRow::header()
  {
    return "step,time_s,dt_s,current_A,voltage_V,mean_x,min_x,max_x,soc,newton_iterations,linear_iterations,"
           "protocol_step,cycle,lithium_mol,max_principal_stress_Pa,max_hydrostatic_stress_Pa,"
           "min_hydrostatic_stress_Pa,elastic_energy_J,volume_change,coupling_iterations,surface_hoop_stress_Pa,"
           "center_hydrostatic_stress_Pa,max_gb_normal_stress_Pa,mean_misorientation_deg,crack_measure,"
           "crack_measure_intergranular,crack_measure_intragranular,max_d,staggered_iterations,"
           "min_effective_diffusivity_ratio,std_x";
  }

  std::string HistoryRow::format() const
  {
    std::ostringstream out;
    out << std::setprecision(15);
    const auto &s = step;
    out << s.step << ',' << s.time << ',' << s.dt << ',' << s.current << ',' << s.voltage << ',' << s.state.mean_x
        << ',' << s.state.min_x << ',' << s.state.max_x << ',' << soc << ',' << s.newton_iterations << ','
        << s.linear_iterations << ',' << s.protocol_step << ',' << s.cycle << ',' << s.state.lithium_mol;
    const auto &m = mechanics;
    out << ',' << m.max_principal_stress << ',' << m.max_hydrostatic_stress << ',' << m.min_hydrostatic_stress << ','
        << m.elastic_energy << ',' << m.volume_change << ',' << s.coupling_iterations << ',' << m.surface_hoop_stress << ','
        << m.center_hydrostatic_stress << ',' << m.max_gb_normal_stress << ',' << m.mean_misorientation;
    const auto &k = crack;
    out << ',' << k.crack_measure << ',' << k.intergranular << ',' << k.intragranular << ',' << k.max_damage << ','
        << k.staggered_iterations << ',' << m.min_effective_diffusivity_ratio << ',' << s.state.std_x;
    return out.str();
  }
} // namespace camfrac
