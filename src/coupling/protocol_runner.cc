// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The adaptive time-step driver that runs a protocol on any ElectrodeModel
// and lands on its cut-offs (docs/theory.md §5).

#include <camfrac/coupling/protocol_runner.h>
#include <camfrac/io/errors.h>

#include <algorithm>
#include <functional>
#include <cmath>
#include <sstream>
#include <limits>
#include <string>

namespace camfrac
{
  // ------------------------------------------------------- time stepping
  void TimeSteppingSettings::declare_parameters(dealii::ParameterHandler &prm)
  {
    using dealii::Patterns::Double;
    prm.enter_subsection("Time stepping");
    prm.declare_entry("Initial time step", "1", Double(0.), "First time step of each protocol step [s], > 0.");
    prm.declare_entry("Minimum time step", "1e-4", Double(0.),
                      "Smallest time step [s], > 0. If Newton fails at this step the run stops with an error.");
    prm.declare_entry("Maximum time step", "120", Double(0.), "Largest time step [s], > 0.");
    prm.declare_entry("Growth factor", "1.5", Double(1.), "Factor by which dt grows after a quick Newton solve [-], >= 1.");
    prm.declare_entry("Cut back factor", "0.5", Double(0.01, 0.99), "Factor applied to dt after a failed step [-], in [0.01, 0.99].");
    prm.declare_entry("Fast Newton iterations", "4", dealii::Patterns::Integer(1),
                      "dt grows when Newton converges in at most this many iterations [-], >= 1.");
    prm.declare_entry("Maximum change of x", "0.02", Double(1e-6, 1.),
                      "Largest change of the Li fraction at any point in one step [-], in [1e-6, 1]; larger steps are "
                      "repeated with a shorter dt.");
    prm.declare_entry("Maximum change of d", "0.2", Double(1e-3, 1.),
                      "With fracture: the largest change of the phase field d at any point in one step [-], in "
                      "[1e-3, 1]. dt shrinks towards it as a crack starts to run, and a step that changes d by more "
                      "than twice as much is repeated with a shorter dt, so that the steps land where the crack "
                      "runs. A brittle event, where d jumps by as much at any dt, is accepted and reported as such "
                      "(docs/theory.md §5).");
    prm.declare_entry("Voltage cut-off tolerance", "1e-3", Double(1e-9, 1.),
                      "A voltage cut-off is landed on from the safe side, within this distance [V], in [1e-9, 1].");
    prm.declare_entry("Current cut-off tolerance", "0.01", Double(1e-9, 0.5),
                      "A current cut-off I_cut is landed on from above, within [I_cut, (1 + tol) I_cut] [-], in [1e-9, 0.5].");
    prm.leave_subsection();
  }

