// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/physics/linear_algebra.h>

#include <deal.II/dofs/dof_handler.h>

#include <functional>
#include <string>
#include <vector>

namespace camfrac
{
  /**
   * Where a stateful object registers what must survive a mesh change or a
   * checkpoint (implemented by ModelState, coupling/adaptivity.h). Each field
   * and coupled model registers its own state in `register_state()`;
   * ModelState then loops over what is registered:
   *
   *   before the change: measure the invariants, attach every nodal and
   *                      quadrature-point state (registration order);
   *   after the change:  1. distribute_dofs() of every lifecycle,
   *                      2. restore every nodal and point state,
   *                      3. rebuild_operators() of every lifecycle,
   *                      4. restore every invariant.
   *
   * Because all data are restored before any operator is rebuilt, no
   * object depends on another one's restore order; operators read only
   * restored state.
   */
  template <int dim, typename LA>
  class StateRegistry
  {
  public:
    using Vector = typename LA::Vector;

    /// Nodal vectors on one DoFHandler, moved by SolutionTransfer.
    struct NodalState
    {
      std::string                                       name;
      const dealii::DoFHandler<dim>                    *dof_handler = nullptr;
      std::function<std::vector<const Vector *>()>      accepted; ///< ghosted, on the old mesh
      std::function<void(const std::vector<Vector> &)> restore;  ///< owned, on the new mesh
    };

    /// Values at the quadrature points of every active cell, numbered
    /// (active cell index) * points_per_cell + q, for a tensor-product Gauss
    /// rule with n^dim points; moved by CellDataTransfer with the
    /// interpolation rules of QuadraturePointTransfer (kept >= 0).
    struct PointState
    {
      std::string                                 name;
      unsigned int                                points_per_cell = 0;
      std::function<const std::vector<double> &()> accepted;
      std::function<void(std::vector<double> &&)> restore;
    };

    /// The two halves of a setup() after a mesh change.
    struct Lifecycle
    {
      std::string           name;
      std::function<void()> distribute_dofs;   ///< DoFs, constraints, vectors: cheap
      std::function<void()> rebuild_operators; ///< matrices, preconditioners, point data
    };

    /// A quantity the mesh change must not alter (the Li inventory):
    /// measured before, restored after (returns the relative correction).
    struct Invariant
    {
      std::string                    name;
      std::function<double()>        measure;
      std::function<double(double)> restore;
    };

    virtual ~StateRegistry() = default;
    virtual void add(NodalState state)     = 0;
    virtual void add(PointState state)     = 0;
    virtual void add(Lifecycle lifecycle)  = 0;
    virtual void add(Invariant invariant)  = 0;
  };
} // namespace camfrac
