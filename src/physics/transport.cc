// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Li transport with Butler–Volmer surface kinetics and a galvanostatic
// constraint, on a distributed mesh, for the PETSc and Trilinos backends.
// Equations: docs/theory.md §2–4.

#include <camfrac/io/errors.h>
#include <camfrac/io/field_output.h>
#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/butler_volmer.h>
#include <camfrac/physics/transport.h>

#include "../instantiation.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/utilities.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/vector_tools.h>

#include <algorithm>
#include <optional>
#include <cmath>
#include <filesystem>
#include <limits>
#include <type_traits>

namespace camfrac
{
  using namespace dealii;

  // ------------------------------------------------------ TransportSettings
  void TransportSettings::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Transport");
    prm.declare_entry("Polynomial degree", "1", Patterns::Integer(1, 2),
                      "Degree of the Lagrange (Q_k) elements for the concentration [-], 1 or 2.");
    prm.declare_entry("Newton tolerance", "1e-9", Patterns::Double(1e-14, 1e-2),
                      "Newton stops when the update is below this in x = c/c_max and in volts [-], in [1e-14, 1e-2].");
    prm.declare_entry("Maximum Newton iterations", "12", Patterns::Integer(1, 100),
                      "Newton iterations before a time step counts as failed and is cut back [-], in [1, 100].");
    LinearSolverSettings::declare_parameters(prm, TransportSettings().linear_solver, "GMRES");
    prm.declare_entry("Gradient energy preconditioner", TransportSettings().factored_preconditioner ? "factored" : "Jacobian AMG",
                      Patterns::Selection("factored|Jacobian AMG"),
                      "With a gradient energy (Material/Gradient energy coefficient > 0) and the AMG method: "
                      "'factored' preconditions the fourth-order Jacobian with its factorisation into two "
                      "second-order operators, one AMG V-cycle each, so that the GMRES iterations stay bounded "
                      "under mesh refinement (docs/theory.md 3.3); 'Jacobian AMG': one AMG of the Jacobian itself, "
                      "cheaper per iteration while the cells are not much smaller than the interface width "
                      "sqrt(kappa c_max/(F |U'|)).");
    prm.leave_subsection();
  }

  void TransportSettings::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Transport");
    fe_degree                 = prm.get_integer("Polynomial degree");
    newton_tolerance          = prm.get_double("Newton tolerance");
    maximum_newton_iterations = prm.get_integer("Maximum Newton iterations");
    linear_solver.parse_parameters(prm);
    factored_preconditioner   = prm.get("Gradient energy preconditioner") == "factored";
    prm.leave_subsection();
  }

  namespace
  {
    struct LinearSolveFailure
    {};

    // Keep x away from 0 and 1 where i_0 and U may be singular.
    double clamp_fraction(const double x) { return std::min(std::max(x, 1e-9), 1. - 1e-9); }
  } // namespace

  // ---------------------------------------------------------- TransportField
  template <int dim, typename LA>
  TransportField<dim, LA>::TransportField(const parallel::distributed::Triangulation<dim> &triangulation,
                                          const ElectrodeMaterial                          &material,
                                          const TransportSettings                          &settings,
                                          const double                                      nominal_volume,
                                          TimerOutput                                      *timer)
    : mpi_communicator(triangulation.get_communicator())
    , triangulation(triangulation)
    , material(material)
    , settings(settings)
    , nominal_volume(nominal_volume)
    , timer(timer)
    , fe(settings.fe_degree)
    , mapping(std::max(2u, settings.fe_degree))
    , dof_handler(triangulation)
  {}

  template <int dim, typename LA>
  TransportField<dim, LA>::~TransportField()
  {
    linear_solver.reset();
    dof_handler.clear();
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::distribute_dofs()
  {
    mapping.initialize(MappingQ<dim>(mapping.get_degree()), triangulation);
    dof_handler.distribute_dofs(fe);
    locally_owned_dofs = dof_handler.locally_owned_dofs();
    DoFTools::extract_locally_relevant_dofs(dof_handler, locally_relevant_dofs);

    constraints.clear();
    constraints.reinit(locally_relevant_dofs);
    DoFTools::make_hanging_node_constraints(dof_handler, constraints);
    inactive_dofs = IndexSet(dof_handler.n_dofs());
    point_materials.clear();
    if (material_field)
      {
        // DoFs of no Li-storing cell (coating, matrix) are constrained to 0.
        // Every cell touching a DoF of a locally owned cell is owned or ghost,
        // so marking from those cells is complete for the DoFs used here.
        IndexSet                             touched(dof_handler.n_dofs());
        std::vector<types::global_dof_index> dofs(fe.n_dofs_per_cell());
        for (const auto &cell : dof_handler.active_cell_iterators())
          if (!cell->is_artificial() && stores_lithium(cell))
            {
              cell->get_dof_indices(dofs);
              for (const auto i : dofs)
                touched.add_index(i);
            }
        for (const auto &cell : dof_handler.active_cell_iterators())
          if (cell->is_locally_owned() && !stores_lithium(cell))
            {
              cell->get_dof_indices(dofs);
              for (const auto i : dofs)
                if (!touched.is_element(i))
                  inactive_dofs.add_index(i);
            }
        for (const auto i : inactive_dofs)
          if (!constraints.is_constrained(i))
            constraints.add_line(i);
      }
    mu_constraints.clear();
    if (gradient_energy())
      {
        // mu is continuous and 0 where there is no Li; it has no Dirichlet values.
        mu_constraints.copy_from(constraints);
        mu_constraints.close();
      }
    if (dirichlet_concentration)
      VectorTools::interpolate_boundary_values(mapping, dof_handler, ParticleGeometry::surface_boundary_id,
                                               Functions::ZeroFunction<dim>(), constraints);
    constraints.close();

    solution.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    trial.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    old_solution_owned.reinit(locally_owned_dofs, mpi_communicator);
    trial_owned.reinit(locally_owned_dofs, mpi_communicator);
    residual.reinit(locally_owned_dofs, mpi_communicator);
    border_column.reinit(locally_owned_dofs, mpi_communicator);
    border_row.reinit(locally_owned_dofs, mpi_communicator);

    compute_geometry();
    if (gradient_energy())
      {
        // The lumped mass of the mu equation, m_i = int N_i dV over the Li
        // cells, condensed (row sums of the condensed consistent mass).
        mu.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
        mu_owned.reinit(locally_owned_dofs, mpi_communicator);
        Vector                               lumped(locally_owned_dofs, mpi_communicator);
        const QGauss<dim>                    quadrature(fe.degree + 1);
        FEValues<dim>                        fe_values(mapping, fe, quadrature, update_values | update_JxW_values);
        dealii::Vector<double>               local(fe.n_dofs_per_cell());
        std::vector<types::global_dof_index> dofs(fe.n_dofs_per_cell());
        for (const auto &cell : dof_handler.active_cell_iterators())
          if (cell->is_locally_owned() && stores_lithium(cell))
            {
              fe_values.reinit(cell);
              local = 0.;
              for (unsigned int q = 0; q < quadrature.size(); ++q)
                for (unsigned int i = 0; i < fe.n_dofs_per_cell(); ++i)
                  local(i) += fe_values.shape_value(i, q) * fe_values.JxW(q);
              cell->get_dof_indices(dofs);
              mu_constraints.distribute_local_to_global(local, dofs, lumped);
            }
        lumped.compress(VectorOperation::add);
        inverse_lumped_mass.reinit(locally_owned_dofs, mpi_communicator);
        for (const auto i : locally_owned_dofs)
          inverse_lumped_mass[i] = mu_constraints.is_constrained(i) || !(double(lumped[i]) > 0.) ? 0. : 1. / double(lumped[i]);
        inverse_lumped_mass.compress(VectorOperation::insert);
      }
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::rebuild_operators()
  {
    point_materials.clear();
    if (material_field)
      {
        // The local material at every quadrature point, computed once per mesh.
        const QGauss<dim> quadrature(fe.degree + 1);
        FEValues<dim>     fe_values(mapping, fe, quadrature, update_quadrature_points);
        point_materials.resize(triangulation.n_active_cells() * quadrature.size());
        for (const auto &cell : dof_handler.active_cell_iterators())
          if (cell->is_locally_owned() && stores_lithium(cell))
            {
              fe_values.reinit(cell);
              for (unsigned int q = 0; q < quadrature.size(); ++q)
                point_materials[cell->active_cell_index() * quadrature.size() + q] =
                  material_field->point(cell, fe_values.quadrature_point(q));
            }
      }
    DynamicSparsityPattern dsp(locally_relevant_dofs);
    DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
    SparsityTools::distribute_sparsity_pattern(dsp, locally_owned_dofs, mpi_communicator, locally_relevant_dofs);
    jacobian.reinit(locally_owned_dofs, locally_owned_dofs, dsp, mpi_communicator);
    mixed_jacobian_ready = false;
    if (gradient_energy())
      {
        // The blocks of the mixed formulation are condensed with different
        // constraints on rows and columns: keep the rows of constrained DoFs.
        DynamicSparsityPattern mixed_dsp(locally_relevant_dofs);
        DoFTools::make_sparsity_pattern(dof_handler, mixed_dsp, constraints, true);
        SparsityTools::distribute_sparsity_pattern(mixed_dsp, locally_owned_dofs, mpi_communicator,
                                                   locally_relevant_dofs);
        mu_flux_matrix.reinit(locally_owned_dofs, locally_owned_dofs, mixed_dsp, mpi_communicator);
        mu_jacobian.reinit(locally_owned_dofs, locally_owned_dofs, mixed_dsp, mpi_communicator);
        if (factored_preconditioner())
          {
            for (Matrix *matrix : {&mass_matrix, &laplace_matrix, &factor_first, &factor_second})
              matrix->reinit(locally_owned_dofs, locally_owned_dofs, mixed_dsp, mpi_communicator);
            factor_weights.reinit(locally_owned_dofs, mpi_communicator);
            assemble_mass_and_laplacian();
          }
      }

    // AMG for the Jacobian, a scalar, nearly symmetric reaction-diffusion
    // operator (M/dt + K), kept while it works (PreconditionerReuse).
    LinearOperatorTraits traits;
    traits.krylov                                 = LinearOperatorTraits::Krylov::gmres;
    traits.higher_order_elements                  = fe.degree > 1;
    traits.boomeramg_strong_threshold             = dim == 3 ? 0.5 : 0.25;
    traits.boomeramg_aggressive_coarsening_levels = dim == 3 ? 1 : 0;
    if (factored_preconditioner())
      traits.preconditioner = LinearOperatorTraits::Preconditioner::product;
    linear_solver = std::make_unique<LinearSolver<LA>>(mpi_communicator, settings.linear_solver, traits, "transport", timer);
    if (factored_preconditioner())
      linear_solver->set_product_factors([this]() { return preconditioner_factors(); });
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::setup()
  {
    distribute_dofs();
    rebuild_operators();
    set_uniform_concentration(settings.initial_stoichiometry * material.maximum_concentration);
    if (dirichlet_concentration)
      set_concentration(*dirichlet_concentration);
    phi       = surface_ocp(settings.initial_stoichiometry);
    trial_phi = phi;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::register_state(StateRegistry<dim, LA> &registry)
  {
    registry.add(typename StateRegistry<dim, LA>::Lifecycle{
      "transport", [this]() { distribute_dofs(); }, [this]() { rebuild_operators(); }});
    registry.add(typename StateRegistry<dim, LA>::NodalState{
      "c", &dof_handler, [this]() { return std::vector<const Vector *>{&solution}; },
      [this](const std::vector<Vector> &v) { set_accepted_state(v[0], phi); }});
    registry.add(typename StateRegistry<dim, LA>::Invariant{
      "lithium inventory", [this]() { return summary().lithium_mol; },
      [this](const double lithium_mol) { return restore_lithium_inventory(lithium_mol); }});
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::set_uniform_concentration(const double c)
  {
    for (const auto i : locally_owned_dofs)
      trial_owned[i] = inactive_dofs.is_element(i) ? 0. : c;
    trial_owned.compress(VectorOperation::insert);
    solution = trial_owned;
    trial    = trial_owned;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::set_accepted_state(const Vector &c, const double potential)
  {
    trial_owned = c;
    if (!dirichlet_concentration)
      constraints.distribute(trial_owned);
    solution  = trial_owned;
    trial     = trial_owned;
    phi       = potential;
    trial_phi = potential;
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::restore_lithium_inventory(const double lithium_mol)
  {
    // The Li-storing volume: every DoF of a Li-storing cell is active, so a
    // uniform shift delta of the active DoFs changes int c dV by delta V_Li.
    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     fe_values(mapping, fe, quadrature, update_JxW_values);
    double            volume = 0.;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && stores_lithium(cell))
        {
          fe_values.reinit(cell);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            volume += fe_values.JxW(q);
        }
    volume              = Utilities::MPI::sum(volume, mpi_communicator);
    const double now    = summary().lithium_mol;
    const double delta  = (lithium_mol - now) / volume;
    for (const auto i : locally_owned_dofs)
      trial_owned[i] = double(solution[i]) + (inactive_dofs.is_element(i) ? 0. : delta);
    trial_owned.compress(VectorOperation::insert);
    if (!dirichlet_concentration)
      constraints.distribute(trial_owned);
    solution = trial_owned;
    trial    = trial_owned;
    return lithium_mol != 0. ? (now - lithium_mol) / lithium_mol : 0.;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::set_concentration(const Function<dim> &c)
  {
    VectorTools::interpolate(mapping, dof_handler, c, trial_owned);
    // (Dirichlet constraints are homogeneous, for the Newton updates: they
    // must not overwrite the boundary values here.)
    if (!dirichlet_concentration)
      constraints.distribute(trial_owned);
    solution = trial_owned;
    trial    = trial_owned;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::set_stress_coupling(const StressCoupling &coupling)
  {
    stress_coupling = coupling;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::set_volume_source(std::shared_ptr<const Function<dim>> source)
  {
    volume_source = std::move(source);
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::set_dirichlet_boundary(std::shared_ptr<const Function<dim>> concentration)
  {
    dirichlet_concentration = std::move(concentration);
  }

  template <int dim, typename LA>
  bool TransportField<dim, LA>::is_reaction_face(const typename Triangulation<dim>::active_cell_iterator &cell,
                                                 const unsigned int                                      f) const
  {
    if (cell->at_boundary(f))
      return cell->face(f)->boundary_id() == ParticleGeometry::surface_boundary_id && stores_lithium(cell);
    return material_field && stores_lithium(cell) && !stores_lithium(cell->neighbor(f));
  }

  template <int dim, typename LA>
  Tensor<2, dim> TransportField<dim, LA>::diffusivity_at(const typename Triangulation<dim>::active_cell_iterator &cell,
                                                         const unsigned int q, const double x,
                                                         const bool derivative) const
  {
    const unsigned int n_q    = Utilities::pow(fe.degree + 1, dim);
    const double       factor = diffusivity_factors.empty() ? 1. : diffusivity_factors[cell->active_cell_index() * n_q + q];
    if (!material_field)
      return factor * (derivative ? material.diffusivity_tensor_derivative<dim>(x) : material.diffusivity_tensor<dim>(x));
    const auto &point = point_materials[cell->active_cell_index() * n_q + q];
    return factor * (derivative ? material_field->diffusivity_tensor_derivative(point, x) :
                                  material_field->diffusivity_tensor(point, x));
  }

  template <int dim, typename LA>
  ElectrodeMaterial::Mobility
  TransportField<dim, LA>::mobility_factor_at(const typename Triangulation<dim>::active_cell_iterator &cell,
                                              const unsigned int q, const double x,
                                              const bool with_derivative) const
  {
    if (!material_field)
      return material.mobility_factor(x, with_derivative);
    const unsigned int n_q = Utilities::pow(fe.degree + 1, dim);
    return material_field->mobility_factor(point_materials[cell->active_cell_index() * n_q + q], x, with_derivative);
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::surface_ocp(const double x) const
  {
    return material_field ? material_field->open_circuit_potential(x) : material.open_circuit_potential.value(x);
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::surface_ocp_derivative(const double x) const
  {
    return material_field ? material_field->open_circuit_potential_derivative(x) :
                            material.open_circuit_potential.derivative(x);
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::surface_exchange_current(const double cs) const
  {
    return material_field ? material_field->exchange_current_density(cs) : material.exchange_current_density(cs);
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::surface_exchange_current_derivative(const double cs) const
  {
    return material_field ? material_field->exchange_current_density_derivative(cs) :
                            material.exchange_current_density_derivative(cs);
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::compute_geometry()
  {
    const QGauss<dim>     quadrature(fe.degree + 1);
    const QGauss<dim - 1> face_quadrature(fe.degree + 1);
    FEValues<dim>         fe_values(mapping, fe, quadrature, update_JxW_values);
    FEFaceValues<dim>     fe_face_values(mapping, fe, face_quadrature, update_JxW_values);
    double                volume = 0., area = 0.;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          if (!stores_lithium(cell))
            continue;
          fe_values.reinit(cell);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            volume += fe_values.JxW(q);
          for (const unsigned int f : cell->face_indices())
            if (is_reaction_face(cell, f))
              {
                fe_face_values.reinit(cell, f);
                for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                  area += fe_face_values.JxW(q);
              }
        }
    mesh_volume       = Utilities::MPI::sum(volume, mpi_communicator);
    mesh_surface_area = Utilities::MPI::sum(area, mpi_communicator);
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::one_c_current() const
  {
    return constants::faraday * material.maximum_concentration * nominal_volume *
           (material.maximum_stoichiometry - material.minimum_stoichiometry) / 3600.;
  }

  template <int dim, typename LA>
  template <typename Integrand>
  void TransportField<dim, LA>::for_each_surface_point(const Vector &c, Integrand &&integrand) const
  {
    const QGauss<dim - 1> face_quadrature(fe.degree + 1);
    FEFaceValues<dim>     fe_face_values(mapping, fe, face_quadrature, update_values | update_JxW_values);
    std::vector<double>   values(face_quadrature.size());
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        for (const unsigned int f : cell->face_indices())
          if (is_reaction_face(cell, f))
            {
              fe_face_values.reinit(cell, f);
              fe_face_values.get_function_values(c, values);
              for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                integrand(values[q], fe_face_values.JxW(q));
            }
  }

  template <int dim, typename LA>
  template <typename Integrand>
  void TransportField<dim, LA>::for_each_crack_point(const Vector &c, Integrand &&integrand) const
  {
    if (crack_surface_density.empty())
      return;
    const QGauss<dim>   quadrature(fe.degree + 1);
    FEValues<dim>       fe_values(mapping, fe, quadrature, update_values | update_JxW_values);
    std::vector<double> values(quadrature.size());
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && stores_lithium(cell))
        {
          const double *a = &crack_surface_density[cell->active_cell_index() * quadrature.size()];
          if (std::all_of(a, a + quadrature.size(), [](const double v) { return v == 0.; }))
            continue;
          fe_values.reinit(cell);
          fe_values.get_function_values(c, values);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            if (a[q] > 0.)
              integrand(values[q], a[q] * fe_values.JxW(q));
        }
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::mean_surface_ocp(const Vector &c) const
  {
    double integral = 0.;
    for_each_surface_point(c, [&](const double c_s, const double JxW) {
      integral += surface_ocp(clamp_fraction(c_s / material.maximum_concentration)) * JxW;
    });
    return Utilities::MPI::sum(integral, mpi_communicator) / mesh_surface_area;
  }

  template <int dim, typename LA>
  std::pair<double, double> TransportField<dim, LA>::open_circuit_range() const
  {
    double lo = std::numeric_limits<double>::max(), hi = -std::numeric_limits<double>::max();
    for (unsigned int k = 0; k <= 1000; ++k)
      {
        const double u = surface_ocp(std::min(std::max(k / 1000., 1e-6), 1. - 1e-6));
        lo             = std::min(lo, u);
        hi             = std::max(hi, u);
      }
    return {lo, hi};
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::open_circuit_voltage() const
  {
    return mean_surface_ocp(solution);
  }

  template <int dim, typename LA>
  std::pair<double, double> TransportField<dim, LA>::surface_current(const Vector &c, const double potential) const
  {
    double       current = 0., slope = 0.;
    const double c_max = material.maximum_concentration;
    const auto add = [&](const double c_s, const double JxW) {
      const double x  = clamp_fraction(c_s / c_max);
      const auto   bv = butler_volmer(potential - surface_ocp(x),
                                      surface_exchange_current(x * c_max), material.transfer_coefficient,
                                      material.thermal_voltage(), material.film_resistance);
      current += bv.current_density * JxW;
      slope += bv.d_current_d_potential * JxW;
    };
    for_each_surface_point(c, add);
    for_each_crack_point(c, add); // infiltrated crack faces
    return {Utilities::MPI::sum(current, mpi_communicator), Utilities::MPI::sum(slope, mpi_communicator)};
  }

  template <int dim, typename LA>
  unsigned int TransportField<dim, LA>::solve_linear(Vector &x, const Vector &rhs)
  {
    unsigned int iterations = 0;
    try
      {
        iterations = linear_solver->solve(assembled_jacobian(), x, rhs);
      }
    catch (const LinearSolverFailure &)
      {
        // A failed step, which the time control cuts back.
        throw LinearSolveFailure();
      }
    constraints.distribute(x);
    return iterations;
  }

  template <int dim, typename LA>
  double TransportField<dim, LA>::StepProblem::merit(const double residual_norm, const double current) const
  {
    const double r = galvanostatic ? current - applied_current : 0.;
    return std::hypot(residual_norm / residual_scale, r / current_scale);
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::predict_potential(const double applied_current)
  {
    // Satisfy the current constraint at the trial concentrations, so that
    // the first Newton step starts from a consistent overpotential after a
    // change of control.
    for (unsigned int k = 0; k < 50; ++k)
      {
        const auto [current, slope] = surface_current(trial, trial_phi);
        if (!(slope > 0.))
          break;
        const double step = std::clamp((current - applied_current) / slope, -0.2, 0.2);
        trial_phi -= step;
        if (std::abs(step) < 1e-12)
          break;
      }
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::line_search(const StepProblem &problem, const Vector &update, const double dphi,
                                            const double merit)
  {
    // Backtracking on the scaled residual norm (Armijo, at most 8 halvings).
    Vector base(locally_owned_dofs, mpi_communicator);
    base               = trial_owned;
    const double phi0  = trial_phi;
    double       lambda = 1.;
    for (unsigned int search = 0; search < 8; ++search)
      {
        trial_owned = base;
        trial_owned.add(lambda, update);
        trial     = trial_owned;
        trial_phi = phi0 + lambda * dphi;
        if (search == 7)
          break;
        const Assembly trial_assembly = assemble(trial, trial_phi, problem.dt, problem.flux_current, false);
        const double   trial_merit    = problem.merit(residual.l2_norm(), trial_assembly.current);
        if (std::isfinite(trial_merit) && (trial_merit <= (1. - 1e-4 * lambda) * merit || merit < 1e-12))
          break;
        lambda *= 0.5;
      }
  }

  template <int dim, typename LA>
  StepResult TransportField<dim, LA>::advance(const double dt, const Control &control)
  {
    StepResult result = solve_step(dt, control, warm_start);
    if (result.converged || control.mode != Control::Mode::voltage || !settings.butler_volmer)
      return result;
    return continue_in_potential(dt, control.value, result);
  }

  // Continuation in phi (docs/theory.md §5, "Potentiostatic steps"): the
  // same step is solved for a sequence of potentials from the accepted phi to
  // the target, each stage starting from the last converged one. Only the
  // last stage's solution is kept, so the step's solution is unchanged.
  template <int dim, typename LA>
  StepResult TransportField<dim, LA>::continue_in_potential(const double dt, const double target,
                                                            const StepResult &failed)
  {
    StepResult total;
    total.newton_iterations = failed.newton_iterations;
    total.linear_iterations = failed.linear_iterations;
    trial                   = solution;
    trial_owned             = solution;
    trial_phi               = phi;
    double       reached    = phi;
    double       increment  = 0.25 * (target - phi);
    const double smallest   = 1e-4 * material.thermal_voltage();
    Vector       saved(locally_owned_dofs, mpi_communicator);
    for (unsigned int stage = 0; stage < 400 && std::abs(increment) >= smallest; ++stage)
      {
        const double next = std::abs(target - reached) <= std::abs(increment) ? target : reached + increment;
        saved             = trial_owned;
        const StepResult r = solve_step(dt, {Control::Mode::voltage, next}, true);
        total.newton_iterations += r.newton_iterations;
        total.linear_iterations += r.linear_iterations;
        if (!r.converged)
          {
            trial_owned = saved;
            trial       = saved;
            trial_phi   = reached;
            increment *= 0.5;
            continue;
          }
        reached = next;
        if (next == target)
          {
            StepResult result        = r;
            result.newton_iterations = total.newton_iterations;
            result.linear_iterations = total.linear_iterations;
            result.continuation_stages = stage + 1;
            return result;
          }
        increment *= 1.5;
      }
    total.converged = false;
    return total;
  }

  template <int dim, typename LA>
  StepResult TransportField<dim, LA>::solve_step(const double dt, const Control &control, const bool warm)
  {
    StepResult  result;
    StepProblem problem;
    problem.dt              = dt;
    problem.galvanostatic   = settings.butler_volmer && control.mode == Control::Mode::current;
    problem.applied_current = control.value;
    problem.flux_current    = settings.butler_volmer ? 0. : control.value;
    problem.current_scale   = std::max(std::abs(control.value), 1e-3 * one_c_current());

    old_solution_owned = solution;
    if (!warm)
      {
        trial       = solution;
        trial_owned = solution;
        trial_phi   = control.mode == Control::Mode::voltage ? control.value : phi;
      }
    else if (control.mode == Control::Mode::voltage)
      trial_phi = control.value;

    try
      {
        if (problem.galvanostatic && !warm)
          predict_potential(problem.applied_current);
        Vector update(locally_owned_dofs, mpi_communicator);
        Vector border_solution(locally_owned_dofs, mpi_communicator);
        for (unsigned int iteration = 1; iteration <= settings.maximum_newton_iterations; ++iteration)
          {
            const Assembly a = assemble(trial, trial_phi, dt, problem.flux_current, true);
            if (iteration == 1)
              problem.residual_scale = std::max(residual.l2_norm(), 1e-300);
            const double merit = problem.merit(residual.l2_norm(), a.current);
            try
              {
                linear_solver->update_preconditioner(assembled_jacobian());
              }
            catch (const LinearSolverFailure &)
              {
                throw LinearSolveFailure();
              }

            // Newton update: K w = R; for the bordered system also K v = b.
            result.linear_iterations += solve_linear(update, residual);
            double dphi = 0.;
            if (problem.galvanostatic)
              {
                result.linear_iterations += solve_linear(border_solution, border_column);
                const double denominator = a.d_current_d_phi - border_row * border_solution;
                dphi = (-(a.current - problem.applied_current) + border_row * update) / denominator;
                update.sadd(-1., -dphi, border_solution); // dc = -w - v dphi
              }
            else
              update *= -1.;
            line_search(problem, update, dphi, merit);

            result.newton_iterations = iteration;
            // Converged when the full (undamped) Newton correction is small.
            const double change_x = update.linfty_norm() / material.maximum_concentration;
            if (!std::isfinite(change_x) || !std::isfinite(trial_phi))
              break;
            if (change_x < settings.newton_tolerance && std::abs(dphi) < settings.newton_tolerance)
              {
                result.converged = true;
                break;
              }
          }
      }
    catch (const LinearSolveFailure &)
      {
        result.converged = false;
      }
    if (result.converged)
      record_trial(problem, result);
    return result;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::record_trial(const StepProblem &problem, StepResult &result)
  {
    if (problem.galvanostatic)
      trial_current = problem.applied_current;
    else if (settings.butler_volmer)
      trial_current = surface_current(trial, trial_phi).first;
    else
      {
        trial_current = problem.applied_current;
        trial_phi     = mean_surface_ocp(trial);
      }
    Vector change(locally_owned_dofs, mpi_communicator);
    change = trial_owned;
    change -= old_solution_owned;
    result.max_change_x = change.linfty_norm() / material.maximum_concentration;
    result.voltage      = trial_phi;
    result.current      = trial_current;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::accept()
  {
    solution = trial_owned;
    phi      = trial_phi;
  }

  template <int dim, typename LA>
  StateSummary TransportField<dim, LA>::summary() const
  {
    const QGauss<dim>   quadrature(fe.degree + 1);
    FEValues<dim>       fe_values(mapping, fe, quadrature, update_values | update_JxW_values);
    std::vector<double> values(quadrature.size());
    const double        c_max = material.maximum_concentration;
    // Two passes: the variance of x (down to ~1e-6) is not formed as <x^2> - <x>^2, whose
    // cancellation leaves ~1e-12 of round-off that depends on the order of summation (ranks).
    const auto integrate = [&](const std::optional<double> centre) { // of c, or of (x - centre)^2
      double sum = 0.;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned() && stores_lithium(cell))
          {
            fe_values.reinit(cell);
            fe_values.get_function_values(solution, values);
            for (unsigned int q = 0; q < quadrature.size(); ++q)
              sum += (centre ? std::pow(values[q] / c_max - *centre, 2) : values[q]) * fe_values.JxW(q);
          }
      return Utilities::MPI::sum(sum, mpi_communicator);
    };
    double local_min = std::numeric_limits<double>::max(), local_max = -local_min;
    for (const auto i : locally_owned_dofs)
      if (!inactive_dofs.is_element(i))
      {
        local_min = std::min(local_min, double(solution[i]));
        local_max = std::max(local_max, double(solution[i]));
      }
    StateSummary s;
    s.lithium_mol = integrate(std::nullopt);
    s.mean_x      = s.lithium_mol / (mesh_volume * c_max);
    s.min_x       = Utilities::MPI::min(local_min, mpi_communicator) / c_max;
    s.max_x       = Utilities::MPI::max(local_max, mpi_communicator) / c_max;
    s.std_x       = std::sqrt(integrate(s.mean_x) / mesh_volume);
    return s;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::write_fields(const std::string       &directory,
                                             const unsigned int       index,
                                             const double             time,
                                             std::vector<XDMFEntry>  &xdmf_entries) const
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "output");
    Vector fraction_owned(locally_owned_dofs, mpi_communicator);
    fraction_owned = solution;
    fraction_owned *= 1. / material.maximum_concentration;
    Vector fraction(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    fraction = fraction_owned;

    DataOut<dim> data_out;
    data_out.attach_dof_handler(dof_handler);
    data_out.add_data_vector(solution, "concentration");
    data_out.add_data_vector(fraction, "li_fraction");
    if (gradient_energy())
      data_out.add_data_vector(mu, "chemical_potential");
    dealii::Vector<float> subdomain(triangulation.n_active_cells());
    subdomain = static_cast<float>(triangulation.locally_owned_subdomain());
    data_out.add_data_vector(subdomain, "mpi_rank");
    data_out.build_patches(mapping, fe.degree);

    write_fields_xdmf(data_out, directory, "fields", index, time, true, xdmf_entries, mpi_communicator);
  }

  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(TransportField);
} // namespace camfrac
