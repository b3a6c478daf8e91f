// SPDX-License-Identifier: LGPL-2.1-or-later
// The protocol grammar, and the adaptive step driver on a lumped particle
// whose implicit Euler step has a closed form.

#include <camfrac/coupling/protocol.h>
#include <camfrac/coupling/protocol_runner.h>
#include <camfrac/io/errors.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace camfrac;

TEST(ProtocolGrammar, ParsesTheReadableForm)
{
  const auto p = Protocol::parse(
    "charge 1C until 4.3 V; hold 4.3 V until C/20; rest 10 min; discharge 0.5 C until 2800 mV for 3 h; charge 2 nA for 30 s",
    3);
  ASSERT_EQ(p.steps.size(), 5u);
  EXPECT_EQ(p.cycles, 3u);
  EXPECT_EQ(p.steps[0].kind, ProtocolStep::Kind::charge);
  EXPECT_DOUBLE_EQ(p.steps[0].current.value, 1.);
  EXPECT_DOUBLE_EQ(p.steps[0].voltage, 4.3);
  EXPECT_TRUE(std::isinf(p.steps[0].duration));
  EXPECT_EQ(p.steps[1].kind, ProtocolStep::Kind::hold);
  EXPECT_TRUE(p.steps[1].has_current_limit);
  EXPECT_DOUBLE_EQ(p.steps[1].current.value, 0.05);
  EXPECT_DOUBLE_EQ(p.steps[2].duration, 600.);
  EXPECT_EQ(p.steps[3].kind, ProtocolStep::Kind::discharge);
  EXPECT_DOUBLE_EQ(p.steps[3].voltage, 2.8);
  EXPECT_DOUBLE_EQ(p.steps[3].duration, 3. * 3600.);
  EXPECT_FALSE(p.steps[4].current.is_c_rate);
  EXPECT_DOUBLE_EQ(p.steps[4].current.amperes(1.), 2e-9);
}

TEST(ProtocolGrammar, RejectsMalformedStepsNamingThem)
{
  const std::vector<std::pair<std::string, std::string>> bad = {
    {"charge until 4.3 V", "expected a current"},
    {"charge 1C", "needs 'until <voltage>'"},
    {"hold 4.3 V", "needs 'until <current>'"},
    {"rest", "expected a duration"},
    {"charge 1C until 4.3", "voltage unit"},
    {"charge 1C until 4.3 V for 10 parsecs", "time unit"},
    {"jump 1C", "unknown step 'jump'"},
    {"charge 1C until 4.3 V now", "the end of the step"},
    {"charge -1C until 4.3 V", "must be positive"},
    {"rest 1 h;; rest 1 h", "step 2 is empty"},
    {"charge 1C until 42 V", "outside (0, 10] V"},
  };
  for (const auto &[text, expected] : bad)
    {
      try
        {
          Protocol::parse(text, 1);
          ADD_FAILURE() << "accepted: " << text;
        }
      catch (const InputError &error)
        {
          const std::string message = error.what();
          EXPECT_NE(message.find("Protocol/Steps"), std::string::npos) << message;
          EXPECT_NE(message.find(expected), std::string::npos) << message;
        }
    }
}

namespace
{
  /**
   * A lumped particle: uniform x, U(x) = U0 + k (1 - x), ohmic resistance
   * r, capacity Q [C]: dx/dt = -I/Q, V = U(x) + r I. Implicit Euler gives
   *   current control: x1 = x0 - I dt/Q,
   *   voltage control: I = (V - U0 - k(1 - x0)) / (r + k dt/Q).
   * Under CV the current decays exactly geometrically per step.
   */
  class LumpedParticle : public ElectrodeModel
  {
  public:
    double x = 0.9, trial_x = 0.9, U0 = 3.6, k = 1.0, r = 0.05, Q = 3600.;
    double fail_above_dt = 1e300;
    double one_c_current() const override { return Q / 3600.; }
    double open_circuit_voltage() const override { return U0 + k * (1. - x); }
    bool   supports_voltage_control() const override { return true; }
    StepResult advance(const double dt, const Control &control) override
    {
      StepResult s;
      if (dt > fail_above_dt)
        return s;
      double I;
      if (control.mode == Control::Mode::current)
        I = control.value;
      else
        I = (control.value - U0 - k * (1. - x)) / (r + k * dt / Q);
      trial_x           = x - I * dt / Q;
      s.converged       = true;
      s.newton_iterations = 1;
      s.current         = I;
      s.voltage         = U0 + k * (1. - trial_x) + r * I;
      s.max_change_x    = std::abs(trial_x - x);
      return s;
    }
    void         accept() override { x = trial_x; }
    StateSummary summary() const override { return {x, x, x, x * Q}; }
  };