  void TimeSteppingSettings::parse_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Time stepping");
    initial_time_step        = prm.get_double("Initial time step");
    minimum_time_step        = prm.get_double("Minimum time step");
    maximum_time_step        = prm.get_double("Maximum time step");
    growth_factor            = prm.get_double("Growth factor");
    cut_back_factor          = prm.get_double("Cut back factor");
    fast_newton_iterations   = prm.get_integer("Fast Newton iterations");
    maximum_change_of_x      = prm.get_double("Maximum change of x");
    maximum_change_of_d      = prm.get_double("Maximum change of d");
    voltage_cutoff_tolerance = prm.get_double("Voltage cut-off tolerance");
    current_cutoff_tolerance = prm.get_double("Current cut-off tolerance");
    prm.leave_subsection();
    if (!(minimum_time_step > 0.) || !(minimum_time_step <= initial_time_step) ||
        !(initial_time_step <= maximum_time_step))
      throw InputError("parameters 'Time stepping/Minimum time step', 'Initial time step' and 'Maximum time step' "
                       "must satisfy 0 < minimum <= initial <= maximum");
  }

  // ------------------------------------------------------ ProtocolRunner
  ProtocolRunner::ProtocolRunner(ElectrodeModel &model, const Protocol &protocol, const TimeSteppingSettings &settings)
    : model(model)
    , protocol(protocol)
    , settings(settings)
    , time_step(settings.initial_time_step)
    , last_voltage(model.open_circuit_voltage())
  {
    for (unsigned int k = 0; k < protocol.steps.size(); ++k)
      if (protocol.steps[k].kind == ProtocolStep::Kind::hold && !model.supports_voltage_control())
        throw InputError("parameter 'Protocol/Steps', step " + std::to_string(k + 1) + " '" + protocol.steps[k].text +
                         "': a voltage hold needs 'Electrochemistry/Surface condition = Butler-Volmer'");
    // A hold outside the material's open-circuit range can never relax to
    // its current cut-off: an input error, not a solver failure.
    const auto [lowest, highest] = model.open_circuit_range();
    for (unsigned int k = 0; k < protocol.steps.size(); ++k)
      if (const auto &step = protocol.steps[k];
          step.kind == ProtocolStep::Kind::hold && !(step.voltage >= lowest && step.voltage <= highest))
        {
          std::ostringstream range;
          range << "[" << lowest << ", " << highest << "] V";
          throw InputError("parameter 'Protocol/Steps', step " + std::to_string(k + 1) + " '" + step.text +
                           "': the hold voltage lies outside the open-circuit range " + range.str() +
                           " of the material (U(x) for 0 < x < 1), so the particle can never reach it");
        }
  }

  void ProtocolRunner::run(const Observer &observer)
  {
    run(observer, State{1, 1, 0., 0., std::numeric_limits<double>::quiet_NaN(), 0., last_voltage, 0});
  }

  void ProtocolRunner::run(const Observer &observer, const State &resume)
  {
    current_time   = resume.time;
    last_voltage   = resume.last_voltage;
    accepted_steps = resume.accepted_steps;
    bool first     = true;
    for (unsigned int cycle = resume.cycle; cycle <= protocol.cycles; ++cycle)
      for (unsigned int k = (cycle == resume.cycle ? resume.protocol_step - 1 : 0); k < protocol.steps.size(); ++k)
        {
          run_step(protocol.steps[k], k + 1, cycle, observer, first ? &resume : nullptr);
          first = false;
        }
  }

  StepResult ProtocolRunner::advance_checked(const double dt, const Control &control)
  {
    StepResult   result = model.advance(dt, control);
    unsigned int earlier_linear_iterations = 0;
    while (result.converged && trial_check && trial_check())
      {
        earlier_linear_iterations += result.linear_iterations;
        result = model.advance(dt, control);
      }
    result.linear_iterations += earlier_linear_iterations;
    return result;
  }

  void ProtocolRunner::call_hook(const unsigned int cycle,
                                 const unsigned int index,
                                 const double       elapsed,
                                 const double       dt,
                                 const double       previous_distance)
  {
    if (!step_hook)
      return;
    State state;
    state.cycle             = cycle;
    state.protocol_step     = index;
    state.elapsed           = elapsed;
    state.time_step         = dt;
    state.previous_distance = previous_distance;
    state.time              = current_time;
    state.last_voltage      = last_voltage;
    state.accepted_steps    = accepted_steps;
    // The end of the last step of a cycle: continue with the next cycle.
    if (state.protocol_step > protocol.steps.size())
      {
        state.protocol_step = 1;
        ++state.cycle;
      }
    step_hook(state);
  }

  namespace
  {
    /// What a protocol step controls and where it ends.
    struct StepTarget
    {
      Control control;
      /// Signed distance to the cut-off: > 0 means the cut-off has been passed.
      std::function<double(const StepResult &)> beyond_cutoff;
      double                                    cutoff_tolerance = 0.;
    };

    StepTarget step_target(const ProtocolStep &step, ElectrodeModel &model, const TimeSteppingSettings &settings,
                           const bool resuming, const std::string &where)
    {
      const double one_c = model.one_c_current();
      StepTarget   target;
      switch (step.kind)
        {
          case ProtocolStep::Kind::charge:
          case ProtocolStep::Kind::discharge:
            {
              const double sign = step.kind == ProtocolStep::Kind::charge ? 1. : -1.;
              target.control    = {Control::Mode::current, sign * step.current.amperes(one_c)};
              if (!std::isnan(step.voltage))
                {
                  // Impossible: the open-circuit voltage is already beyond the cut-off.
                  const double ocv = model.open_circuit_voltage();
                  if (!resuming && sign * (ocv - step.voltage) >= 0.)
                    throw InputError(where + " cannot run: its cut-off " + std::to_string(step.voltage) +
                                     " V is already passed at its start (open-circuit voltage " +
                                     std::to_string(ocv) + " V)");
                  const double cut        = step.voltage;
                  target.beyond_cutoff    = [sign, cut](const StepResult &r) { return sign * (r.voltage - cut); };
                  target.cutoff_tolerance = settings.voltage_cutoff_tolerance;
                }
              break;
            }
          case ProtocolStep::Kind::hold:
            {
              target.control = {Control::Mode::voltage, step.voltage};
              if (step.has_current_limit)
                {
                  const double limit   = step.current.amperes(one_c);
                  target.beyond_cutoff = [limit](const StepResult &r) { return (limit - std::abs(r.current)) / limit; };
                  target.cutoff_tolerance = settings.current_cutoff_tolerance;
                }
              break;
            }
          case ProtocolStep::Kind::rest:
            target.control = {Control::Mode::current, 0.};
            break;
        }
      return target;
    }

    /// The verdict on a converged or failed trial step.
    struct Verdict
    {
      bool   reject        = false;
      bool   landed        = false; ///< within the cut-off's tolerance band
      bool   passed_cutoff = false;
      bool   too_large_change = false; ///< rejected only for max |dx| > 2 Delta x_max
      bool   too_large_change_d = false; ///< rejected only for max |dd| > 2 Delta d_max
      double next_dt       = 0.;    ///< the step to try next after a rejection
    };

    /// @p jump: the change of x is a jump that does not shrink with dt (see run_step), not a reason to reject;
    /// @p brittle likewise for the change of d.
    Verdict judge(const StepResult &result, const double trial_dt, const StepTarget &target,
                  const double previous_distance, const TimeSteppingSettings &settings, const bool jump,
                  const bool brittle)
    {
      Verdict verdict;
      verdict.reject  = !result.converged;
      verdict.next_dt = trial_dt * settings.cut_back_factor;
      if (!verdict.reject && !jump && result.max_change_x > 2. * settings.maximum_change_of_x)
        {
          verdict.reject           = true;
          verdict.too_large_change = true;
          verdict.next_dt = trial_dt * std::max(0.1, 0.9 * settings.maximum_change_of_x / result.max_change_x);
        }
      if (!verdict.reject && !brittle && result.max_change_d > 2. * settings.maximum_change_of_d)
        {
          verdict.reject             = true;
          verdict.too_large_change_d = true;
          verdict.next_dt = trial_dt * std::max(0.1, 0.9 * settings.maximum_change_of_d / result.max_change_d);
        }
      if (verdict.reject || !target.beyond_cutoff)
        return verdict;
      const double distance = target.beyond_cutoff(result);
      if (!std::isfinite(distance))
        verdict.reject = true; // e.g. U(x) undefined at the reached state: a failed step
      else if (distance > 0.)
        {
          // Passed the cut-off: retry with a secant estimate that aims at the
          // middle of the tolerance band, on the safe side.
          verdict.passed_cutoff = true;
          verdict.reject        = true;
          if (!std::isnan(previous_distance) && previous_distance < 0.)
            {
              const double goal   = -0.5 * target.cutoff_tolerance;
              const double factor = (goal - previous_distance) / (distance - previous_distance);
              verdict.next_dt     = trial_dt * std::clamp(factor, 0.05, 0.9);
            }
          else
            verdict.next_dt = trial_dt * 0.5;
        }
      else if (distance >= -target.cutoff_tolerance)
        verdict.landed = true;
      return verdict;
    }
  } // namespace

  void ProtocolRunner::fail_at_minimum_time_step(const std::string &where, const StepResult::Failure failure) const
  {
    if (failure == StepResult::Failure::mechanics)
      throw SolverFailure(where + ": the mechanics solve failed at the minimum time step " +
                          std::to_string(settings.minimum_time_step) + " s, at t = " + std::to_string(current_time) +
                          " s. Raise 'Mechanics/Maximum Newton iterations' or check 'Mechanics/Linear solver'.");
    if (failure == StepResult::Failure::staggered)
      throw SolverFailure(where + ": the staggered fracture iteration did not converge at the minimum "
                          "time step " + std::to_string(settings.minimum_time_step) + " s, at t = " +
                          std::to_string(current_time) + " s (a crack running unstably). Raise "
                          "'Fracture/Maximum staggered iterations' or loosen 'Fracture/Staggered "
                          "tolerance'.");
    throw SolverFailure(where + ": Newton did not converge at the minimum time step " +
                        std::to_string(settings.minimum_time_step) + " s, at t = " + std::to_string(current_time) +
                        " s (last voltage " + std::to_string(last_voltage) +
                        " V). Check the cut-offs against the material's voltage window, or lower "
                        "'Time stepping/Minimum time step'.");
  }

  AcceptedStep ProtocolRunner::accept_step(const StepResult &result, const double dt, const unsigned int index,
                                           const unsigned int cycle, const bool ends_protocol_step,
                                           const bool brittle_event)
  {
    model.accept();
    current_time += dt;
    ++accepted_steps;
    last_voltage = result.voltage;
    AcceptedStep report;
    report.step                = accepted_steps;
    report.time                = current_time;
    report.dt                  = dt;
    report.voltage             = result.voltage;
    report.current             = result.current;
    report.state               = model.summary();
    report.newton_iterations   = result.newton_iterations;
    report.linear_iterations   = result.linear_iterations;
    report.coupling_iterations = result.coupling_iterations;
    report.protocol_step       = index;
    report.cycle               = cycle;
    report.ends_protocol_step  = ends_protocol_step;
    report.rejected_steps      = rejected_since_accept;
    report.brittle_event       = brittle_event;
    rejected_since_accept      = 0;
    return report;
  }

  void ProtocolRunner::run_step(const ProtocolStep &step,
                                const unsigned int  index,
                                const unsigned int  cycle,
                                const Observer     &observer,
                                const State        *resume)
  {
    const bool        resuming = resume != nullptr && resume->elapsed > 0.;
    const std::string where    = "protocol step " + std::to_string(index) + " ('" + step.text + "') of cycle " +
                              std::to_string(cycle);
    const StepTarget target = step_target(step, model, settings, resuming, where);

    double elapsed = 0.;
    double dt      = settings.initial_time_step;
    // The first rejection for too large a change of x (of d) since the last accepted step.
    double jump_dt = 0., jump_change = 0., brittle_dt = 0., brittle_change = 0.;
    // Previous accepted value of beyond_cutoff, for secant landing.
    double previous_distance = std::numeric_limits<double>::quiet_NaN();
    if (resuming)
      {
        elapsed           = resume->elapsed;
        dt                = resume->time_step;
        previous_distance = resume->previous_distance;
      }
    while (true)
      {
        const double remaining    = step.duration - elapsed;
        bool         ends_by_time = false;
        double       trial_dt     = std::min(dt, settings.maximum_time_step);
        if (trial_dt >= remaining * (1. - 1e-12))
          {
            trial_dt     = remaining;
            ends_by_time = true;
          }

        const StepResult result = advance_checked(trial_dt, target.control);
        // A jump (docs/theory.md §5): the surface concentration of a
        // potentiostatic step with fast kinetics changes by the same amount at
        // any dt. Recognised when a step at most a quarter as long changes x
        // by at least 3/4 as much, or at the minimum time step; then accepted
        // and reported, not cut back to failure.
        const bool jump = result.converged && result.max_change_x > 2. * settings.maximum_change_of_x &&
                          ((jump_dt > 0. && trial_dt <= 0.25 * jump_dt && result.max_change_x >= 0.75 * jump_change) ||
                           trial_dt <= settings.minimum_time_step * (1. + 1e-12));
        // A brittle event (docs/theory.md §5): d jumps by as much at a quarter of the step, or at the
        // minimum step: a crack that runs unstably, accepted and reported.
        const bool brittle =
          result.converged && result.max_change_d > 2. * settings.maximum_change_of_d &&
          ((brittle_dt > 0. && trial_dt <= 0.25 * brittle_dt && result.max_change_d >= 0.75 * brittle_change) ||
           trial_dt <= settings.minimum_time_step * (1. + 1e-12));
        Verdict verdict = judge(result, trial_dt, target, previous_distance, settings, jump, brittle);
        if (verdict.too_large_change && !(jump_dt > 0.))
          {
            jump_dt     = trial_dt;
            jump_change = result.max_change_x;
          }
        if (verdict.too_large_change_d && !(brittle_dt > 0.))
          {
            brittle_dt     = trial_dt;
            brittle_change = result.max_change_d;
          }
        if (verdict.reject)
          {
            ++rejected_since_accept;
            const char *reason = "cut-off";
            if (!result.converged)
              switch (result.failure)
                {
                  case StepResult::Failure::coupling:
                    reason = "coupling";
                    break;
                  case StepResult::Failure::mechanics:
                    reason = "mechanics";
                    break;
                  case StepResult::Failure::phase_field:
                    reason = "phase field";
                    break;
                  case StepResult::Failure::staggered:
                    reason = "staggered";
                    break;
                  default:
                    reason = "Newton";
                }
            else if (verdict.too_large_change)
              reason = "change of x";
            else if (verdict.too_large_change_d)
              reason = "change of d";
            ++rejection_counts[reason];
            // Try the minimum step itself before giving up.
            if (verdict.next_dt < settings.minimum_time_step && trial_dt > settings.minimum_time_step * (1. + 1e-12))
              verdict.next_dt = settings.minimum_time_step;
            if (verdict.next_dt < settings.minimum_time_step)
              {
                if (verdict.passed_cutoff)
                  {
                    // The cut-off is passed within the smallest admissible step
                    // (e.g. by the ohmic jump at the start of a step): end the
                    // step here rather than overshoot.
                    warning_list.push_back(where + ": cut-off passed within the minimum time step; step ended");
                    return;
                  }
                fail_at_minimum_time_step(where, result.converged ? StepResult::Failure::none : result.failure);
              }
            dt = verdict.next_dt;
            continue;
          }

        elapsed += trial_dt;
        jump_dt    = 0.;
        brittle_dt = 0.;
        // A jump of x or a brittle event: listed in the warnings (the first three), then counted.
        const auto report_event = [&](unsigned int &count, const char *quantity, const double change,
                                      const char *what, const char *plural) {
          ++count;
          if (count > 3)
            return;
          std::ostringstream message;
          message << where << ": " << quantity << " changed by " << change << " within one step at t = " << current_time
                  << " s whatever the step length (" << what << "), accepted"
                  << (count == 3 ? std::string(" (further ") + plural + " are counted, not listed)" : std::string());
          warning_list.push_back(message.str());
        };
        if (brittle)
          report_event(brittle_count, "d", result.max_change_d, "a brittle event: a crack ran", "events");
        if (jump)
          report_event(jumps, "x", result.max_change_x, "a jump of the surface concentration", "jumps");
        const AcceptedStep report =
          accept_step(result, trial_dt, index, cycle, verdict.landed || ends_by_time, brittle);
        observer(report);
        if (report.ends_protocol_step)
          {
            call_hook(cycle, index + 1, 0., 0., std::numeric_limits<double>::quiet_NaN());
            return;
          }

        if (target.beyond_cutoff)
          previous_distance = target.beyond_cutoff(result);
        // Grow after quick convergence; respect the change-of-x limit.
        double factor = result.newton_iterations <= settings.fast_newton_iterations ? settings.growth_factor : 1.;
        if (result.max_change_x > 0. && !jump)
          factor = std::min(factor, settings.maximum_change_of_x / result.max_change_x);
        // Rounded down to a multiple of 1/32: d agrees between rank counts only to the solver
        // tolerances, and an unrounded factor would let the step sequences drift apart.
        if (result.max_change_d > 0. && !brittle)
          factor = std::min(factor, std::floor(32. * settings.maximum_change_of_d / result.max_change_d) / 32.);
        dt = std::max(trial_dt * std::max(factor, 0.2), settings.minimum_time_step);
        call_hook(cycle, index, elapsed, dt, previous_distance);
      }
  }
} // namespace camfrac
