// SPDX-License-Identifier: LGPL-2.1-or-later
// Benchmark (docs/performance.md, "Linear solvers per field"): the linear
// solves of the three fields on one 3D sphere mesh, as in a fracture run:
//  - transport: one implicit 1C step of 5 s (Newton, GMRES + AMG; two
//    solves per Newton iteration for the galvanostatic border);
//  - elasticity: vector Q1, hexagonal stiffness, a tilted crystal, the
//    chemical strain of a parabolic Li profile (CG + AMG with rigid-body modes);
//  - phase field: AT2, the driving force 2 psi_c exp(-(|X| - R)^2/(0.3 R)^2)
//    (CG + AMG).
// Also the peak resident memory of the process (all ranks) per DoF.
//
//   mpirun -np N field_solvers --backend Trilinos|PETSc --refinements r [--inner f]
//
// With --inner f the cells inside |X| < f R are refined once more (hanging
// nodes), to pass 2M DoFs. Prints one CSV line (header unless NO_HEADER):
//   backend,ranks,mesh,cells,c_dofs,u_dofs,d_dofs,total_dofs,
//   transport_iterations,transport_amg_s,transport_solve_s,
//   elasticity_iterations,elasticity_amg_s,elasticity_solve_s,
//   phase_field_iterations,phase_field_amg_s,phase_field_solve_s,peak_memory_mb,bytes_per_dof
// where *_solve_s is the time of one linear solve and *_iterations its
// Krylov iterations (transport: the mean over the step's solves).

#include <camfrac/material/orientation.h>
#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/phase_field.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/mpi.h>
#include <deal.II/base/timer.h>

#include <sys/resource.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>

using namespace camfrac;

namespace
{
  double section(const dealii::TimerOutput &timer, const std::string &name)
  {
    const auto data = timer.get_summary_data(dealii::TimerOutput::total_wall_time);
    const auto it   = data.find(name);
    return it == data.end() ? 0. : it->second;
  }

