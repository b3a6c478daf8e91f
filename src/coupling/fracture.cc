// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// FracturingModel<dim, LA>: the staggered (c,u)-d loop (docs/theory.md §11.4).

#include <camfrac/coupling/fracture.h>

#include "../instantiation.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/utilities.h>

namespace camfrac
{
  using namespace dealii;

  template <int dim, typename LA>
  FracturingModel<dim, LA>::FracturingModel(TransportField<dim, LA>       &transport,
                                            MechanicsField<dim, LA>       &mechanics,
                                            ChemoMechanicalModel<dim, LA> &chemo_mechanics,
                                            PhaseField<dim, LA>           &phase_field,
                                            TimerOutput                   *timer)
    : transport(transport)
    , mechanics(mechanics)
    , chemo_mechanics(chemo_mechanics)
    , phase_field(phase_field)
    , timer(timer)
  {
    phase_field.set_driving_force([this](const typename Triangulation<dim>::active_cell_iterator &cell,
                                         const Quadrature<dim> &quadrature, std::vector<double> &psi) {
      psi.assign(quadrature.size(), 0.);
      if (!this->transport.stores_lithium(cell))
        return; // coating and matrix do not crack
      if (!concentration_values || concentration_values->get_quadrature().get_points() != quadrature.get_points())
        concentration_values = std::make_unique<FEValues<dim>>(this->transport.get_mapping(),
                                                               this->transport.get_dof_handler().get_fe(), quadrature,
                                                               update_values);
      concentration_values->reinit(
        typename DoFHandler<dim>::active_cell_iterator(&cell->get_triangulation(), cell->level(), cell->index(),
                                                       &this->transport.get_dof_handler()));
      std::vector<double> c(quadrature.size());
      concentration_values->get_function_values(this->transport.trial_concentration(), c);
      std::vector<MaterialPointState> states;
      this->mechanics.evaluate(cell, quadrature, c, states);
      for (unsigned int q = 0; q < quadrature.size(); ++q)
        psi[q] = states[q].positive_energy_density;
    });
  }

  template <int dim, typename LA>
  void FracturingModel<dim, LA>::setup()
  {
    phase_field.reset_trial();
    apply_damage();
    damage_is_accepted = true;
    accepted_crack     = phase_field.crack_summary();
  }

  template <int dim, typename LA>
  typename MechanicsField<dim, LA>::DamageView FracturingModel<dim, LA>::damage_view() const
  {
    return {&phase_field.get_dof_handler(), &phase_field.damage(), phase_field.get_settings().residual_stiffness};
  }

  template <int dim, typename LA>
  void FracturingModel<dim, LA>::restore(const unsigned int staggered_iterations)
  {
    phase_field.reset_trial();
    apply_damage(false);
    damage_is_accepted                  = true;
    accepted_crack                      = phase_field.crack_summary();
    accepted_crack.staggered_iterations = staggered_iterations;
  }

  template <int dim, typename LA>
  void FracturingModel<dim, LA>::register_state(StateRegistry<dim, LA> &registry)
  {
    // d and H belong to the phase field. Before any operator is rebuilt,
    // mechanics is given the damage view (a restart builds it fresh), so
    // that its stiffness is assembled degraded by the restored d.
    registry.add(typename StateRegistry<dim, LA>::Lifecycle{
      "fracture", [this]() { mechanics.set_damage(damage_view(), false); },
      [this]() { restore(accepted_crack.staggered_iterations); }});
  }

