// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The columns of a particle run's history.csv.

#include <camfrac/coupling/history_row.h>

#include <cmath>
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
           "min_effective_diffusivity_ratio,std_x,crack_opening,rejected_steps";
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
        << k.staggered_iterations << ',' << m.min_effective_diffusivity_ratio << ',' << s.state.std_x << ','
        << m.crack_opening << ',' << s.rejected_steps;
    return out.str();
  }

  std::string XrdRow::header()
  {
    std::string h = "step,time_s,voltage_V,mean_x,std_x,a_mean_A,a_std_A,c_mean_A,c_std_A,cell_volume_mean_A3";
    for (const std::string hkl : {"003", "104"})
      h += ",d" + hkl + "_mean_A,d" + hkl + "_std_A,d" + hkl + "_std_chemical_A,d" + hkl + "_std_elastic_A,two_theta_" +
           hkl + "_deg,two_theta_" + hkl + "_std_deg,two_theta_" + hkl + "_reference_deg";
    return h;
  }

  std::string XrdRow::histogram_header(const unsigned int n_bins)
  {
    std::string h = "step,time_s,voltage_V,reflection,first_bin_deg,bin_width_deg,outside";
    for (unsigned int i = 0; i < n_bins; ++i)
      h += ",f" + std::to_string(i);
    return h;
  }

  std::string XrdRow::format() const
  {
    std::ostringstream out;
    out << std::setprecision(10);
    const double angstrom = 1e10;
    const auto  &p        = pattern;
    out << step.step << ',' << std::setprecision(15) << step.time << ',' << step.voltage << std::setprecision(10)
        << ',' << p.mean_x << ',' << p.std_x << ',' << p.mean_a * angstrom << ',' << p.std_a * angstrom << ','
        << p.mean_c * angstrom << ',' << p.std_c * angstrom << ',' << p.mean_cell_volume * std::pow(angstrom, 3);
    for (const XrdPeak *peak : {&p.peak_003, &p.peak_104})
      out << ',' << peak->mean_d * angstrom << ',' << peak->std_d * angstrom << ','
          << peak->std_d_chemical * angstrom << ',' << peak->std_d_elastic * angstrom << ',' << peak->mean_two_theta
          << ',' << peak->std_two_theta << ',' << peak->reference_two_theta;
    return out.str();
  }

  std::string XrdRow::format_histograms(const double bin_width) const
  {
    std::ostringstream out;
    out << std::setprecision(8);
    bool first = true;
    for (const auto &[name, peak] : {std::pair{"003", &pattern.peak_003}, std::pair{"104", &pattern.peak_104}})
      {
        if (!first)
          out << '\n';
        first = false;
        out << step.step << ',' << std::setprecision(15) << step.time << ',' << step.voltage << std::setprecision(8)
            << ',' << name << ',' << peak->first_bin << ',' << bin_width << ',' << peak->outside;
        for (const double f : peak->histogram)
          out << ',' << f;
      }
    return out.str();
  }
} // namespace camfrac
