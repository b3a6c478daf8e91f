// SPDX-License-Identifier: LGPL-2.1-or-later
// Benchmark: the elasticity solve (CG + smoothed-aggregation AMG with the
// rigid-body modes as near-null space) on 3D spheres of increasing size, for
// one backend and the ranks it is run on.
//
//   mpirun -np N elasticity_scaling --backend Trilinos|PETSc --degree 1
//          --refinements 2,3,4,5 [--inner 0.45 [--only-inner 1]]
//
// The load is the chemical strain of a parabolic Li profile (NMC811 lattice
// table, hexagonal stiffness, tilted crystal). With --inner f the finest mesh
// is refined once more inside |X| < f R (hanging nodes), to pass 1M DoFs.
// Prints one CSV line per mesh:
//   backend,ranks,degree,refinements,cells,dofs,setup_s,solve_s,iterations,solve_per_dof_us

#include <camfrac/material/orientation.h>
#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/mechanics.h>
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

  template <typename LA>
  void run(const std::string &backend, unsigned int degree, unsigned int refinements, double inner)
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

    dealii::ParameterHandler prm;
    ElectrodeMaterial::declare_parameters(prm);
    MechanicalMaterial::declare_parameters(prm);
    ElectrodeMaterial material;
    material.parse_parameters(prm, default_data_directory());
    MechanicalMaterial mechanical;
    mechanical.parse_parameters(prm, default_data_directory(), material.maximum_concentration);
    mechanical.set_hexagonal_elasticity(2.8e11, 1.0e11, 0.7e11, 1.6e11, 0.5e11); // a strongly anisotropic test case
    TransportSettings ts;
    ts.fe_degree = 1;
    TransportField<3, LA> transport(tria, material, ts, geometry.nominal_volume<3>());
    transport.setup();
    const double R = geometry.radius, c_max = material.maximum_concentration;
    transport.set_concentration(dealii::ScalarFunctionFromFunctionObject<3>(
      [&](const dealii::Point<3> &p) { return c_max * (0.5 + 0.3 * p.norm_square() / (R * R)); }));

    MechanicsSettings ms;
    ms.linear_solver.tolerance = 1e-8;
    MPI_Barrier(comm);
    const double            start = now();
    MechanicsField<3, LA> mechanics(tria, mechanical, ms, degree);
    mechanics.set_orientation(rotation_from_bunge(0.3, 0.9, 0.2));
    mechanics.setup();
    MPI_Barrier(comm);
    const double setup = now() - start;
    const double t0    = now();
    const unsigned int iterations = mechanics.solve({&transport.get_dof_handler(), &transport.concentration()});
    MPI_Barrier(comm);
    const double solve = now() - t0;
    if (dealii::Utilities::MPI::this_mpi_process(comm) == 0)
      std::cout << backend << ',' << dealii::Utilities::MPI::n_mpi_processes(comm) << ',' << degree << ','
                << refinements << (inner > 0. ? "+inner" : "") << ',' << tria.n_global_active_cells() << ','
                << mechanics.n_dofs() << ',' << setup << ',' << solve << ',' << iterations << ','
                << solve / mechanics.n_dofs() * 1e6 << std::endl;
  }
} // namespace

int main(int argc, char **argv)
{
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  std::string               backend = "Trilinos";
  unsigned int              degree  = 1;
  double                    inner   = 0.;
  bool                      only_inner = false;
  std::vector<unsigned int> refinements = {2, 3, 4};
  for (int k = 1; k + 1 < argc; k += 2)
    {
      const std::string key = argv[k], value = argv[k + 1];
      if (key == "--backend")
        backend = value;
      else if (key == "--degree")
        degree = std::stoi(value);
      else if (key == "--inner")
        inner = std::stod(value);
      else if (key == "--only-inner")
        only_inner = value == "1";
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
    std::cout << "backend,ranks,degree,refinements,cells,dofs,setup_s,solve_s,iterations,solve_per_dof_us" << std::endl;
  for (const unsigned int r : refinements)
    {
      if (only_inner)
        break;
      if (backend == "PETSc")
        run<PETScBackend>(backend, degree, r, 0.);
      else
        run<TrilinosBackend>(backend, degree, r, 0.);
    }
  if (inner > 0.)
    {
      if (backend == "PETSc")
        run<PETScBackend>(backend, degree, refinements.back(), inner);
      else
        run<TrilinosBackend>(backend, degree, refinements.back(), inner);
    }
  return 0;
}