  template <int dim, typename LA>
  void FracturingModel<dim, LA>::apply_damage(const bool mechanics_too)
  {
    const FractureSettings &settings = phase_field.get_settings();
    if (mechanics_too)
      mechanics.set_damage(damage_view());
    if (!settings.degrade_diffusivity && !settings.electrolyte_infiltration)
      return;
    const auto         &c_dofs = transport.get_dof_handler();
    const QGauss<dim>   quadrature(c_dofs.get_fe().degree + 1);
    FEValues<dim>       d_values(phase_field.get_mapping(), phase_field.get_dof_handler().get_fe(), quadrature,
                                 update_values | update_gradients);
    std::vector<double>         d(quadrature.size());
    std::vector<Tensor<1, dim>> grad_d(quadrature.size());
    const std::size_t           n = c_dofs.get_triangulation().n_active_cells() * quadrature.size();
    std::vector<double>         factors(settings.degrade_diffusivity ? n : 0, 1.);
    std::vector<double>         area(settings.electrolyte_infiltration ? n : 0, 0.);
    const bool                  at2 = settings.model == FractureSettings::Model::AT2;
    const double                ell = settings.length_scale, cw = settings.normalisation();
    for (const auto &cell : phase_field.get_dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          d_values.reinit(cell);
          d_values.get_function_values(phase_field.damage(), d);
          d_values.get_function_gradients(phase_field.damage(), grad_d);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const std::size_t k  = cell->active_cell_index() * quadrature.size() + q;
              const double      dq = std::min(std::max(d[q], 0.), 1.);
              if (!factors.empty())
                factors[k] = (1. - dq) * (1. - dq) + settings.residual_diffusivity;
              if (!area.empty()) // a = 2 gamma: both faces of the crack
                area[k] = 2. * ((at2 ? dq * dq : dq) / ell + ell * grad_d[q] * grad_d[q]) / cw;
            }
        }
    transport.set_crack_surface_density(std::move(area));
    transport.set_diffusivity_factors(std::move(factors));
  }

  template <int dim, typename LA>
  StepResult FracturingModel<dim, LA>::advance(const double dt, const Control &control)
  {
    const FractureSettings &settings = phase_field.get_settings();
    phase_field.reset_trial();
    if (!damage_is_accepted) // a rejected trial left its d in mechanics and transport
      apply_damage();
    damage_is_accepted = false;
    StepResult   result;
    unsigned int linear_iterations = 0;
    for (unsigned int k = 1; k <= settings.maximum_staggered_iterations; ++k)
      {
        trial_iterations = k;
        result           = chemo_mechanics.advance(dt, control);
        linear_iterations += result.linear_iterations;
        if (!result.converged)
          return result;
        double change = 0., residual = 0.;
        try
          {
            {
              std::unique_ptr<TimerOutput::Scope> scope;
              if (timer != nullptr)
                scope = std::make_unique<TimerOutput::Scope>(*timer, "phase field: solve");
              change = phase_field.solve();
              linear_iterations += phase_field.last_linear_iterations();
            }
            apply_damage();
            residual = mechanics.relative_residual({&transport.get_dof_handler(), &transport.trial_concentration()});
          }
        catch (const PhaseFieldSolveFailure &)
          {
            result.converged = false;
            result.failure   = StepResult::Failure::phase_field;
            return result;
          }
        catch (const MechanicsSolveFailure &)
          {
            result.converged = false;
            result.failure   = StepResult::Failure::mechanics;
            return result;
          }
        // residual and change are collective norms: every rank decides alike.
        if (residual < settings.staggered_tolerance && change < settings.damage_tolerance)
          {
            result.linear_iterations = linear_iterations;
            result.max_change_d      = phase_field.max_change_from_accepted();
            return result;
          }
      }
    result.converged = false;
    result.failure   = StepResult::Failure::staggered;
    return result;
  }

  template <int dim, typename LA>
  void FracturingModel<dim, LA>::accept()
  {
    chemo_mechanics.accept();
    phase_field.accept();
    // The converged step ended with apply_damage() of its final d, now accepted.
    damage_is_accepted                  = true;
    accepted_crack                      = phase_field.crack_summary();
    accepted_crack.staggered_iterations = trial_iterations;
  }

  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(FracturingModel);
} // namespace camfrac
