// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/electrode_model.h>
#include <camfrac/physics/transport.h>

namespace camfrac
{
  /**
   * Li transport alone as an ElectrodeModel: what the protocol driver runs
   * when there is no mechanics. The field stays a plain physics class; this
   * adapter only forwards (as ChemoMechanicalModel wraps two fields).
   * The field must outlive the adapter.
   */
  template <int dim, typename LA>
  class TransportModel : public ElectrodeModel
  {
  public:
    explicit TransportModel(TransportField<dim, LA> &transport)
      : transport(transport)
    {}

    double       one_c_current() const override { return transport.one_c_current(); }
    double       open_circuit_voltage() const override { return transport.open_circuit_voltage(); }
    std::pair<double, double> open_circuit_range() const override { return transport.open_circuit_range(); }
    bool         supports_voltage_control() const override { return transport.supports_voltage_control(); }
    StepResult   advance(const double dt, const Control &control) override { return transport.advance(dt, control); }
    void         accept() override { transport.accept(); }
    StateSummary summary() const override { return transport.summary(); }

    TransportField<dim, LA>       &field() { return transport; }
    const TransportField<dim, LA> &field() const { return transport; }

  private:
    TransportField<dim, LA> &transport;
  };
} // namespace camfrac
