// SPDX-License-Identifier: LGPL-2.1-or-later
// Single-edge-notched tension (Miehe et al. 2010; Ambati et al. 2015;
// ../shared/VERIFICATION.md §D): a 1 x 1 mm plate in plane strain, notch
// from the left edge to the centre (d = 1 on its nodes), bottom clamped,
// top pulled vertically (u_x = 0). lambda = 121.15 GPa, mu = 80.77 GPa,
// G_c = 2.7 N/mm, AT2. Prints the load-displacement curve as CSV:
//   u_mm,force_kN_per_mm,staggered_iterations,max_d,crack_measure_mm
// Usage: sent [--refinements N] [--ell MM] [--step MM] [--split NAME]
//             [--tolerance R] [--damage-tolerance D] [--band MM]
//             [--fine-after MM --fine-step MM]  (smaller steps beyond u = MM)
// The band |y - 0.5| < band is refined N times from a 16 x 16 mesh.

#include <deal.II/base/mpi.h>
#include <deal.II/base/utilities.h>
#include <deal.II/grid/grid_generator.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "../tests/verification/fracture_fixture.h"

using namespace camfrac;
using namespace dealii;

int main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  unsigned int refinements = 3;
  double       ell_mm = 0.015, step_mm = 1e-4, tolerance = 1e-4, damage_tolerance = 1e-3, band_mm = 0.05;
  double       fine_after_mm = 1e300, fine_step_mm = 1e-5;
  std::string  split = "spectral";
  for (int i = 1; i + 1 < argc; i += 2)
    {
      const std::string key = argv[i], value = argv[i + 1];
      if (key == "--refinements")
        refinements = std::stoi(value);
      else if (key == "--ell")
        ell_mm = std::stod(value);
      else if (key == "--step")
        step_mm = std::stod(value);
      else if (key == "--split")
        split = value;
      else if (key == "--tolerance")
        tolerance = std::stod(value);
      else if (key == "--damage-tolerance")
        damage_tolerance = std::stod(value);
      else if (key == "--fine-after")
        fine_after_mm = std::stod(value);
      else if (key == "--fine-step")
        fine_step_mm = std::stod(value);
      else if (key == "--band")
        band_mm = std::stod(value);
      else
        {
          std::cerr << "unknown option " << key << std::endl;
          return 1;
        }
    }
  const bool                          root = Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0;
  const double                        mm   = 1e-3;
  camfrac::testing::FractureSpecimen<2> specimen;
  specimen.fracture_settings.split               = StrainEnergySplit::from_string(split);
  specimen.fracture_settings.staggered_tolerance = tolerance;
  specimen.fracture_settings.damage_tolerance    = damage_tolerance;
  auto pull = std::make_shared<camfrac::testing::BoundaryDisplacement<2>>(1);
  camfrac::testing::setup_sent(specimen, refinements, band_mm, ell_mm, pull);
  double h_min = 1e300;
  for (const auto &cell : specimen.triangulation.active_cell_iterators())
    if (cell->is_locally_owned())
      h_min = std::min(h_min, cell->diameter() / std::sqrt(2.));
  h_min = Utilities::MPI::min(h_min, MPI_COMM_WORLD);
  if (root)
    std::cout << "# SENT: " << specimen.triangulation.n_global_active_cells() << " cells, "
              << specimen.mechanics->n_dofs() << " u DoFs + " << specimen.phase_field->n_dofs()
              << " d DoFs, h = " << h_min / mm << " mm = ell/" << ell_mm * mm / h_min << ", split " << split
              << ", step " << step_mm << " mm, tolerances " << tolerance << ", " << damage_tolerance << ", "
              << Utilities::MPI::n_mpi_processes(MPI_COMM_WORLD) << " rank(s)\n"
              << "u_mm,force_kN_per_mm,staggered_iterations,max_d,crack_measure_mm" << std::endl;
  const auto start = std::chrono::steady_clock::now();
  double     peak  = 0., peak_u = 0.;
  double u_mm = 0.;
  for (unsigned int n = 1; n <= 100000; ++n)
    {
      u_mm += u_mm >= fine_after_mm - 1e-12 ? fine_step_mm : step_mm;
      pull->amplitude               = u_mm * mm;
      specimen.mechanics->update_boundary_values();
      const unsigned int iterations = specimen.step(5000);
      const double       force      = specimen.mechanics->boundary_reaction(3, specimen.concentration())[1];
      const CrackSummary crack      = specimen.phase_field->crack_summary();
      if (force > peak)
        peak = force, peak_u = pull->amplitude;
      if (root)
        std::printf("%.6e,%.6e,%u,%.6f,%.6e\n", pull->amplitude / mm, force * 1e-6, iterations, crack.max_damage,
                    crack.crack_measure / mm);
      if (force < 0.05 * peak)
        break;
    }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (root)
    std::cout << "# peak " << peak * 1e-6 << " kN/mm at u = " << peak_u / mm << " mm; "
              << specimen.total_staggered_iterations << " staggered iterations in " << seconds << " s" << std::endl;
}
