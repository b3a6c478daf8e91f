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
    // The 1D Gauss points of QGauss(n) on [0, 1], ascending.
    std::vector<double> gauss_points(const unsigned int n)
    {
      const QGauss<1>     rule(n);
      std::vector<double> points(n);
      for (unsigned int k = 0; k < n; ++k)
        points[k] = rule.point(k)[0];
      return points;
    }

    // The tensor-product Lagrange interpolant through the n^dim Gauss values
    // (x fastest, as QGauss<dim> numbers them), at the reference point x.
    template <int dim>
    double interpolate_gauss(const std::vector<double> &values, const std::vector<double> &g,
                             const std::array<double, 3> &x)
    {
      const unsigned int n = g.size();
      // 1D Lagrange weights per direction.
      std::array<std::vector<double>, 3> weights;
      for (unsigned int d = 0; d < dim; ++d)
        {
          weights[d].assign(n, 1.);
          for (unsigned int k = 0; k < n; ++k)
            for (unsigned int m = 0; m < n; ++m)
              if (m != k)
                weights[d][k] *= (x[d] - g[m]) / (g[k] - g[m]);
        }
      double result = 0.;
      for (unsigned int q = 0; q < values.size(); ++q)
        {
          double       weight = 1.;
          unsigned int index  = q;
          for (unsigned int d = 0; d < dim; ++d, index /= n)
            weight *= weights[d][index % n];
          result += weight * values[q];
        }
      return result;
    }

    // The reference coordinates of point q of an n^dim Gauss rule.
    template <int dim>
    std::array<double, 3> gauss_point(const unsigned int q, const std::vector<double> &g)
    {
      std::array<double, 3> x{{0., 0., 0.}};
      unsigned int          index = q;
      for (unsigned int d = 0; d < dim; ++d, index /= g.size())
        x[d] = g[index % g.size()];
      return x;
    }
  } // namespace

  template <int dim, typename LA>
  std::vector<std::vector<double>> ModelState<dim, LA>::refine_point_values(const std::vector<double> &parent,
                                                                            const unsigned int         n)
  {
    // Children's Gauss points lie partly outside the parent's: the
    // interpolant extrapolates there, exact for polynomials of degree n - 1
    // per direction, and is kept >= 0 (H is an energy density).
    const std::vector<double>        g = gauss_points(n);
    std::vector<std::vector<double>> children(1u << dim, std::vector<double>(parent.size(), 0.));
    for (unsigned int c = 0; c < children.size(); ++c)
      for (unsigned int q = 0; q < parent.size(); ++q)
        {
          std::array<double, 3> x = gauss_point<dim>(q, g);
          for (unsigned int d = 0; d < dim; ++d)
            x[d] = 0.5 * (((c >> d) & 1u) + x[d]);
          children[c][q] = std::max(interpolate_gauss<dim>(parent, g, x), 0.);
        }
    return children;
  }

  template <int dim, typename LA>
  std::vector<double> ModelState<dim, LA>::coarsen_point_values(const std::vector<std::vector<double>> &children,
                                                                const unsigned int                      n)
  {
    // Each parent Gauss point lies inside one child: interpolate there
    // (a point on a child boundary, odd n, is taken from the upper child).
    const std::vector<double> g = gauss_points(n);
    std::vector<double>       parent(children.front().size(), 0.);
    for (unsigned int q = 0; q < parent.size(); ++q)
      {
        std::array<double, 3> x     = gauss_point<dim>(q, g);
        unsigned int          child = 0;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const bool hi = x[d] >= 0.5;
            child |= (hi ? 1u : 0u) << d;
            x[d] = 2. * x[d] - (hi ? 1. : 0.);
          }
        parent[q] = std::max(interpolate_gauss<dim>(children[child], g, x), 0.);
      }
    return parent;
  }

  template <int dim, typename LA>
  ModelState<dim, LA>::ModelState(parallel::distributed::Triangulation<dim> &triangulation)
    : triangulation(triangulation)
  {}

  template <int dim, typename LA>
  ModelState<dim, LA>::~ModelState() = default;

  template <int dim, typename LA>
  void ModelState<dim, LA>::add(NodalState state)
  {
    nodal_states.push_back(std::move(state));
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::add(PointState state)
  {
    const unsigned int n = std::lround(std::pow(double(state.points_per_cell), 1. / dim));
    AssertThrow(Utilities::fixed_power<dim>(n) == state.points_per_cell,
                ExcMessage("point state '" + state.name + "' is not on a tensor-product Gauss rule"));
    point_states.push_back(std::move(state));
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::add(Lifecycle lifecycle)
  {
    lifecycles.push_back(std::move(lifecycle));
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::add(Invariant invariant)
  {
    invariants.push_back(std::move(invariant));
  }

  template <int dim, typename LA>
  std::vector<std::string> ModelState<dim, LA>::registered() const
  {
    std::vector<std::string> names;
    for (const auto &l : lifecycles)
      names.push_back("lifecycle " + l.name);
    for (const auto &v : nodal_states)
      names.push_back("nodal " + v.name);
    for (const auto &p : point_states)
      names.push_back("points " + p.name);
    for (const auto &i : invariants)
      names.push_back("invariant " + i.name);
    return names;
  }

  template <int dim, typename LA>
  std::unique_ptr<typename ModelState<dim, LA>::CellTransfer>
  ModelState<dim, LA>::make_point_transfer(const PointState &state) const
  {
    const unsigned int n = std::lround(std::pow(double(state.points_per_cell), 1. / dim));
    return std::make_unique<CellTransfer>(
      triangulation, /*transfer_variable_size_data=*/true,
      [n](const typename Triangulation<dim>::cell_iterator &, const std::vector<double> parent) {
        return refine_point_values(parent, n);
      },
      [n](const typename Triangulation<dim>::cell_iterator &, const std::vector<std::vector<double>> &children) {
        return coarsen_point_values(children, n);
      });
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::attach(const bool serialization)
  {
    invariants_before.clear();
    for (const auto &invariant : invariants)
      invariants_before.push_back(invariant.measure());
    // Either for a mesh change or for Triangulation::save(); deal.II numbers
    // the attached data in this order, which deserialize() repeats.
    const auto attach_to = [serialization](auto &transfer, const auto &data) {
      if (serialization)
        transfer.prepare_for_serialization(data);
      else
        transfer.prepare_for_coarsening_and_refinement(data);
    };
    nodal_transfers.clear();
    for (const auto &state : nodal_states)
      {
        nodal_transfers.push_back(std::make_unique<Transfer>(*state.dof_handler));
        attach_to(*nodal_transfers.back(), state.accepted());
      }
    point_transfers.clear();
    point_data.assign(point_states.size(), CellValues());
    for (unsigned int k = 0; k < point_states.size(); ++k)
      {
        const PointState          &state  = point_states[k];
        const std::vector<double> &values = state.accepted();
        const unsigned int         n_q    = state.points_per_cell;
        point_data[k].assign(triangulation.n_active_cells(), std::vector<double>(n_q, 0.));
        for (const auto &cell : triangulation.active_cell_iterators())
          if (cell->is_locally_owned())
            for (unsigned int q = 0; q < n_q; ++q)
              point_data[k][cell->active_cell_index()][q] = values[cell->active_cell_index() * n_q + q];
        point_transfers.push_back(make_point_transfer(state));
        attach_to(*point_transfers.back(), point_data[k]);
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
    // The DoFs of the loaded mesh first; then fresh transfer objects, read
    // in the order of attach() (registration order).
    for (const auto &lifecycle : lifecycles)
      lifecycle.distribute_dofs();
    nodal_transfers.clear();
    for (const auto &state : nodal_states)
      nodal_transfers.push_back(std::make_unique<Transfer>(*state.dof_handler));
    point_transfers.clear();
    for (const auto &state : point_states)
      point_transfers.push_back(make_point_transfer(state));
    restore(true);
  }

  template <int dim, typename LA>
  void ModelState<dim, LA>::restore(const bool serialization)
  {
    // 1. DoFs, constraints and vectors on the new mesh (already done for a
    //    deserialization, whose transfer objects need them).
    if (!serialization)
      for (const auto &lifecycle : lifecycles)
        lifecycle.distribute_dofs();

    // 2. The data, in any order: nothing is rebuilt yet.
    for (unsigned int k = 0; k < nodal_states.size(); ++k)
      {
        const NodalState   &state   = nodal_states[k];
        const std::size_t   n       = state.accepted().size();
        const IndexSet      owned   = state.dof_handler->locally_owned_dofs();
        const MPI_Comm      comm    = triangulation.get_communicator();
        std::vector<Vector> vectors(n);
        std::vector<Vector *> pointers;
        for (auto &v : vectors)
          {
            v.reinit(owned, comm);
            pointers.push_back(&v);
          }
        if (serialization)
          nodal_transfers[k]->deserialize(pointers);
        else
          nodal_transfers[k]->interpolate(pointers);
        state.restore(vectors);
      }
    for (unsigned int k = 0; k < point_states.size(); ++k)
      {
        const PointState  &state = point_states[k];
        const unsigned int n_q   = state.points_per_cell;
        CellValues         cells(triangulation.n_active_cells(), std::vector<double>(n_q, 0.));
        if (serialization)
          point_transfers[k]->deserialize(cells);
        else
          point_transfers[k]->unpack(cells);
        std::vector<double> values(triangulation.n_active_cells() * n_q, 0.);
        for (const auto &cell : triangulation.active_cell_iterators())
          if (cell->is_locally_owned())
            for (unsigned int q = 0; q < n_q; ++q)
              values[cell->active_cell_index() * n_q + q] = cells[cell->active_cell_index()][q];
        state.restore(std::move(values));
      }

    // 3. Invariants (a restart restores exactly what was saved).
    lithium_correction = 0.;
    if (!serialization)
      for (unsigned int k = 0; k < invariants.size(); ++k)
        {
          const double correction = invariants[k].restore(invariants_before[k]);
          if (k == 0)
            lithium_correction = correction;
        }

    // 4. Operators, from the restored state.
    for (const auto &lifecycle : lifecycles)
      lifecycle.rebuild_operators();

    nodal_transfers.clear();
    point_transfers.clear();
    point_data.clear();
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