  TimeSteppingSettings settings()
  {
    TimeSteppingSettings s;
    s.initial_time_step        = 1.;
    s.maximum_time_step        = 200.;
    s.voltage_cutoff_tolerance = 1e-3;
    s.current_cutoff_tolerance = 0.01;
    s.maximum_change_of_x      = 0.05;
    return s;
  }
} // namespace

TEST(ProtocolRunner, LandsOnCutoffsFromTheSafeSideAndTimesExactly)
{
  LumpedParticle model;
  const auto     protocol = Protocol::parse("charge 1C until 4.1 V; hold 4.1 V until C/20; rest 7 min; "
                                            "discharge 2C until 3.7 V",
                                        2);
  ProtocolRunner runner(model, protocol, settings());
  std::vector<AcceptedStep> ends;
  double                    rest_time = 0.;
  runner.run([&](const AcceptedStep &s) {
    if (s.protocol_step == 3)
      rest_time += s.dt;
    if (s.ends_protocol_step)
      ends.push_back(s);
  });
  ASSERT_EQ(ends.size(), 8u);
  for (unsigned int cycle = 0; cycle < 2; ++cycle)
    {
      const auto &charge = ends[4 * cycle], &hold = ends[4 * cycle + 1], &discharge = ends[4 * cycle + 3];
      EXPECT_LE(charge.voltage, 4.1);
      EXPECT_GE(charge.voltage, 4.1 - 1e-3);
      // A current cut-off is approached from above: |I| in [I_cut, (1 + tol) I_cut].
      EXPECT_GE(std::abs(hold.current), 0.05);
      EXPECT_LE(std::abs(hold.current), 0.05 * 1.01);
      EXPECT_GE(discharge.voltage, 3.7);
      EXPECT_LE(discharge.voltage, 3.7 + 1e-3);
    }
  EXPECT_NEAR(rest_time, 2 * 420., 1e-9);
}

TEST(ProtocolRunner, ImpossibleProtocolIsAnInputError)
{
  LumpedParticle model; // OCV = 3.7 V
  ProtocolRunner runner(model, Protocol::parse("discharge 1C until 3.9 V", 1), settings());
  try
    {
      runner.run([](const AcceptedStep &) {});
      ADD_FAILURE() << "no error";
    }
  catch (const InputError &error)
    {
      EXPECT_NE(std::string(error.what()).find("already passed at its start"), std::string::npos) << error.what();
    }
}

TEST(ProtocolRunner, NewtonFailureAtMinimumStepIsReported)
{
  LumpedParticle model;
  model.fail_above_dt = 1e-6; // every admissible step "fails"
  ProtocolRunner runner(model, Protocol::parse("charge 1C for 1 h", 1), settings());
  EXPECT_THROW(runner.run([](const AcceptedStep &) {}), SolverFailure);
}

TEST(ProtocolGrammar, RejectsNonFiniteAndOutOfRangeValues)
{
  EXPECT_THROW(Protocol::parse("rest 1e999 s", 1), InputError);
  EXPECT_THROW(Protocol::parse("charge 1C until -50 mV", 1), InputError);
  EXPECT_THROW(Protocol::parse("charge 1C until 0 mV", 1), InputError);
  EXPECT_DOUBLE_EQ(Protocol::parse("charge 1C until 4300 mV", 1).steps[0].voltage, 4.3);
}

TEST(ProtocolRunner, TriesTheMinimumStepBeforeFailing)
{
  // Steps succeed only at dt <= 1.5 * minimum: halving from 1 s skips past
  // that window (1.22e-4 -> 6.1e-5 with minimum 1e-4), so the driver must try
  // the minimum step itself rather than give up.
  LumpedParticle       model;
  TimeSteppingSettings s = settings();
  s.minimum_time_step    = 1e-4;
  s.maximum_time_step    = 1.5e-4;
  s.growth_factor        = 1.;
  model.fail_above_dt    = 1.5e-4;
  s.initial_time_step    = 1.;
  s.maximum_time_step    = 1.;
  ProtocolRunner runner(model, Protocol::parse("charge 1C for 0.001 s", 1), s);
  double         total = 0.;
  EXPECT_NO_THROW(runner.run([&](const AcceptedStep &a) { total += a.dt; }));
  EXPECT_NEAR(total, 1e-3, 1e-12);
}

TEST(ProtocolRunner, LargeChangeOfXIsNotMistakenForACutoff)
{
  // A step rejected for a too-large change of x must be retried, not end the
  // protocol step with a 'cut-off passed' warning.
  LumpedParticle       model;
  TimeSteppingSettings s = settings();
  s.maximum_change_of_x  = 1e-4;
  s.initial_time_step    = 100.;
  ProtocolRunner runner(model, Protocol::parse("charge 1C until 4.1 V", 1), s);
  AcceptedStep   last;
  runner.run([&](const AcceptedStep &a) { last = a; });
  EXPECT_TRUE(runner.warnings().empty());
  EXPECT_LE(last.voltage, 4.1);
  EXPECT_GE(last.voltage, 4.1 - 1e-3);
}
