// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/parameter_handler.h>

#include <limits>
#include <string>
#include <vector>

namespace camfrac
{
  /**
   * A current magnitude, either as a C-rate (1C moves the nominal capacity in
   * one hour) or in amperes.
   */
  struct CurrentSpec
  {
    double value    = 0.;
    bool   is_c_rate = true;
    /// Magnitude in A for a model whose 1C current is @p one_c.
    double amperes(const double one_c) const { return is_c_rate ? value * one_c : value; }
  };

  /**
   * One step of a cycling protocol. The grammar (case-insensitive), documented
   * in docs/user-guide.md:
   *
   *   step      := 'charge' current ['until' voltage] ['for' duration]
   *              | 'discharge' current ['until' voltage] ['for' duration]
   *              | 'hold' voltage ['until' current] ['for' duration]
   *              | 'rest' ['for'] duration
   *   current   := number 'C' | 'C/' number | number ('A'|'mA'|'uA'|'nA'|'pA')
   *   voltage   := number ('V'|'mV')
   *   duration  := number ('s'|'min'|'h')
   *
   * Steps are separated by ';'. A charge or discharge step needs a cut-off
   * voltage, a duration or both (whichever comes first ends it); a hold needs
   * a current cut-off, a duration or both.
   */
  struct ProtocolStep
  {
    enum class Kind
    {
      charge,
      discharge,
      hold,
      rest
    };
    Kind        kind = Kind::rest;
    CurrentSpec current;       ///< CC current, or CV current cut-off
    bool        has_current_limit = false;
    double      voltage     = std::numeric_limits<double>::quiet_NaN(); ///< CC cut-off or CV hold [V]
    double      duration    = std::numeric_limits<double>::infinity(); ///< [s]
    std::string text;          ///< as written, for messages
  };

  struct Protocol
  {
    std::vector<ProtocolStep> steps;
    unsigned int              cycles = 1;

    /// Parse a protocol; throws InputError naming the malformed step.
    static Protocol parse(const std::string &text, const unsigned int cycles);

    static void declare_parameters(dealii::ParameterHandler &prm);
    static Protocol from_parameters(dealii::ParameterHandler &prm);

    /// Nominal simulated time left [s] from protocol step @p protocol_step
    /// (1-based) of cycle @p cycle at state of charge @p soc, for the
    /// progress ETA: C-rate steps by their SOC window, holds 30 min at most,
    /// open-ended steps 1 h.
    double remaining_time_estimate(unsigned int cycle, unsigned int protocol_step, double soc) const;
  };
} // namespace camfrac
