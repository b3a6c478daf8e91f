// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The c-u coupling iteration of one time step (docs/theory.md §7).

#include <camfrac/coupling/chemo_mechanics.h>

#include "../instantiation.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/utilities.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/sparsity_tools.h>

#include <iostream>
#include <limits>
#include <type_traits>

namespace camfrac
{
  using namespace dealii;

  template <int dim, typename LA>
  ChemoMechanicalModel<dim, LA>::ChemoMechanicalModel(TransportField<dim, LA> &transport,
                                                      MechanicsField<dim, LA> &mechanics,
                                                      const MechanicsSettings &settings,
                                                      TimerOutput             *timer)
    : transport(transport)
    , mechanics(mechanics)
    , settings(settings)
    , timer(timer)
  {
    // The consistent mass matrix is well conditioned: CG with point Jacobi
    // to 1e-13 relative; it changes only with the mesh.
    LinearSolverSettings solver_settings;
    solver_settings.tolerance          = 1e-13;
    solver_settings.maximum_iterations = 500;
    LinearOperatorTraits traits;
    traits.preconditioner = LinearOperatorTraits::Preconditioner::jacobi;
    traits.reuse_growth   = std::numeric_limits<double>::infinity();
    projection_solver     = std::make_unique<LinearSolver<LA>>(transport.get_mpi_communicator(), solver_settings, traits,
                                                           "coupling projection", nullptr);
  }

  template <int dim, typename LA>
  ChemoMechanicalModel<dim, LA>::~ChemoMechanicalModel()
  {
    transport.set_stress_coupling({});
    transport.set_warm_start(false);
  }

