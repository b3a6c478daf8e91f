// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors

#include <camfrac/coupling/adaptivity.h>
#include <camfrac/io/errors.h>

#include "../instantiation.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/distributed/cell_data_transfer.templates.h>
#include <deal.II/distributed/grid_refinement.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/numerics/error_estimator.h>

#include <algorithm>
#include <cmath>

namespace camfrac
{
  using namespace dealii;

  // ------------------------------------------------------ AdaptivitySettings
  void AdaptivitySettings::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Adaptive refinement");
    prm.declare_entry("Enabled", "false", Patterns::Bool(),
                      "Adapt the mesh during the run (docs/theory.md §12). Without it, a fracture run refines the "
                      "whole cracking region to h <= ell/2 before it starts; with it, only where the crack is or "
                      "is about to start.");
    prm.declare_entry("Interval", "1", Patterns::Integer(1), "Adapt after every this many accepted time steps [-], >= 1.");
    prm.declare_entry("Damage threshold", "0.1", Patterns::Double(0., 1.),
                      "Cells where d reaches this are refined until h <= ell/2 and never coarsened [-], in (0, 1).");
    prm.declare_entry("Predictor fraction", "0.5", Patterns::Double(0., 1.),
                      "Predictor: cells where the crack driving force H reaches this fraction of psi_c "
                      "(3 G_c/(16 ell) for AT1, G_c/(6 ell) for AT2) are refined like cracked cells, so that a "
                      "crack starts on a resolved mesh [-], in (0, 1].");
    prm.declare_entry("Buffer layers", "1", Patterns::Integer(0, 10),
                      "Layers of neighbouring cells around cracked and predicted cells that are refined too [-].");
    prm.declare_entry("Refine fraction", "0.05", Patterns::Double(0., 1.),
                      "Error indicator (Kelly, on c/c_max and d): the fraction of cells with the largest "
                      "indicator that is refined [-], in [0, 1].");
    prm.declare_entry("Coarsen fraction", "0.3", Patterns::Double(0., 1.),
                      "The fraction of cells with the smallest indicator that is coarsened (never below the "
                      "initial mesh, never in cracked or predicted cells) [-], in [0, 1].");
    prm.declare_entry("Maximum indicator levels", "1", Patterns::Integer(0, 8),
                      "The indicator refines at most this many levels beyond the initial mesh [-]; the crack "
                      "criteria refine as far as h <= ell/2 needs (Fracture/Maximum resolution refinements).");
    prm.leave_subsection();
  }

  void AdaptivitySettings::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Adaptive refinement");
    enabled                  = prm.get_bool("Enabled");
    interval                 = prm.get_integer("Interval");
    damage_threshold         = prm.get_double("Damage threshold");
    predictor_fraction       = prm.get_double("Predictor fraction");
    buffer_layers            = prm.get_integer("Buffer layers");
    refine_fraction          = prm.get_double("Refine fraction");
    coarsen_fraction         = prm.get_double("Coarsen fraction");
    maximum_indicator_levels = prm.get_integer("Maximum indicator levels");
    prm.leave_subsection();
    if (!(damage_threshold > 0. && damage_threshold < 1.))
      throw InputError("Adaptive refinement/Damage threshold must be in (0, 1)");
    if (!(predictor_fraction > 0.))
      throw InputError("Adaptive refinement/Predictor fraction must be in (0, 1]");
    if (refine_fraction + coarsen_fraction > 1.)
      throw InputError("Adaptive refinement/Refine fraction + Coarsen fraction must not exceed 1");
  }

  // -------------------------------------------------------------- ModelState
  namespace
  {
    // QGauss(2) on [0, 1]: points g0, g1 per direction, x fastest.
    const double gauss_lo = 0.5 - 0.5 / std::sqrt(3.);
    const double gauss_hi = 0.5 + 0.5 / std::sqrt(3.);

    // The tensor-product linear interpolant through the 2^dim Gauss values,
    // at the reference point x.
    template <int dim>
    double interpolate_gauss(const std::array<double, 8> &values, const std::array<double, 3> &x)
    {
      double result = 0.;
      for (unsigned int q = 0; q < (1u << dim); ++q)
        {
          double weight = 1.;
          for (unsigned int d = 0; d < dim; ++d)
            {
              const bool hi = (q >> d) & 1u;
              weight *= hi ? (x[d] - gauss_lo) / (gauss_hi - gauss_lo) : (gauss_hi - x[d]) / (gauss_hi - gauss_lo);
            }
          result += weight * values[q];
        }
      return result;
    }
  } // namespace

  template <int dim, typename LA>
  std::vector<typename ModelState<dim, LA>::CellHistory> ModelState<dim, LA>::refine_history(const CellHistory &parent)
  {
    // Children's Gauss points lie partly outside the parent's: the
    // (multi)linear interpolant extrapolates there, exact for a linear H,
    // and is kept >= 0 (H is an energy density).
    const unsigned int       n = 1u << dim;
    std::vector<CellHistory> children(n);
    for (unsigned int c = 0; c < n; ++c)
      {
        children[c].fill(0.);
        for (unsigned int q = 0; q < n; ++q)
          {
            std::array<double, 3> x{{0., 0., 0.}};
            for (unsigned int d = 0; d < dim; ++d)
              x[d] = 0.5 * (((c >> d) & 1u) + (((q >> d) & 1u) ? gauss_hi : gauss_lo));
            children[c][q] = std::max(interpolate_gauss<dim>(parent, x), 0.);
          }
      }
    return children;
  }

  template <int dim, typename LA>
  typename ModelState<dim, LA>::CellHistory ModelState<dim, LA>::coarsen_history(const std::vector<CellHistory> &children)
  {
    // Each parent Gauss point lies inside one child: interpolate there.
    const unsigned int n = 1u << dim;
    CellHistory        parent;
    parent.fill(0.);
    for (unsigned int q = 0; q < n; ++q)
      {
        unsigned int          child = 0;
        std::array<double, 3> x{{0., 0., 0.}};
        for (unsigned int d = 0; d < dim; ++d)
          {
            const bool hi = (q >> d) & 1u;
            child |= (hi ? 1u : 0u) << d;
            x[d] = 2. * (hi ? gauss_hi : gauss_lo) - (hi ? 1. : 0.);
          }
        parent[q] = std::max(interpolate_gauss<dim>(children[child], x), 0.);
      }
    return parent;
  }

  template <int dim, typename LA>
  ModelState<dim, LA>::ModelState(parallel::distributed::Triangulation<dim> &triangulation, const Fields &fields)
    : triangulation(triangulation)
    , fields(fields)
  {
    AssertThrow(fields.transport != nullptr, ExcMessage("ModelState needs the transport field"));
  }

  template <int dim, typename LA>
  ModelState<dim, LA>::~ModelState() = default;

  template <int dim, typename LA>
  typename ModelState<dim, LA>::Scalars ModelState<dim, LA>::scalars() const
  {
    Scalars s;
    s.potential = fields.transport->potential();
    if (fields.fracturing)
      s.staggered_iterations = fields.fracturing->crack_summary().staggered_iterations;
    return s;
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::attach(const bool serialization)
  {
    saved_scalars  = scalars();
    lithium_before = fields.transport->summary().lithium_mol;

    transport_vectors = {&fields.transport->concentration()};
    if (fields.coupled)
      {
        transport_vectors.push_back(&fields.coupled->accepted_coupling_potential());
        transport_vectors.push_back(&fields.coupled->accepted_coupling_stabilisation());
      }
    // Either for a mesh change or for Triangulation::save().
    const auto attach_to = [serialization](auto &transfer, const auto &data) {
      if (serialization)
        transfer.prepare_for_serialization(data);
      else
        transfer.prepare_for_coarsening_and_refinement(data);
    };
    transport_transfer = std::make_unique<Transfer>(fields.transport->get_dof_handler());
    attach_to(*transport_transfer, transport_vectors);
    // The order of attach() is the order of restore().
    if (fields.phase_field)
      {
        phase_field_transfer = std::make_unique<Transfer>(fields.phase_field->get_dof_handler());
        attach_to(*phase_field_transfer, fields.phase_field->accepted_damage());

        const unsigned int         n_q     = fields.phase_field->quadrature_formula().size();
        const std::vector<double> &history = fields.phase_field->accepted_history();
        history_cells.assign(triangulation.n_active_cells(), CellHistory{});
        for (const auto &cell : triangulation.active_cell_iterators())
          if (cell->is_locally_owned())
            for (unsigned int q = 0; q < n_q; ++q)
              history_cells[cell->active_cell_index()][q] = history[cell->active_cell_index() * n_q + q];
        history_transfer = std::make_unique<
          parallel::distributed::CellDataTransfer<dim, dim, std::vector<CellHistory>>>(
          triangulation, false,
          [](const typename Triangulation<dim>::cell_iterator &, const CellHistory parent) {
            return refine_history(parent);
          },
          [](const typename Triangulation<dim>::cell_iterator &, const std::vector<CellHistory> &children) {
            return coarsen_history(children);
          });
        attach_to(*history_transfer, history_cells);
      }
    if (fields.mechanics)
      {
        mechanics_transfer = std::make_unique<Transfer>(fields.mechanics->get_dof_handler());
        attach_to(*mechanics_transfer, fields.mechanics->accepted_displacement());
      }
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::prepare_for_coarsening_and_refinement()
  {
    attach(false);
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::prepare_for_serialization()
  {
    attach(true);
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::interpolate()
  {
    restore(false);
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::deserialize()
  {
    // Fresh transfer objects on the loaded mesh, in the order of attach().
    transport_transfer = std::make_unique<Transfer>(fields.transport->get_dof_handler());
    if (fields.mechanics)
      mechanics_transfer = std::make_unique<Transfer>(fields.mechanics->get_dof_handler());
    if (fields.phase_field) // (objects only: the data are read in restore()'s order)
      {
        phase_field_transfer = std::make_unique<Transfer>(fields.phase_field->get_dof_handler());
        history_transfer = std::make_unique<
          parallel::distributed::CellDataTransfer<dim, dim, std::vector<CellHistory>>>(triangulation);
      }
    restore(true);
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::restore(const bool serialization)
  {
    TransportField<dim, LA> &transport = *fields.transport;
    const MPI_Comm           communicator = transport.get_mpi_communicator();

    // 1. Transport: c (and the coupling potentials), phi; int c dV.
    transport.setup();
    const IndexSet     c_owned = transport.get_dof_handler().locally_owned_dofs();
    std::vector<Vector> c_vectors(fields.coupled ? 3 : 1);
    std::vector<Vector *> c_pointers;
    for (auto &v : c_vectors)
      {
        v.reinit(c_owned, communicator);
        c_pointers.push_back(&v);
      }
    if (serialization)
      transport_transfer->deserialize(c_pointers);
    else
      transport_transfer->interpolate(c_pointers);
    transport.set_accepted_state(c_vectors[0], saved_scalars.potential);
    lithium_correction = serialization ? 0. : transport.restore_lithium_inventory(lithium_before);

    // 2. Phase field: d and the history field (before mechanics, whose
    //    stiffness setup() degrades by this d).
    if (fields.phase_field)
      {
        PhaseField<dim, LA> &phase_field = *fields.phase_field;
        phase_field.setup();
        Vector d(phase_field.get_dof_handler().locally_owned_dofs(), communicator);
        if (serialization)
          phase_field_transfer->deserialize(d);
        else
          phase_field_transfer->interpolate(d);
        history_cells.assign(triangulation.n_active_cells(), CellHistory{});
        if (serialization)
          history_transfer->deserialize(history_cells);
        else
          history_transfer->unpack(history_cells);
        const unsigned int  n_q = phase_field.quadrature_formula().size();
        std::vector<double> history(triangulation.n_active_cells() * n_q, 0.);
        for (const auto &cell : triangulation.active_cell_iterators())
          if (cell->is_locally_owned())
            for (unsigned int q = 0; q < n_q; ++q)
              history[cell->active_cell_index() * n_q + q] = history_cells[cell->active_cell_index()][q];
        phase_field.set_accepted_state(d, history);
      }

    // 3. Mechanics: u (the warm start and the accepted state).
    Vector u;
    if (fields.mechanics)
      {
        if (fields.fracturing)
          fields.mechanics->set_damage(fields.fracturing->damage_view(), false);
        fields.mechanics->setup();
        u.reinit(fields.mechanics->get_dof_handler().locally_owned_dofs(), communicator);
        if (serialization)
          mechanics_transfer->deserialize(u);
        else
          mechanics_transfer->interpolate(u);
        fields.mechanics->set_accepted_displacement(u);
      }

    // 4. Coupling: s and L without a new mechanics solve; the damage.
    if (fields.coupled)
      {
        fields.coupled->setup(false);
        if (fields.fracturing)
          fields.fracturing->restore(saved_scalars.staggered_iterations);
        fields.coupled->set_accepted_state(c_vectors[1], c_vectors[2]);
      }
    transport_transfer.reset();
    mechanics_transfer.reset();
    phase_field_transfer.reset();
    history_transfer.reset();
    history_cells.clear();
  }

  // ---------------------------------------------------------- MeshAdaptivity
  template <int dim, typename LA>
  MeshAdaptivity<dim, LA>::MeshAdaptivity(
    parallel::distributed::Triangulation<dim> &triangulation,
    const AdaptivitySettings                  &settings,
    ModelState<dim, LA>                       &state,
    TransportField<dim, LA>                   &transport,
    PhaseField<dim, LA>                       *phase_field,
    std::function<bool(const typename Triangulation<dim>::active_cell_iterator &)> cracking_region,
    const unsigned int                         initial_level,
    TimerOutput                               *timer)
    : triangulation(triangulation)
    , settings(settings)
    , state(state)
    , transport(transport)
    , phase_field(phase_field)
    , cracking_region(std::move(cracking_region))
    , timer(timer)
    , initial_level(initial_level)
  {}

  template <int dim, typename LA>
  bool MeshAdaptivity<dim, LA>::resolves_length_scale(const typename Triangulation<dim>::active_cell_iterator &cell) const
  {
    if (!phase_field)
      return true;
    const auto  &fracture = phase_field->get_settings();
    const double target   = fracture.length_scale / fracture.cells_per_length_scale;
    return cell->diameter() / std::sqrt(double(dim)) <= target * (1. + 1e-10);
  }

  template <int dim, typename LA>
  std::vector<bool> MeshAdaptivity<dim, LA>::crack_cells(const bool use_trial, const bool with_predictor) const
  {
    std::vector<bool> flagged(triangulation.n_active_cells(), false);
    if (!phase_field)
      return flagged;
    const auto   &dofs    = phase_field->get_dof_handler();
    const auto   &d       = use_trial ? phase_field->damage() : phase_field->accepted_damage();
    const auto   &history = phase_field->accepted_history();
    const unsigned int n_q = phase_field->quadrature_formula().size();
    std::vector<types::global_dof_index> indices(dofs.get_fe().n_dofs_per_cell());
    for (const auto &cell : dofs.active_cell_iterators())
      if (cell->is_locally_owned() && cracking_region(cell))
        {
          cell->get_dof_indices(indices);
          bool hit = false;
          for (const auto i : indices)
            hit = hit || double(d[i]) >= settings.damage_threshold;
          if (with_predictor)
            for (unsigned int q = 0; q < n_q && !hit; ++q)
              hit = history[cell->active_cell_index() * n_q + q] >=
                    settings.predictor_fraction * phase_field->critical_driving_force(cell, q);
          flagged[cell->active_cell_index()] = hit;
        }
    // Buffer: grow by vertex neighbours, across rank boundaries through a
    // nodal marker on the phase-field DoFs (Q1: one DoF per vertex).
    const MPI_Comm communicator = triangulation.get_communicator();
    const IndexSet owned        = dofs.locally_owned_dofs();
    IndexSet       relevant;
    DoFTools::extract_locally_relevant_dofs(dofs, relevant);
    for (unsigned int layer = 0; layer < settings.buffer_layers; ++layer)
      {
        typename LA::Vector marker(owned, communicator), ghosted(owned, relevant, communicator);
        const std::vector<double> ones(indices.size(), 1.);
        for (const auto &cell : dofs.active_cell_iterators())
          if (cell->is_locally_owned() && flagged[cell->active_cell_index()])
            {
              cell->get_dof_indices(indices);
              marker.add(indices, ones);
            }
        marker.compress(VectorOperation::add);
        ghosted = marker;
        for (const auto &cell : dofs.active_cell_iterators())
          if (cell->is_locally_owned() && !flagged[cell->active_cell_index()] && cracking_region(cell))
            {
              cell->get_dof_indices(indices);
              for (const auto i : indices)
                if (double(ghosted[i]) > 0.5)
                  {
                    flagged[cell->active_cell_index()] = true;
                    break;
                  }
            }
      }
    return flagged;
  }

  template <int dim, typename LA>
  void MeshAdaptivity<dim, LA>::execute()
  {
    triangulation.prepare_coarsening_and_refinement();
    state.prepare_for_coarsening_and_refinement();
    triangulation.execute_coarsening_and_refinement();
    state.interpolate();
    ++changes;
  }

  template <int dim, typename LA>
  bool MeshAdaptivity<dim, LA>::adapt()
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "adaptive refinement");
    const MPI_Comm communicator = triangulation.get_communicator();

    // Indicator: Kelly on c/c_max (+ d), fixed fractions of the cells.
    Vector<float> indicator(triangulation.n_active_cells());
    {
      const auto &c_dofs = transport.get_dof_handler();
      KellyErrorEstimator<dim>::estimate(transport.get_mapping(), c_dofs, QGauss<dim - 1>(c_dofs.get_fe().degree + 1),
                                         std::map<types::boundary_id, const Function<dim> *>(), transport.concentration(), indicator, ComponentMask(), nullptr,
                                         numbers::invalid_unsigned_int, triangulation.locally_owned_subdomain());
      indicator /= float(transport.maximum_concentration());
      if (phase_field)
        {
          Vector<float> d_indicator(triangulation.n_active_cells());
          KellyErrorEstimator<dim>::estimate(phase_field->get_mapping(), phase_field->get_dof_handler(), QGauss<dim - 1>(2),
                                             std::map<types::boundary_id, const Function<dim> *>(), phase_field->accepted_damage(), d_indicator, ComponentMask(), nullptr,
                                             numbers::invalid_unsigned_int, triangulation.locally_owned_subdomain());
          indicator += d_indicator;
        }
    }
    parallel::distributed::GridRefinement::refine_and_coarsen_fixed_number(triangulation, indicator,
                                                                            settings.refine_fraction,
                                                                            settings.coarsen_fraction);
    const std::vector<bool> cracked = crack_cells(false, true);
    unsigned int            marked  = 0;
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          if (cell->refine_flag_set() && cell->level() >= int(initial_level + settings.maximum_indicator_levels))
            cell->clear_refine_flag();
          if (cell->coarsen_flag_set() && cell->level() <= int(initial_level))
            cell->clear_coarsen_flag();
          if (cracked[cell->active_cell_index()])
            {
              cell->clear_coarsen_flag();
              if (!resolves_length_scale(cell))
                cell->set_refine_flag();
            }
          marked += cell->refine_flag_set() || cell->coarsen_flag_set();
        }
    // p4est coarsens a family only if every child is flagged; siblings
    // owned by another rank decide alike, so the count is only a hint.
    if (Utilities::MPI::sum(marked, communicator) == 0)
      return false;
    execute();
    return true;
  }

  template <int dim, typename LA>
  bool MeshAdaptivity<dim, LA>::correct()
  {
    if (!phase_field)
      return false;
    const std::vector<bool> cracked = crack_cells(true, false);
    unsigned int            marked  = 0;
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          cell->clear_coarsen_flag();
          cell->clear_refine_flag();
          if (cracked[cell->active_cell_index()] && !resolves_length_scale(cell))
            {
              cell->set_refine_flag();
              ++marked;
            }
        }
    if (Utilities::MPI::sum(marked, triangulation.get_communicator()) == 0)
      return false;
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "adaptive refinement");
    execute();
    return true;
  }

  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(ModelState);
  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(MeshAdaptivity);
} // namespace camfrac
