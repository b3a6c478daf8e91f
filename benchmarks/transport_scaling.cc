// SPDX-License-Identifier: LGPL-2.1-or-later
// Benchmark: the transport solve (Newton + AMG-preconditioned GMRES) on 3D
// spheres of increasing size, for one backend and the ranks it is run on.
//
//   mpirun -np N transport_scaling --backend Trilinos|PETSc --degree 1
//          --refinements 3,4,5,6 --steps 3 --dt 10 [--kappa 1e-13]
//          [--preconditioner factored|jacobian] [--dim 3|2]
//
// --kappa > 0 solves the mixed (c, mu) Cahn-Hilliard formulation
// (docs/theory.md §3.3) with that gradient-energy coefficient [J m^5/mol^2],
// preconditioned by its factorisation (default) or by AMG of the Jacobian.
// --dim 2: disks (cylinders) instead of spheres.
//
// Prints one CSV line per mesh:
//   backend,ranks,degree,refinements,cells,dofs,steps,newton_iterations,
//   linear_iterations_per_newton,setup_s,time_per_step_s,time_per_step_per_dof_us,kappa
// The physics is the quick-start's (NMC811, Butler–Volmer, 1C galvanostatic),
// so each Newton step has two AMG-preconditioned solves (bordered system).

#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/mpi.h>

#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace camfrac;

namespace
{
  double now()
  {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

  template <int dim, typename LA>
  void run(const std::string &backend, unsigned int degree, unsigned int refinements, unsigned int steps, double dt,
           double kappa, bool factored)
  {
    const MPI_Comm comm = MPI_COMM_WORLD;
    ParticleGeometry geometry;
    geometry.radius             = 5e-6;
    geometry.global_refinements = refinements;
    ElectrodeMaterial material;
    dealii::ParameterHandler prm;
    ElectrodeMaterial::declare_parameters(prm);
    material.parse_parameters(prm, default_data_directory()); // NMC811 defaults
    material.gradient_energy_coefficient = kappa;
    TransportSettings settings;
    settings.fe_degree        = degree;
    settings.linear_solver.tolerance = 1e-8;
    settings.factored_preconditioner = factored;

    MPI_Barrier(comm);
    const double start = now();
    dealii::parallel::distributed::Triangulation<dim> tria(comm);
    geometry.create(tria);
    TransportField<dim, LA> field(tria, material, settings, geometry.nominal_volume<dim>());
    field.setup();
    MPI_Barrier(comm);
    const double setup = now() - start;

    unsigned int newton = 0, linear = 0;
    const double t0 = now();
    for (unsigned int k = 0; k < steps; ++k)
      {
        const auto r = field.advance(dt, {Control::Mode::current, field.one_c_current()});
        if (!r.converged)
          {
            // e.g. the Krylov limit (500) reached: reported, not fatal.
            if (dealii::Utilities::MPI::this_mpi_process(comm) == 0)
              std::cout << backend << ',' << dealii::Utilities::MPI::n_mpi_processes(comm) << ',' << degree << ','
                        << refinements << ',' << tria.n_global_active_cells() << ',' << field.n_dofs() << ',' << steps
                        << ",failed,failed," << setup << ",failed,failed," << kappa << ',' << dim << ','
                        << (kappa > 0. ? (factored ? "factored" : "jacobian") : "amg") << std::endl;
            return;
          }
        newton += r.newton_iterations;
        linear += r.linear_iterations;
        field.accept();
      }
    MPI_Barrier(comm);
    const double per_step = (now() - t0) / steps;
    if (dealii::Utilities::MPI::this_mpi_process(comm) == 0)
      std::cout << backend << ',' << dealii::Utilities::MPI::n_mpi_processes(comm) << ',' << degree << ','
                << refinements << ',' << tria.n_global_active_cells() << ',' << field.n_dofs() << ',' << steps << ','
                << newton << ',' << double(linear) / (2. * newton) << ',' << setup << ',' << per_step << ','
                << per_step / field.n_dofs() * 1e6 << ',' << kappa << ',' << dim << ','
                << (kappa > 0. ? (factored ? "factored" : "jacobian") : "amg") << std::endl;
  }
} // namespace

int main(int argc, char **argv)
{
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  std::string               backend = "Trilinos";
  unsigned int              degree = 1, steps = 3;
  double                    dt = 10., kappa = 0.;
  bool                      factored = true;
  int                       dim      = 3;
  std::vector<unsigned int> refinements = {2, 3, 4};
  for (int k = 1; k + 1 < argc; k += 2)
    {
      const std::string key = argv[k], value = argv[k + 1];
      if (key == "--backend")
        backend = value;
      else if (key == "--degree")
        degree = std::stoi(value);
      else if (key == "--steps")
        steps = std::stoi(value);
      else if (key == "--dt")
        dt = std::stod(value);
      else if (key == "--kappa")
        kappa = std::stod(value);
      else if (key == "--preconditioner")
        factored = value != "jacobian";
      else if (key == "--dim")
        dim = std::stoi(value);
      else if (key == "--refinements")
        {
          refinements.clear();
          std::stringstream ss(value);
          std::string       item;
          while (std::getline(ss, item, ','))
            refinements.push_back(std::stoi(item));
        }
    }
  if (dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0 && std::getenv("NO_HEADER") == nullptr)
    std::cout << "backend,ranks,degree,refinements,cells,dofs,steps,newton_iterations,linear_iterations_per_solve,"
                 "setup_s,time_per_step_s,time_per_step_per_dof_us,kappa,dim,preconditioner"
              << std::endl;
  for (const unsigned int r : refinements)
    {
      const bool petsc = backend == "PETSc";
      if (dim == 2)
        petsc ? run<2, PETScBackend>(backend, degree, r, steps, dt, kappa, factored) :
                run<2, TrilinosBackend>(backend, degree, r, steps, dt, kappa, factored);
      else
        petsc ? run<3, PETScBackend>(backend, degree, r, steps, dt, kappa, factored) :
                run<3, TrilinosBackend>(backend, degree, r, steps, dt, kappa, factored);
    }
  return 0;
}
