// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/physics/summaries.h>

#include <limits>
#include <utility>

namespace camfrac
{
  /**
   * What the protocol driver needs from a particle model: advance one step
   * from the last accepted state under a control, then accept or discard it.
   * TransportModel, ChemoMechanicalModel and FracturingModel implement it;
   * tests may implement it with a lumped model.
   * All calls are collective over the model's MPI communicator and return the
   * same values on every rank.
   */
  class ElectrodeModel
  {
  public:
    virtual ~ElectrodeModel() = default;

    /// The 1C current [A]: nominal capacity F c_max V (x_max - x_min) per hour.
    virtual double one_c_current() const = 0;
    /// Mean open-circuit potential U(x_s) over the surface of the accepted state [V].
    virtual double open_circuit_voltage() const = 0;
    /// The range [min, max] of U(x) over 0 < x < 1 [V]: the potentials a hold can reach.
    /// The default (for lumped test models) is unbounded.
    virtual std::pair<double, double> open_circuit_range() const
    {
      return {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    }
    /// False when the surface condition cannot hold a potential (prescribed flux).
    virtual bool supports_voltage_control() const = 0;

    /// Solve one implicit step of length @p dt from the accepted state.
    virtual StepResult advance(const double dt, const Control &control) = 0;
    /// Make the last trial step the accepted state.
    virtual void accept() = 0;
    /// Summary of the accepted state.
    virtual StateSummary summary() const = 0;
  };
} // namespace camfrac