  template <typename LA>
  void run(const std::string &backend, const unsigned int refinements, const double inner)
  {
    const MPI_Comm   comm = MPI_COMM_WORLD;
    ParticleGeometry geometry;
    geometry.radius             = 5e-6;
    geometry.global_refinements = refinements;
    dealii::parallel::distributed::Triangulation<3> tria(comm);
    geometry.create(tria);
    if (inner > 0.)
      {
        for (const auto &cell : tria.active_cell_iterators())
          if (cell->is_locally_owned() && cell->center().norm() < inner * geometry.radius)
            cell->set_refine_flag();
        tria.execute_coarsening_and_refinement();
      }
    const double R = geometry.radius;

    dealii::ParameterHandler prm;
    ElectrodeMaterial::declare_parameters(prm);
    MechanicalMaterial::declare_parameters(prm);
    ElectrodeMaterial material;
    material.parse_parameters(prm, default_data_directory());
    MechanicalMaterial mechanical;
    mechanical.parse_parameters(prm, default_data_directory(), material.maximum_concentration);
    mechanical.set_hexagonal_elasticity(2.8e11, 1.0e11, 0.7e11, 1.6e11, 0.5e11);
    const double c_max = material.maximum_concentration;

    dealii::TimerOutput timer(comm, std::cout, dealii::TimerOutput::never, dealii::TimerOutput::wall_times);

    // Transport: one 1C step.
    TransportSettings ts;
    TransportField<3, LA> transport(tria, material, ts, geometry.nominal_volume<3>(), &timer);
    transport.setup();
    transport.set_concentration(dealii::ScalarFunctionFromFunctionObject<3>(
      [&](const dealii::Point<3> &p) { return c_max * (0.5 + 0.3 * p.norm_square() / (R * R)); }));
    const StepResult step = transport.advance(5., {Control::Mode::current, transport.one_c_current()});
    const unsigned int transport_solves = 2 * step.newton_iterations;

    // Elasticity.
    MechanicsSettings ms;
    ms.linear_solver.tolerance = 1e-10;
    MechanicsField<3, LA> mechanics(tria, mechanical, ms, 1, &timer);
    mechanics.set_orientation(rotation_from_bunge(0.3, 0.9, 0.2));
    mechanics.setup();
    const double       before_solve = section(timer, "mechanics: linear solve");
    const unsigned int elasticity_iterations =
      mechanics.solve({&transport.get_dof_handler(), &transport.concentration()});
    const double elasticity_solve = section(timer, "mechanics: linear solve") - before_solve;

    // Phase field: one AT2 solve.
    FractureSettings fs;
    fs.enabled      = true;
    fs.model        = FractureSettings::Model::AT2;
    fs.toughness    = 2.;
    fs.length_scale = 0.1 * R;
    PhaseField<3, LA> phase_field(tria, fs, &timer);
    const double      psi_c = fs.toughness / (6. * fs.length_scale);
    phase_field.set_driving_force([&](const auto &cell, const dealii::Quadrature<3> &quadrature, std::vector<double> &psi) {
      psi.resize(quadrature.size());
      for (unsigned int q = 0; q < quadrature.size(); ++q)
        {
          // the cell's vertex average stands in for the point: smooth enough
          const double r = cell->center().norm();
          psi[q]         = 2. * psi_c * std::exp(-std::pow((r - R) / (0.3 * R), 2));
        }
    });
    phase_field.setup();
    phase_field.reset_trial();
    phase_field.solve();
    const double pf_amg   = section(timer, "phase field: AMG setup");
    const double pf_solve = section(timer, "phase field: linear solve") - pf_amg;

    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    const double memory_mb = dealii::Utilities::MPI::sum(double(usage.ru_maxrss) / 1024., comm);
    const double total     = double(transport.n_dofs() + mechanics.n_dofs() + phase_field.n_dofs());
    if (dealii::Utilities::MPI::this_mpi_process(comm) == 0)
      std::cout << backend << ',' << dealii::Utilities::MPI::n_mpi_processes(comm) << ',' << refinements
                << (inner > 0. ? "+inner" + std::to_string(inner).substr(0, 4) : "") << ','
                << tria.n_global_active_cells() << ',' << transport.n_dofs() << ',' << mechanics.n_dofs() << ','
                << phase_field.n_dofs() << ',' << total << ','
                << double(step.linear_iterations) / std::max(transport_solves, 1u) << ','
                << section(timer, "transport: AMG setup") << ','
                << section(timer, "transport: linear solve") / std::max(transport_solves, 1u) << ','
                << elasticity_iterations << ',' << section(timer, "mechanics: AMG setup") << ',' << elasticity_solve
                << ',' << phase_field.last_linear_iterations() << ',' << pf_amg << ',' << pf_solve << ','
                << memory_mb << ',' << memory_mb * 1048576. / total << std::endl;
  }
} // namespace

int main(int argc, char **argv)
{
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  std::string  backend     = "Trilinos";
  unsigned int refinements = 3;
  double       inner       = 0.;
  for (int k = 1; k + 1 < argc; k += 2)
    {
      const std::string key = argv[k], value = argv[k + 1];
      if (key == "--backend")
        backend = value;
      else if (key == "--refinements")
        refinements = std::stoi(value);
      else if (key == "--inner")
        inner = std::stod(value);
    }
  if (dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0 && std::getenv("NO_HEADER") == nullptr)
    std::cout << "backend,ranks,mesh,cells,c_dofs,u_dofs,d_dofs,total_dofs,transport_iterations,transport_amg_s,"
                 "transport_solve_s,elasticity_iterations,elasticity_amg_s,elasticity_solve_s,"
                 "phase_field_iterations,phase_field_amg_s,phase_field_solve_s,peak_memory_mb,bytes_per_dof"
              << std::endl;
  if (backend == "PETSc")
    run<PETScBackend>(backend, refinements, inner);
  else
    run<TrilinosBackend>(backend, refinements, inner);
  return 0;
}
