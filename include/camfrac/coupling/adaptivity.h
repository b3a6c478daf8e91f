// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/chemo_mechanics.h>
#include <camfrac/coupling/fracture.h>
#include <camfrac/coupling/restart_record.h>
#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/phase_field.h>
#include <camfrac/physics/state_registry.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/timer.h>
#include <deal.II/distributed/cell_data_transfer.h>
#include <deal.II/distributed/solution_transfer.h>
#include <deal.II/distributed/tria.h>

#include <array>
#include <string>
#include <memory>
#include <vector>

namespace camfrac
{
  /// Adaptive mesh refinement (section "Adaptive refinement", docs/theory.md §12).
  struct AdaptivitySettings
  {
    /// Adapt the mesh during the run. Without it, a fracture run refines the
    /// whole cracking region to h <= ell/2 before it starts.
    bool         enabled = false;
    /// Adapt after every this many accepted time steps [-].
    unsigned int interval = 1;
    /// Cells where d reaches this are refined until h <= ell/2 and never coarsened [-].
    double       damage_threshold = 0.1;
    /// Predictor: cells where the history field H reaches this fraction of psi_c
    /// (PhaseField::critical_driving_force) are refined like cracked cells [-].
    double       predictor_fraction = 0.5;
    /// Layers of vertex neighbours around cracked and predicted cells that are refined too [-].
    unsigned int buffer_layers = 1;
    /// Error indicator (Kelly, on c/c_max and d): the fraction of cells with
    /// the largest indicator that is refined [-] ...
    double       refine_fraction = 0.05;
    /// ... and the fraction with the smallest that is coarsened [-].
    double       coarsen_fraction = 0.3;
    /// The indicator refines at most this many levels beyond the initial mesh [-].
    unsigned int maximum_indicator_levels = 1;

    static void declare_parameters(dealii::ParameterHandler &prm);
    /// Throws InputError for values out of range.
    void        parse_parameters(dealii::ParameterHandler &prm);
  };

  /**
   * The accepted state of a particle model as data attached to the
   * triangulation, for adaptive refinement and for checkpoints. It knows no
   * field: each stateful object registers its state (StateRegistry,
   * physics/state_registry.h) and ModelState loops over what is registered:
   *  - nodal vectors (c, s and L, u, d) move by
   *    parallel::distributed::SolutionTransfer (interpolation on refinement,
   *    injection on coarsening);
   *  - quadrature-point values (the history field H) move by
   *    CellDataTransfer: the tensor-product Lagrange interpolant of a cell's
   *    n^dim Gauss values, evaluated at the children's (parent's) Gauss
   *    points, exact for polynomials of degree n - 1 per direction, kept >= 0
   *    (docs/theory.md §12.2);
   *  - invariants (int c dV) are measured before and restored after a mesh
   *    change (not after a restart, which restores exactly what was saved).
   * After the change: every lifecycle distributes its DoFs, every state is
   * restored, every invariant restored, then every lifecycle rebuilds its
   * operators (in registration order; operators read only restored state).
   */
  template <int dim, typename LA>
  class ModelState : public StateRegistry<dim, LA>
  {
  public:
    using Vector     = typename LA::Vector;
    using NodalState = typename StateRegistry<dim, LA>::NodalState;
    using PointState = typename StateRegistry<dim, LA>::PointState;
    using Lifecycle  = typename StateRegistry<dim, LA>::Lifecycle;
    using Invariant  = typename StateRegistry<dim, LA>::Invariant;

    explicit ModelState(dealii::parallel::distributed::Triangulation<dim> &triangulation);
    ~ModelState() override;

    void add(NodalState state) override;
    void add(PointState state) override;
    void add(Lifecycle lifecycle) override;
    void add(Invariant invariant) override;

    /// Attach the accepted state before execute_coarsening_and_refinement().
    void prepare_for_coarsening_and_refinement();
    /// After execute_coarsening_and_refinement(): rebuild the fields on the
    /// new mesh and restore their state; the invariants are restored.
    void interpolate();
    /// Attach the accepted state before Triangulation::save().
    void prepare_for_serialization();
    /// After Triangulation::load(): rebuild the fields and read their state.
    void deserialize();

