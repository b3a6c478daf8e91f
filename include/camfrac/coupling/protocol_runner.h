// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/electrode_model.h>
#include <camfrac/coupling/protocol.h>

#include <deal.II/base/parameter_handler.h>

#include <functional>
#include <map>
#include <limits>
#include <ostream>

namespace camfrac
{
  /// Adaptive time-step control, docs/theory.md §5.
  struct TimeSteppingSettings
  {
    double       initial_time_step         = 1.;    ///< [s]
    double       minimum_time_step         = 1e-4;  ///< [s]
    double       maximum_time_step         = 120.;  ///< [s]
    double       growth_factor             = 1.5;   ///< after quick Newton convergence
    double       cut_back_factor           = 0.5;   ///< after failure
    unsigned int fast_newton_iterations    = 4;     ///< grow dt when Newton needs at most this many
    double       maximum_change_of_x       = 0.02;  ///< per step, anywhere in the particle [-]
    double       maximum_change_of_d       = 0.2;   ///< of the phase field per step, anywhere [-]
    double       voltage_cutoff_tolerance  = 1e-3;  ///< land in [V_cut - tol, V_cut] [V]
    double       current_cutoff_tolerance  = 0.01;  ///< land in [I_cut, (1 + tol) I_cut] [-]

    static void declare_parameters(dealii::ParameterHandler &prm);
    void        parse_parameters(dealii::ParameterHandler &prm);
  };

  /// One accepted step, as reported to observers (history, output, progress).
  struct AcceptedStep
  {
    unsigned int step = 0;          ///< running count of accepted steps
    double       time = 0.;         ///< [s] at the end of the step
    double       dt = 0.;           ///< [s]
    double       voltage = 0.;      ///< [V]
    double       current = 0.;      ///< [A], positive on charge
    StateSummary state;
    unsigned int newton_iterations = 0;
    unsigned int linear_iterations = 0;
    unsigned int coupling_iterations = 0; ///< c-u iterations (0 without mechanics)
    unsigned int protocol_step = 0; ///< 1-based index into Protocol::steps
    unsigned int cycle = 0;         ///< 1-based
    bool         ends_protocol_step = false;
    /// Trial steps rejected since the previous accepted step (history.csv rejected_steps).
    unsigned int rejected_steps = 0;
    /// Accepted as a brittle event: d jumped by more than twice the limit at any dt.
    bool         brittle_event = false;
  };

  /**
   * Runs a Protocol on an ElectrodeModel with adaptive implicit time steps.
   * Steps grow after quick Newton convergence, are cut back on failure or on a
   * too large change of x, and land on voltage and current cut-offs from the
   * safe side (never beyond), within the stated tolerances, by secant
   * estimates of the step length. docs/theory.md §5.
   */
  class ProtocolRunner
  {
  public:
    using Observer = std::function<void(const AcceptedStep &)>;

    /// Where the runner stands between two accepted steps: all a restart
    /// needs to continue exactly as the uninterrupted run would.
    struct State
    {
      unsigned int cycle             = 1; ///< 1-based
      unsigned int protocol_step     = 1; ///< 1-based; > steps.size(): the cycle is done
      double       elapsed           = 0.; ///< [s] into the protocol step
      double       time_step         = 0.; ///< next trial dt [s]; 0: the initial time step
      double       previous_distance = std::numeric_limits<double>::quiet_NaN(); ///< secant landing
      double       time              = 0.; ///< [s]
      double       last_voltage      = 0.; ///< [V]
      unsigned int accepted_steps    = 0;
    };
    /// Called after every accepted step (after the observer), with the state
    /// from which the run continues: mesh adaptation and checkpoints happen
    /// here. It may throw (e.g. Interrupted) to stop the run.
    using StepHook = std::function<void(const State &)>;

    ProtocolRunner(ElectrodeModel &model, const Protocol &protocol, const TimeSteppingSettings &settings);

    /// Run all cycles. Throws InputError for an impossible protocol and
    /// SolverFailure if Newton fails at the minimum time step.
    void run(const Observer &observer);
    /// Continue from a state saved by a step hook (restart).
    void run(const Observer &observer, const State &resume);
    void set_step_hook(StepHook hook) { step_hook = std::move(hook); }
    /**
     * Called after every converged trial step, before the step is checked
     * against the change-of-x limit and the cut-offs and accepted. It returns
     * true when it changed the model's discretisation from the accepted state
     * (the corrector of adaptive refinement re-meshes where the trial crack
     * went, docs/theory.md §12.3); the runner then solves the step again with
     * the same dt. The time loop owns re-solving: no model calls back up.
     */
    using TrialCheck = std::function<bool()>;
    void set_trial_check(TrialCheck check) { trial_check = std::move(check); }

    /// Warnings (e.g. a cut-off reached within the minimum step); rank-uniform.
    const std::vector<std::string> &warnings() const { return warning_list; }
    /// Rejected trial steps so far by reason ("Newton", "coupling", "mechanics", "phase field",
    /// "staggered", "change of x", "change of d", "cut-off"), and the brittle events accepted.
    const std::map<std::string, unsigned int> &rejections() const { return rejection_counts; }
    unsigned int                               brittle_events() const { return brittle_count; }

    double time() const { return current_time; }

  private:
    ElectrodeModel            &model;
    const Protocol             protocol;
    const TimeSteppingSettings settings;
    double                     current_time = 0.;
    double                     time_step;
    double                     last_voltage;
    unsigned int               accepted_steps = 0;
    std::vector<std::string>   warning_list;
    unsigned int               jumps = 0; ///< steps accepted as a jump of x (run_step)
    unsigned int               brittle_count = 0; ///< steps accepted as a brittle event (run_step)
    std::map<std::string, unsigned int> rejection_counts;
    unsigned int               rejected_since_accept = 0;
    StepHook                   step_hook;
    TrialCheck                 trial_check;

    /// model.advance(), repeated while the trial check re-meshes; the linear
    /// iterations of all solves are summed.
    StepResult advance_checked(double dt, const Control &control);

    void run_step(const ProtocolStep &step, unsigned int index, unsigned int cycle, const Observer &observer,
                  const State *resume);
    void call_hook(unsigned int cycle, unsigned int index, double elapsed, double dt, double previous_distance);
    /// Accept the converged trial of @p dt and report it.
    AcceptedStep accept_step(const StepResult &result, double dt, unsigned int index, unsigned int cycle,
                             bool ends_protocol_step, bool brittle_event);
    /// The solver error of a step that failed at the minimum time step.
    [[noreturn]] void fail_at_minimum_time_step(const std::string &where, StepResult::Failure failure) const;
  };
} // namespace camfrac