  template <int dim, typename LA>
  typename MechanicsField<dim, LA>::ConcentrationView ChemoMechanicalModel<dim, LA>::concentration_view() const
  {
    return {&transport.get_dof_handler(), &transport.concentration()};
  }

  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::distribute_dofs()
  {
    const DoFHandler<dim> &dof_handler = transport.get_dof_handler();
    owned_dofs                         = dof_handler.locally_owned_dofs();
    DoFTools::extract_locally_relevant_dofs(dof_handler, relevant_dofs);
    projection_constraints.clear();
    projection_constraints.reinit(relevant_dofs);
    DoFTools::make_hanging_node_constraints(dof_handler, projection_constraints);
    // s and L live on the particle only (zero outside, in coating and matrix).
    for (const auto i : transport.dofs_outside_particle())
      if (!projection_constraints.is_constrained(i))
        projection_constraints.add_line(i);
    projection_constraints.close();

    for (Vector *v : {&potential, &stabilisation, &reference, &accepted_potential, &accepted_stabilisation})
      v->reinit(owned_dofs, relevant_dofs, transport.get_mpi_communicator());
  }

  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::assemble_mass_matrix()
  {
    const DoFHandler<dim> &dof_handler  = transport.get_dof_handler();
    const MPI_Comm         communicator = transport.get_mpi_communicator();
    const IndexSet        &owned        = owned_dofs;
    const IndexSet        &relevant     = relevant_dofs;
    DynamicSparsityPattern dsp(relevant);
    DoFTools::make_sparsity_pattern(dof_handler, dsp, projection_constraints, false);
    SparsityTools::distribute_sparsity_pattern(dsp, owned, communicator, relevant);
    mass_matrix.reinit(owned, owned, dsp, communicator);

    const auto       &fe = dof_handler.get_fe();
    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     fe_values(transport.get_mapping(), fe, quadrature, update_values | update_JxW_values);
    FullMatrix<double> cell_matrix(fe.n_dofs_per_cell(), fe.n_dofs_per_cell());
    std::vector<types::global_dof_index> dofs(fe.n_dofs_per_cell());
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && transport.stores_lithium(cell))
        {
          fe_values.reinit(cell);
          cell_matrix = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            for (unsigned int i = 0; i < fe.n_dofs_per_cell(); ++i)
              for (unsigned int j = 0; j < fe.n_dofs_per_cell(); ++j)
                cell_matrix(i, j) += fe_values.shape_value(i, q) * fe_values.shape_value(j, q) * fe_values.JxW(q);
          cell->get_dof_indices(dofs);
          projection_constraints.distribute_local_to_global(cell_matrix, dofs, mass_matrix);
        }
    mass_matrix.compress(VectorOperation::add);
    // Empty rows outside the particle get a unit diagonal (the values are constrained to 0).
    if (Utilities::MPI::max(transport.dofs_outside_particle().n_elements(), communicator) > 0)
      {
        for (const auto i : transport.dofs_outside_particle())
          if (owned.is_element(i))
            mass_matrix.set(i, i, 1.);
        mass_matrix.compress(VectorOperation::insert);
      }
    projection_solver->matrix_changed();
  }

  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::setup(const bool solve_initial_state)
  {
    distribute_dofs();
    assemble_mass_matrix();
    if (!solve_initial_state)
      return;

    mechanics.solve(concentration_view());
    mechanics.accept();
    if (settings.stress_coupled_diffusion)
      {
        project_coupling_potential(transport.concentration());
        accepted_potential     = potential;
        accepted_stabilisation = stabilisation;
        accepted_min_ratio     = trial_min_ratio;
      }
    refresh_summary();
  }

  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::register_state(StateRegistry<dim, LA> &registry)
  {
    registry.add(typename StateRegistry<dim, LA>::Lifecycle{"stress coupling", [this]() { distribute_dofs(); },
                                                           [this]() {
                                                             assemble_mass_matrix();
                                                             refresh_summary();
                                                           }});
    registry.add(typename StateRegistry<dim, LA>::NodalState{
      "s, L", &transport.get_dof_handler(),
      [this]() { return std::vector<const Vector *>{&accepted_potential, &accepted_stabilisation}; },
      [this](const std::vector<Vector> &v) { restore_coupling(v[0], v[1]); }});
  }

  // s = sigma : d eps_ch/dc and L = f K_s (tr d eps_ch/dc)^2 at the transport
  // quadrature points, L2-projected onto the transport space.
  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::project_coupling_potential(const Vector &c)
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "coupling: projection");
    const DoFHandler<dim> &dof_handler  = transport.get_dof_handler();
    const MPI_Comm         communicator = transport.get_mpi_communicator();
    const IndexSet         owned        = dof_handler.locally_owned_dofs();
    const auto            &fe           = dof_handler.get_fe();
    const QGauss<dim>      quadrature(fe.degree + 1);
    FEValues<dim> fe_values(transport.get_mapping(), fe, quadrature, update_values | update_JxW_values);
    const unsigned int n = fe.n_dofs_per_cell();
    std::vector<types::global_dof_index> dofs(n);
    std::vector<double>                  c_values(quadrature.size());
    std::vector<MaterialPointState>      states;
    dealii::Vector<double>               rhs_s(n), rhs_l(n);
    Vector b_s(owned, communicator), b_l(owned, communicator);
    const double c_max     = transport.maximum_concentration();
    double       min_ratio = std::numeric_limits<double>::max();
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && transport.stores_lithium(cell))
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(c, c_values);
          mechanics.evaluate(cell, quadrature, c_values, states);
          rhs_s = 0.;
          rhs_l = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const double s = states[q].stress_potential;
              const double l = settings.stabilisation_factor * states[q].split_stiffness;
              // (D + M (-ds/dc))/D = 1 + m(x) (-ds/dc) at fixed strain (M = m D).
              const double x = std::min(std::max(c_values[q] / c_max, 1e-9), 1. - 1e-9);
              min_ratio      = std::min(min_ratio, 1. + transport.mobility_factor_at(cell, q, x, false).value *
                                                     states[q].fixed_strain_stiffness);
              for (unsigned int i = 0; i < n; ++i)
                {
                  rhs_s(i) += s * fe_values.shape_value(i, q) * fe_values.JxW(q);
                  rhs_l(i) += l * fe_values.shape_value(i, q) * fe_values.JxW(q);
                }
            }
          cell->get_dof_indices(dofs);
          projection_constraints.distribute_local_to_global(rhs_s, dofs, b_s);
          projection_constraints.distribute_local_to_global(rhs_l, dofs, b_l);
        }
    b_s.compress(VectorOperation::add);
    b_l.compress(VectorOperation::add);
    trial_min_ratio = Utilities::MPI::min(min_ratio, communicator);

    try
      {
        projection_solver->update_preconditioner(mass_matrix);
        for (auto [rhs, result] : {std::pair<Vector *, Vector *>{&b_s, &potential}, {&b_l, &stabilisation}})
          {
            Vector x(owned, communicator);
            projection_solver->solve(mass_matrix, x, *rhs);
            projection_constraints.distribute(x);
            *result = x;
          }
      }
    catch (const LinearSolverFailure &failure)
      {
        // e.g. a non-finite stress: the coupled step fails.
        throw MechanicsSolveFailure(failure.what());
      }
  }

  template <int dim, typename LA>
  StepResult ChemoMechanicalModel<dim, LA>::advance(const double dt, const Control &control)
  {
    StepResult result;
    transport.set_warm_start(false);
    try
      {
        if (!settings.stress_coupled_diffusion)
          {
            transport.set_stress_coupling({});
            result = transport.advance(dt, control);
            if (!result.converged)
              return result;
            result.linear_iterations += mechanics.solve({&transport.get_dof_handler(), &transport.trial_concentration()});
            result.coupling_iterations = 1;
            return result;
          }

        potential     = accepted_potential;
        stabilisation = accepted_stabilisation;
        reference     = transport.concentration();
        transport.set_stress_coupling({&potential, &stabilisation, &reference});
        const MPI_Comm communicator = transport.get_mpi_communicator();
        const double   scale        = 1. / transport.maximum_concentration();
        unsigned int   newton_max   = 0;
        for (unsigned int k = 1; k <= settings.maximum_coupling_iterations; ++k)
          {
            const StepResult step = transport.advance(dt, control);
            transport.set_warm_start(true);
            result.linear_iterations += step.linear_iterations;
            newton_max = std::max(newton_max, step.newton_iterations);
            if (!step.converged)
              {
                result.converged = false;
                result.failure   = step.failure == StepResult::Failure::none ? StepResult::Failure::newton : step.failure;
                break;
              }
            const Vector &c_new = transport.trial_concentration();
            result.linear_iterations += mechanics.solve({&transport.get_dof_handler(), &c_new});
            project_coupling_potential(c_new);

            // max |x_k+1 - x_k| over the owned DoFs
            double change = 0.;
            for (const auto i : c_new.locally_owned_elements())
              change = std::max(change, std::abs(double(c_new[i]) - double(reference[i])) * scale);
            change = Utilities::MPI::max(change, communicator);
            reference = c_new;

            result.voltage             = step.voltage;
            result.current             = step.current;
            result.max_change_x        = step.max_change_x;
            result.coupling_iterations = k;
            if (!std::isfinite(change))
              break;
            if (change < settings.coupling_tolerance)
              {
                result.converged = true;
                break;
              }
          }
        result.newton_iterations = newton_max;
        if (!result.converged && result.failure == StepResult::Failure::none)
          result.failure = StepResult::Failure::coupling;
      }
    catch (const MechanicsSolveFailure &)
      {
        result.converged = false;
        result.failure   = StepResult::Failure::mechanics;
      }
    transport.set_warm_start(false);
    return result;
  }

  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::set_accepted_state(const Vector &s, const Vector &l)
  {
    restore_coupling(s, l);
    refresh_summary();
  }

  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::restore_coupling(const Vector &s, const Vector &l)
  {
    for (auto [in, out] : {std::pair<const Vector *, Vector *>{&s, &accepted_potential}, {&l, &accepted_stabilisation}})
      {
        Vector owned(transport.get_dof_handler().locally_owned_dofs(), transport.get_mpi_communicator());
        owned = *in;
        projection_constraints.distribute(owned);
        *out = owned;
      }
    potential     = accepted_potential;
    stabilisation = accepted_stabilisation;
  }

  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::accept()
  {
    transport.accept();
    mechanics.accept();
    if (settings.stress_coupled_diffusion)
      {
        accepted_potential     = potential;
        accepted_stabilisation = stabilisation;
      }
    if (settings.stress_coupled_diffusion)
      accepted_min_ratio = trial_min_ratio;
    refresh_summary();
  }

  template <int dim, typename LA>
  void ChemoMechanicalModel<dim, LA>::refresh_summary()
  {
    accepted_summary                                 = mechanics.summary(concentration_view());
    accepted_summary.min_effective_diffusivity_ratio = accepted_min_ratio;
  }

  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(ChemoMechanicalModel);
} // namespace camfrac
