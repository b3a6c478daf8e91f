// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/chemo_mechanics.h>
#include <camfrac/physics/phase_field.h>

#include <deal.II/fe/fe_values.h>

#include <memory>

namespace camfrac
{
  /**
   * Chemo-mechanics with phase-field fracture (docs/theory.md §11.4). Each
   * time step alternates between the chemo-mechanical state (c, u) for a
   * fixed d and the phase field d for a fixed (c, u):
   *  1. (c, u) by ChemoMechanicalModel with the stiffness degraded by
   *     g(d) and D_eff = [(1-d)^2 + k_D] D;
   *  2. d for the driving force psi+ of that state;
   * until the equilibrium residual with the new d, relative to the internal
   * forces, and max |d_k+1 - d_k| fall below their tolerances. A step that
   * does not converge within the iteration limit is reported as failed, and
   * the protocol driver cuts the time step back.
   */
  template <int dim, typename LA>
  class FracturingModel : public ElectrodeModel
  {
  public:
    FracturingModel(TransportField<dim, LA>      &transport,
                    MechanicsField<dim, LA>      &mechanics,
                    ChemoMechanicalModel<dim, LA> &chemo_mechanics,
                    PhaseField<dim, LA>          &phase_field,
                    dealii::TimerOutput          *timer = nullptr);

    /// All fields must be set up (ChemoMechanicalModel::setup() included).
    void setup();
    /// After the fields' accepted states were restored on a new mesh
    /// (adaptive refinement, restart), mechanics already set up with the
    /// damage view (damage_view()): hand d to transport again and recompute
    /// the crack summary.
    void restore(unsigned int staggered_iterations);
    /// Register the restore above as a lifecycle (ModelState): after a mesh
    /// change it runs once every field's state and operators are back.
    void register_state(StateRegistry<dim, LA> &registry);
    /// The staggered count of the accepted step (restarts: from the checkpoint).
    void set_accepted_staggered_iterations(const unsigned int n) { accepted_crack.staggered_iterations = n; }
    /// The view of the phase field that mechanics degrades its stiffness with.
    typename MechanicsField<dim, LA>::DamageView damage_view() const;
    double       one_c_current() const override { return chemo_mechanics.one_c_current(); }
    double       open_circuit_voltage() const override { return chemo_mechanics.open_circuit_voltage(); }
    std::pair<double, double> open_circuit_range() const override { return chemo_mechanics.open_circuit_range(); }
    bool         supports_voltage_control() const override { return chemo_mechanics.supports_voltage_control(); }
    StepResult   advance(const double dt, const Control &control) override;
    void         accept() override;
    StateSummary summary() const override { return chemo_mechanics.summary(); }

    const MechanicalSummary &mechanical_summary() const { return chemo_mechanics.mechanical_summary(); }
    /// Crack measures of the accepted state, with the staggered iterations of its step.
    const CrackSummary &crack_summary() const { return accepted_crack; }

  private:
    TransportField<dim, LA>       &transport;
    MechanicsField<dim, LA>       &mechanics;
    ChemoMechanicalModel<dim, LA> &chemo_mechanics;
    PhaseField<dim, LA>           &phase_field;
    dealii::TimerOutput           *timer;
    CrackSummary                   accepted_crack;
    unsigned int                   trial_iterations = 0;
    // Whether mechanics and transport already hold the accepted d (after
    // setup() and accept()): then a new step need not rebuild the stiffness.
    bool                           damage_is_accepted = false;
    // c of the transport field at the phase field's points (driving force).
    std::unique_ptr<dealii::FEValues<dim>> concentration_values;

    /// d to mechanics (unless @p mechanics_too is false) and transport.
    void apply_damage(bool mechanics_too = true);
  };
} // namespace camfrac