    /// Relative change of the first invariant (int c dV) that the last
    /// interpolate() corrected.
    double last_lithium_correction() const { return lithium_correction; }
    /// What is registered, in order (for docs and tests).
    std::vector<std::string> registered() const;

    /// The rules for quadrature-point values of a tensor-product Gauss rule
    /// with @p n points per direction (public for tests): the values at the
    /// 2^dim children's points from the parent's, and back.
    static std::vector<std::vector<double>> refine_point_values(const std::vector<double> &parent, unsigned int n);
    static std::vector<double> coarsen_point_values(const std::vector<std::vector<double>> &children, unsigned int n);

  private:
    dealii::parallel::distributed::Triangulation<dim> &triangulation;
    std::vector<NodalState>                            nodal_states;
    std::vector<PointState>                            point_states;
    std::vector<Lifecycle>                             lifecycles;
    std::vector<Invariant>                             invariants;
    std::vector<double>                                invariants_before;
    double                                             lithium_correction = 0.;

    using Transfer     = dealii::parallel::distributed::SolutionTransfer<dim, Vector>;
    using CellValues   = std::vector<std::vector<double>>;
    using CellTransfer = dealii::parallel::distributed::CellDataTransfer<dim, dim, CellValues>;
    std::vector<std::unique_ptr<Transfer>>     nodal_transfers;
    std::vector<std::unique_ptr<CellTransfer>> point_transfers;
    std::vector<CellValues>                    point_data; // per point state, per active cell

    std::unique_ptr<CellTransfer> make_point_transfer(const PointState &state) const;
    void                          attach(bool serialization);
    void                          restore(bool serialization);
  };

  /**
   * Adaptive refinement of a (fracturing) particle, docs/theory.md §12:
   *  - refine, until h <= ell/2, the cells where d >= threshold (cracked) or
   *    H >= fraction psi_c (predictor: where a crack is about to start), plus
   *    buffer layers around them; these cells are never coarsened;
   *  - elsewhere refine and coarsen by a Kelly indicator on c/c_max (and d),
   *    between the initial level and a bounded number of extra levels;
   *  - corrector (pfm-cracks' predictor-corrector): after a converged step,
   *    if the trial d reached the threshold on an unresolved cell, refine
   *    there from the accepted state and solve the step again.
   * Mesh changes repartition the mesh (p4est) and move all state (ModelState).
   */
  template <int dim, typename LA>
  class MeshAdaptivity
  {
  public:
    MeshAdaptivity(dealii::parallel::distributed::Triangulation<dim> &triangulation,
                   const AdaptivitySettings                          &settings,
                   ModelState<dim, LA>                               &state,
                   TransportField<dim, LA>                           &transport,
                   PhaseField<dim, LA>                               *phase_field,
                   std::function<bool(const typename dealii::Triangulation<dim>::active_cell_iterator &)> cracking_region,
                   unsigned int                                       initial_level,
                   dealii::TimerOutput                               *timer = nullptr);

    /// Between time steps: mark by the crack criteria and the indicator and
    /// change the mesh. Returns whether it changed (collective).
    bool adapt();
    /// After a converged trial step: true if the trial crack reached
    /// unresolved cells, which were then refined from the accepted state.
    bool correct();

    /// Whether @p cell resolves ell (h = diameter/sqrt(dim) <= ell/2).
    bool resolves_length_scale(const typename dealii::Triangulation<dim>::active_cell_iterator &cell) const;
    unsigned int number_of_changes() const { return changes; }

  private:
    dealii::parallel::distributed::Triangulation<dim> &triangulation;
    const AdaptivitySettings                           settings;
    ModelState<dim, LA>                               &state;
    TransportField<dim, LA>                           &transport;
    PhaseField<dim, LA>                               *phase_field;
    std::function<bool(const typename dealii::Triangulation<dim>::active_cell_iterator &)> cracking_region;
    dealii::TimerOutput                               *timer;
    unsigned int                                       initial_level = 0;
    unsigned int                                       changes       = 0;

    /// Owned cells flagged by the crack criteria (by active cell index),
    /// grown by the buffer layers.
    std::vector<bool> crack_cells(bool use_trial, bool with_predictor) const;
    void              execute();
  };
} // namespace camfrac
