// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/electrode_model.h>
#include <camfrac/physics/linear_solver.h>
#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/timer.h>
#include <deal.II/lac/affine_constraints.h>

#include <memory>

namespace camfrac
{
  /**
   * Li transport coupled to mechanics in one particle (docs/theory.md §7).
   *
   * Each time step iterates between the two fields until the concentration
   * changes by less than the coupling tolerance:
   *  1. transport (with its own Newton and the galvanostatic border) using
   *     the mechanical potential s(c) = s_k - L (c - c_k), where
   *     s_k = sigma_k : d eps_ch/dc is the L2 projection of the current
   *     iterate's value and L = K_s (tr d eps_ch/dc)^2, K_s = 4KG/(3K+4G);
   *  2. mechanics for the new concentration; project s and L again.
   * The L term is the analogue of the fixed-stress split of poroelasticity
   * (Mikelić & Wheeler 2013): it puts the local, implicit part of the stress
   * response into the transport solve, so that the iteration contracts where
   * the plain staggered scheme diverges (docs/theory.md §7 gives the
   * contraction factor). At convergence the L term vanishes and the solution
   * is that of the monolithic problem.
   *
   * With one-way coupling (no stress term in the flux) mechanics is solved
   * once per step after transport.
   */
  template <int dim, typename LA>
  class ChemoMechanicalModel : public ElectrodeModel
  {
  public:
    using Vector = typename LA::Vector;

    ChemoMechanicalModel(TransportField<dim, LA> &transport,
                         MechanicsField<dim, LA> &mechanics,
                         const MechanicsSettings &settings,
                         dealii::TimerOutput     *timer = nullptr);
    ~ChemoMechanicalModel() override;

    /// Both fields must be set up. Solves mechanics for the initial state.
    /// Build the projection; with @p solve_initial_state also solve mechanics
    /// for the accepted c (false: the state is restored by set_accepted_state()).
    void setup(bool solve_initial_state = true);
    /// Register s and L (nodal, on the transport DoFs) and the projection's
    /// two setup halves (ModelState); the mechanical summary is recomputed
    /// from the restored state.
    void register_state(StateRegistry<dim, LA> &registry);
    /// Adaptive refinement and restarts: the accepted coupling potential s and
    /// stabilisation L (nodal, on the transport DoFs).
    const Vector &accepted_coupling_potential() const { return accepted_potential; }
    const Vector &accepted_coupling_stabilisation() const { return accepted_stabilisation; }
    /// Restore them (owned entries) and recompute the mechanical summary.
    void set_accepted_state(const Vector &potential, const Vector &stabilisation);

    double       one_c_current() const override { return transport.one_c_current(); }
    double       open_circuit_voltage() const override { return transport.open_circuit_voltage(); }
    std::pair<double, double> open_circuit_range() const override { return transport.open_circuit_range(); }
    bool         supports_voltage_control() const override { return transport.supports_voltage_control(); }
    StepResult   advance(const double dt, const Control &control) override;
    void         accept() override;
    StateSummary summary() const override { return transport.summary(); }

    /// Mechanical indicators of the accepted state.
    const MechanicalSummary &mechanical_summary() const { return accepted_summary; }
    /// View of the accepted concentration for the mechanics field's output.
    typename MechanicsField<dim, LA>::ConcentrationView concentration_view() const;

  private:
    /// The projection's constraints (s, L vanish outside the particle) and vectors.
    void distribute_dofs();
    /// The mass matrix of the L2 projection.
    void assemble_mass_matrix();
    /// The mechanical summary of the accepted state, with the well-posedness monitor.
    void refresh_summary();
    /// s and L (owned) as the accepted and current coupling.
    void restore_coupling(const Vector &potential, const Vector &stabilisation);

    TransportField<dim, LA> &transport;
    MechanicsField<dim, LA> &mechanics;
    const MechanicsSettings  settings;
    dealii::TimerOutput     *timer;

    // Projection onto the transport space (consistent mass, CG + Jacobi).
    dealii::IndexSet                  owned_dofs, relevant_dofs; // of the transport DoFHandler
    dealii::AffineConstraints<double> projection_constraints;
    typename LA::SparseMatrix         mass_matrix;
    std::unique_ptr<LinearSolver<LA>> projection_solver; // CG + Jacobi, through the solver component
    Vector potential, stabilisation, reference; // ghosted, current iterate
    Vector accepted_potential, accepted_stabilisation;
    MechanicalSummary accepted_summary;
    double            trial_min_ratio    = 1.; ///< min (D + M(-ds/dc))/D of the last projection
    double            accepted_min_ratio = 1.;
    unsigned int      trial_coupling_iterations = 0;
    unsigned int      trial_mechanics_iterations = 0;

    /// Project s and L for the concentration @p c (ghosted, transport DoFs).
    void project_coupling_potential(const Vector &c);
  };
} // namespace camfrac
