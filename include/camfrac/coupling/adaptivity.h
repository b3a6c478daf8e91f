// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/chemo_mechanics.h>
#include <camfrac/coupling/fracture.h>
#include <camfrac/coupling/restart_record.h>
#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/phase_field.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/timer.h>
#include <deal.II/distributed/cell_data_transfer.h>
#include <deal.II/distributed/solution_transfer.h>
#include <deal.II/distributed/tria.h>

#include <array>
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
   * triangulation, for adaptive refinement and for checkpoints:
   *  - nodal vectors: c (and the coupling potential s and stabilisation L) on
   *    the transport DoFs, u on the mechanics DoFs, d on the phase-field DoFs,
   *    moved by parallel::distributed::SolutionTransfer (interpolation on
   *    refinement, injection on coarsening);
   *  - the history field H per quadrature point, moved by CellDataTransfer:
   *    the multilinear interpolant of a cell's 2^dim Gauss values, evaluated
   *    at the children's (parent's) Gauss points, exact for H linear in the
   *    reference coordinates, kept >= 0 (docs/theory.md §12.2);
   *  - scalars (phi, the staggered iteration count) kept in memory.
   * After refinement and coarsening int c dV is restored by a uniform shift.
   * Fields that are null are absent.
   */
  template <int dim, typename LA>
  class ModelState
  {
  public:
    using Vector = typename LA::Vector;
    /// H at the 2^dim Gauss points of QGauss(2) of one cell (8 in 3D).
    using CellHistory = std::array<double, 8>;

    struct Fields
    {
      TransportField<dim, LA>       *transport   = nullptr;
      MechanicsField<dim, LA>       *mechanics   = nullptr;
      ChemoMechanicalModel<dim, LA> *coupled     = nullptr;
      PhaseField<dim, LA>           *phase_field = nullptr;
      FracturingModel<dim, LA>      *fracturing  = nullptr;
    };

    ModelState(dealii::parallel::distributed::Triangulation<dim> &triangulation, const Fields &fields);
    ~ModelState();

    /// Attach the accepted state before execute_coarsening_and_refinement().
    void prepare_for_coarsening_and_refinement();
    /// After execute_coarsening_and_refinement(): rebuild the fields on the
    /// new mesh and restore their state; int c dV is restored.
    void interpolate();
    /// Attach the accepted state before Triangulation::save().
    void prepare_for_serialization();
    /// After Triangulation::load(): rebuild the fields and read their state.
    /// The scalars come from the checkpoint's text file (set_scalars()).
    void deserialize();

    using Scalars = ModelScalars;
    Scalars scalars() const;
    void    set_scalars(const Scalars &s) { saved_scalars = s; }

    /// Relative change of int c dV that the last interpolate() corrected.
    double last_lithium_correction() const { return lithium_correction; }

    /// The refinement and coarsening rules of the history field (public for tests):
    /// values at the children's Gauss points from the parent's, and back.
    static std::vector<CellHistory> refine_history(const CellHistory &parent);
    static CellHistory coarsen_history(const std::vector<CellHistory> &children);

  private:
    dealii::parallel::distributed::Triangulation<dim> &triangulation;
    Fields                                             fields;
    Scalars                                            saved_scalars;
    double                                             lithium_before     = 0.;
    double                                             lithium_correction = 0.;

    using Transfer = dealii::parallel::distributed::SolutionTransfer<dim, Vector>;
    std::unique_ptr<Transfer> transport_transfer, mechanics_transfer, phase_field_transfer;
    std::unique_ptr<dealii::parallel::distributed::CellDataTransfer<dim, dim, std::vector<CellHistory>>>
                             history_transfer;
    std::vector<CellHistory> history_cells;
    std::vector<const Vector *> transport_vectors;

    void attach(bool serialization);
    void restore(bool serialization);
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
