// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The cycling protocol: its grammar, and the adaptive time-step driver that
// runs it on any ElectrodeModel and lands on the cut-offs.

#include <camfrac/coupling/protocol.h>
#include <camfrac/coupling/protocol_runner.h>
#include <camfrac/io/errors.h>

#include <deal.II/base/utilities.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace camfrac
{
  namespace
  {
    struct Token
    {
      bool        is_number = false;
      double      number    = 0.;
      std::string word;
    };

    std::vector<Token> tokenize(const std::string &text, const std::string &context)
    {
      std::vector<Token> tokens;
      std::size_t        k = 0;
      while (k < text.size())
        {
          const char ch = text[k];
          if (std::isspace(static_cast<unsigned char>(ch)))
            ++k;
          else if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '.' ||
                   ((ch == '+' || ch == '-') && k + 1 < text.size() &&
                    (std::isdigit(static_cast<unsigned char>(text[k + 1])) || text[k + 1] == '.')))
            {
              const char *begin = text.c_str() + k;
              char       *end   = nullptr;
              const double v    = std::strtod(begin, &end);
              if (end == begin)
                throw InputError(context + ": cannot read a number at '" + text.substr(k) + "'");
              tokens.push_back({true, v, ""});
              k += end - begin;
            }
          else if (std::isalpha(static_cast<unsigned char>(ch)))
            {
              std::string word;
              while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k])))
                word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[k++])));
              tokens.push_back({false, 0., word});
            }
          else if (ch == '/')
            {
              tokens.push_back({false, 0., "/"});
              ++k;
            }
          else
            throw InputError(context + ": unexpected character '" + std::string(1, ch) + "'");
        }
      return tokens;
    }

    class StepParser
    {
    public:
      StepParser(const std::string &text, const std::string &context)
        : tokens(tokenize(text, context))
        , context(context)
      {}

      bool at_end() const { return position >= tokens.size(); }
      bool next_is(const std::string &word) const
      {
        return !at_end() && !tokens[position].is_number && tokens[position].word == word;
      }
      std::string next_description() const
      {
        if (at_end())
          return "the end of the step";
        return tokens[position].is_number ? "a number" : "'" + tokens[position].word + "'";
      }
      [[noreturn]] void fail(const std::string &expected) const
      {
        throw InputError(context + ": expected " + expected + " but found " + next_description());
      }
      std::string word()
      {
        if (at_end() || tokens[position].is_number)
          fail("a keyword (charge, discharge, hold, rest)");
        return tokens[position++].word;
      }
      void expect(const std::string &word)
      {
        if (!next_is(word))
          fail("'" + word + "'");
        ++position;
      }

      CurrentSpec current()
      {
        CurrentSpec spec;
        if (next_is("c"))
          {
            ++position;
            if (next_is("/"))
              {
                ++position;
                if (at_end() || !tokens[position].is_number || !(tokens[position].number > 0.))
                  fail("a positive number after 'C/'");
                spec.value = 1. / tokens[position++].number;
              }
            else
              spec.value = 1.;
            return spec;
          }
        if (at_end() || !tokens[position].is_number)
          fail("a current such as '1C', 'C/20' or '2 nA'");
        const double value = tokens[position++].number;
        if (!(value > 0.) || !std::isfinite(value))
          throw InputError(context + ": a current must be positive and finite (the step's keyword sets its sign)");
        static const std::vector<std::pair<std::string, double>> amperes = {
          {"a", 1.}, {"ma", 1e-3}, {"ua", 1e-6}, {"na", 1e-9}, {"pa", 1e-12}};
        if (next_is("c"))
          {
            ++position;
            spec.value = value;
            return spec;
          }
        for (const auto &[unit, factor] : amperes)
          if (next_is(unit))
            {
              ++position;
              spec.value     = value * factor;
              spec.is_c_rate = false;
              return spec;
            }
        fail("a current unit ('C', 'A', 'mA', 'uA', 'nA' or 'pA')");
      }

      double voltage()
      {
        if (at_end() || !tokens[position].is_number)
          fail("a voltage such as '4.3 V'");
        double value = tokens[position++].number;
        if (next_is("v"))
          ++position;
        else if (next_is("mv"))
          {
            ++position;
            value *= 1e-3;
          }
        else
          fail("a voltage unit ('V' or 'mV')");
        if (!(value > 0.) || value > 10.)
          throw InputError(context + ": the voltage " + std::to_string(value) + " V is outside (0, 10] V");
        return value;
      }

      double duration()
      {
        if (at_end() || !tokens[position].is_number)
          fail("a duration such as '10 min'");
        const double value = tokens[position++].number;
        if (!(value > 0.))
          throw InputError(context + ": a duration must be positive");
        static const std::vector<std::pair<std::string, double>> units = {
          {"s", 1.}, {"sec", 1.}, {"min", 60.}, {"h", 3600.}, {"hr", 3600.}, {"hours", 3600.}, {"hour", 3600.}};
        for (const auto &[unit, factor] : units)
          if (next_is(unit))
            {
              ++position;
              if (!std::isfinite(value * factor))
                throw InputError(context + ": the duration is not a finite number");
              return value * factor;
            }
        fail("a time unit ('s', 'min' or 'h')");
      }

    private:
      std::vector<Token> tokens;
      std::size_t        position = 0;
      std::string        context;
    };

  } // namespace

  Protocol Protocol::parse(const std::string &text, const unsigned int cycles)
  {
    Protocol protocol;
    protocol.cycles = cycles;
    std::stringstream stream(text);
    std::string       item;
    unsigned int      index = 0;
    while (std::getline(stream, item, ';'))
      {
        ++index;
        item = dealii::Utilities::trim(item);
        const std::string context =
          "parameter 'Protocol/Steps', step " + std::to_string(index) + " '" + item + "'";
        if (item.empty())
          throw InputError("parameter 'Protocol/Steps', step " + std::to_string(index) + " is empty");
        StepParser   parser(item, context);
        ProtocolStep step;
        step.text             = item;
        const std::string key = parser.word();
        if (key == "charge" || key == "discharge")
          {
            step.kind    = key == "charge" ? ProtocolStep::Kind::charge : ProtocolStep::Kind::discharge;
            step.current = parser.current();
            if (parser.next_is("until"))
              {
                parser.expect("until");
                step.voltage = parser.voltage();
              }
            if (parser.next_is("for"))
              {
                parser.expect("for");
                step.duration = parser.duration();
              }
            if (std::isnan(step.voltage) && std::isinf(step.duration))
              throw InputError(context + ": a " + key + " step needs 'until <voltage>', 'for <duration>' or both");
          }
        else if (key == "hold")
          {
            step.kind    = ProtocolStep::Kind::hold;
            step.voltage = parser.voltage();
            if (parser.next_is("until"))
              {
                parser.expect("until");
                step.current           = parser.current();
                step.has_current_limit = true;
              }
            if (parser.next_is("for"))
              {
                parser.expect("for");
                step.duration = parser.duration();
              }
            if (!step.has_current_limit && std::isinf(step.duration))
              throw InputError(context + ": a hold step needs 'until <current>', 'for <duration>' or both");
          }
        else if (key == "rest")
          {
            step.kind = ProtocolStep::Kind::rest;
            if (parser.next_is("for"))
              parser.expect("for");
            step.duration = parser.duration();
          }
        else
          throw InputError(context + ": unknown step '" + key + "' (use charge, discharge, hold or rest)");
        if (!parser.at_end())
          parser.fail("the end of the step (steps are separated by ';')");
        protocol.steps.push_back(step);
      }
    if (protocol.steps.empty())
      throw InputError("parameter 'Protocol/Steps' holds no step");
    return protocol;
  }

  void Protocol::declare_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Protocol");
    prm.declare_entry("Steps", "charge 1C until 4.3 V; hold 4.3 V until C/20; rest 10 min; discharge 1C until 3.5 V",
                      dealii::Patterns::Anything(),
                      "The cycling protocol: steps separated by ';'. Each step is one of "
                      "'charge <I> [until <V>] [for <t>]', 'discharge <I> [until <V>] [for <t>]', "
                      "'hold <V> [until <I>] [for <t>]', 'rest <t>'. <I> is a C-rate ('1C', '0.5 C', 'C/20') or a "
                      "current ('2 nA'), <V> a voltage ('4.3 V', '4300 mV'), <t> a time ('30 s', '10 min', '2 h'). "
                      "Charge delithiates (positive current). A step ends at whichever of its limits comes first.");
    prm.declare_entry("Number of cycles", "1", dealii::Patterns::Integer(1), "How many times the step list runs [-], >= 1.");
    prm.leave_subsection();
  }

  Protocol Protocol::from_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Protocol");
    const std::string  steps  = prm.get("Steps");
    const unsigned int cycles = prm.get_integer("Number of cycles");
    prm.leave_subsection();
    return parse(steps, cycles);
  }

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

  void ProtocolRunner::run_step(const ProtocolStep &step,
                                const unsigned int  index,
                                const unsigned int  cycle,
                                const Observer     &observer,
                                const State        *resume)
  {
    const bool resuming = resume != nullptr && resume->elapsed > 0.;
    const std::string where = "protocol step " + std::to_string(index) + " ('" + step.text + "') of cycle " +
                              std::to_string(cycle);
    const double one_c = model.one_c_current();

    Control control;
    // Signed distance to the cut-off: > 0 means the cut-off has been passed.
    std::function<double(const StepResult &)> beyond_cutoff;
    double                                    cutoff_tolerance = 0.;
    switch (step.kind)
      {
        case ProtocolStep::Kind::charge:
        case ProtocolStep::Kind::discharge:
          {
            const double sign = step.kind == ProtocolStep::Kind::charge ? 1. : -1.;
            control           = {Control::Mode::current, sign * step.current.amperes(one_c)};
            if (!std::isnan(step.voltage))
              {
                // Impossible: the open-circuit voltage is already beyond the cut-off.
                const double ocv = model.open_circuit_voltage();
                if (!resuming && sign * (ocv - step.voltage) >= 0.)
                  throw InputError(where + " cannot run: its cut-off " + std::to_string(step.voltage) +
                                   " V is already passed at its start (open-circuit voltage " + std::to_string(ocv) +
                                   " V)");
                const double cut = step.voltage;
                beyond_cutoff    = [sign, cut](const StepResult &r) { return sign * (r.voltage - cut); };
                cutoff_tolerance = settings.voltage_cutoff_tolerance;
              }
            break;
          }
        case ProtocolStep::Kind::hold:
          {
            control = {Control::Mode::voltage, step.voltage};
            if (step.has_current_limit)
              {
                const double limit = step.current.amperes(one_c);
                beyond_cutoff      = [limit](const StepResult &r) { return (limit - std::abs(r.current)) / limit; };
                cutoff_tolerance   = settings.current_cutoff_tolerance;
              }
            break;
          }
        case ProtocolStep::Kind::rest:
          control = {Control::Mode::current, 0.};
          break;
      }

    double       elapsed = 0.;
    double       dt      = settings.initial_time_step;
    // Previous accepted value of beyond_cutoff, for secant landing.
    double       previous_distance = std::numeric_limits<double>::quiet_NaN();
    if (resuming)
      {
        elapsed           = resume->elapsed;
        dt                = resume->time_step;
        previous_distance = resume->previous_distance;
      }
    while (true)
      {
        const double remaining = step.duration - elapsed;
        bool         ends_by_time = false;
        double       trial_dt     = std::min(dt, settings.maximum_time_step);
        if (trial_dt >= remaining * (1. - 1e-12))
          {
            trial_dt     = remaining;
            ends_by_time = true;
          }

        const StepResult result = model.advance(trial_dt, control);
        bool             reject = !result.converged;
        const bool       staggered_failure = reject && result.staggered_failure;
        double           next_dt = trial_dt * settings.cut_back_factor;
        bool             landed  = false;
        bool             passed_cutoff = false;

        if (!reject && result.max_change_x > 2. * settings.maximum_change_of_x)
          {
            reject  = true;
            next_dt = trial_dt * std::max(0.1, 0.9 * settings.maximum_change_of_x / result.max_change_x);
          }
        if (!reject && beyond_cutoff)
          {
            const double distance = beyond_cutoff(result);
            if (!std::isfinite(distance))
              reject = true; // e.g. U(x) undefined at the reached state: a failed step
            else if (distance > 0.)
              {
                passed_cutoff = true;
                // Passed the cut-off: retry with a secant estimate that aims at
                // the middle of the tolerance band, on the safe side.
                reject = true;
                if (!std::isnan(previous_distance) && previous_distance < 0.)
                  {
                    const double target = -0.5 * cutoff_tolerance;
                    const double factor = (target - previous_distance) / (distance - previous_distance);
                    next_dt             = trial_dt * std::clamp(factor, 0.05, 0.9);
                  }
                else
                  next_dt = trial_dt * 0.5;
              }
            else if (distance >= -cutoff_tolerance)
              landed = true;
          }

        if (reject)
          {
            // Try the minimum step itself before giving up.
            if (next_dt < settings.minimum_time_step && trial_dt > settings.minimum_time_step * (1. + 1e-12))
              next_dt = settings.minimum_time_step;
            if (next_dt < settings.minimum_time_step)
              {
                if (passed_cutoff)
                  {
                    // The cut-off is passed within the smallest admissible step
                    // (e.g. by the ohmic jump at the start of a step): end the
                    // step here rather than overshoot.
                    warning_list.push_back(where + ": cut-off passed within the minimum time step; step ended");
                    return;
                  }
                if (staggered_failure)
                  throw SolverFailure(where + ": the staggered fracture iteration did not converge at the minimum "
                                      "time step " + std::to_string(settings.minimum_time_step) + " s, at t = " +
                                      std::to_string(current_time) + " s (a crack running unstably). Raise "
                                      "'Fracture/Maximum staggered iterations' or loosen 'Fracture/Staggered "
                                      "tolerance'.");
                throw SolverFailure(where + ": Newton did not converge at the minimum time step " +
                                    std::to_string(settings.minimum_time_step) + " s, at t = " +
                                    std::to_string(current_time) + " s (last voltage " + std::to_string(last_voltage) +
                                    " V). Check the cut-offs against the material's voltage window, or lower "
                                    "'Time stepping/Minimum time step'.");
              }
            dt = next_dt;
            continue;
          }

        model.accept();
        elapsed += trial_dt;
        current_time += trial_dt;
        ++accepted_steps;
        last_voltage = result.voltage;
        AcceptedStep report;
        report.step               = accepted_steps;
        report.time               = current_time;
        report.dt                 = trial_dt;
        report.voltage            = result.voltage;
        report.current            = result.current;
        report.state              = model.summary();
        report.newton_iterations  = result.newton_iterations;
        report.linear_iterations  = result.linear_iterations;
        report.coupling_iterations = result.coupling_iterations;
        report.protocol_step      = index;
        report.cycle              = cycle;
        report.ends_protocol_step = landed || ends_by_time;
        observer(report);
        if (report.ends_protocol_step)
          {
            call_hook(cycle, index + 1, 0., 0., std::numeric_limits<double>::quiet_NaN());
            return;
          }

        if (beyond_cutoff)
          previous_distance = beyond_cutoff(result);
        // Grow after quick convergence; respect the change-of-x limit.
        double factor = result.newton_iterations <= settings.fast_newton_iterations ? settings.growth_factor : 1.;
        if (result.max_change_x > 0.)
          factor = std::min(factor, settings.maximum_change_of_x / result.max_change_x);
        dt = std::max(trial_dt * std::max(factor, 0.2), settings.minimum_time_step);
        call_hook(cycle, index, elapsed, dt, previous_distance);
      }
  }
} // namespace camfrac
