// SPDX-License-Identifier: LGPL-2.1-or-later
// Butler–Volmer and the galvanostatic constraint against closed forms, Li
// conservation, and cut-off landing of the real particle model.

#include <camfrac/coupling/protocol_runner.h>
#include <camfrac/coupling/transport_model.h>
#include <camfrac/io/errors.h>
#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/butler_volmer.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/function.h>

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

using namespace camfrac;

namespace
{
  struct Particle2D
  {
    ParticleGeometry                                geometry;
    ElectrodeMaterial                               material;
    TransportSettings                               settings;
    dealii::parallel::distributed::Triangulation<2> tria{MPI_COMM_WORLD};
    std::unique_ptr<TransportField<2, TrilinosBackend>> field;

    explicit Particle2D(double diffusivity, double film = 0., unsigned int refinements = 3, double x0 = 0.8,
                        double rate_constant = 3.5446e-11, unsigned int newton_iterations = 12)
    {
      geometry.radius             = 2e-6;
      geometry.global_refinements = refinements;
      geometry.create(tria);
      // NMC811 defaults (OCP fit, kinetics) with a chosen constant D.
      material.open_circuit_potential = MaterialCurve::expression(
        "-0.8090*x + 4.4875 - 0.0428*tanh(18.5138*(x - 0.5542)) - 17.7326*tanh(15.7890*(x - 0.3117))"
        " + 17.5842*tanh(15.9308*(x - 0.3120))",
        "test");
      material.diffusivity     = MaterialCurve::constant(diffusivity);
      material.film_resistance = film;
      material.rate_constant         = rate_constant;
      settings.initial_stoichiometry = x0;
      settings.maximum_newton_iterations = newton_iterations;
      field = std::make_unique<TransportField<2, TrilinosBackend>>(tria, material, settings,
                                                                   geometry.nominal_volume<2>());
      field->setup();
    }
  };
} // namespace

TEST(ButlerVolmerParticle, SmallCurrentGivesChargeTransferResistance)
{
  // Very fast diffusion: x stays uniform, and at small current
  // V - U(x) = i (R_ct + R_film), R_ct = RT/(F i_0) [Ohm m^2].
  const double film = 2e-3;
  Particle2D   p(1e-9, film);
  const double I    = 1e-3 * p.field->one_c_current();
  const auto   r    = p.field->advance(1., {Control::Mode::current, I});
  ASSERT_TRUE(r.converged);
  p.field->accept();
  const double x   = p.field->summary().mean_x;
  const double i   = I / p.field->surface_area();
  const double i0  = p.material.exchange_current_density(x * p.material.maximum_concentration);
  const double expected = i * (p.material.thermal_voltage() / i0 + film);
  const double measured = r.voltage - p.material.open_circuit_potential.value(x);
  std::cout << "  linear regime: eta = " << measured << " V, i (R_ct + R_film) = " << expected << " V" << std::endl;
  EXPECT_NEAR(measured / expected, 1., 0.01);
}

TEST(ButlerVolmerParticle, LargeDiffusivityVoltageIsOcvPlusExactOverpotential)
{
  // V = U(x_mean) + (2RT/F) asinh(i/(2 i_0)) + i R_film for alpha = 1/2.
  const double film = 5e-3;
  Particle2D   p(1e-9, film);
  for (const double rate : {2., -3.})
    {
      const double I = rate * p.field->one_c_current();
      const auto   r = p.field->advance(20., {Control::Mode::current, I});
      ASSERT_TRUE(r.converged);
      p.field->accept();
      const auto   s  = p.field->summary();
      const double i  = I / p.field->surface_area();
      const double i0 = p.material.exchange_current_density(s.mean_x * p.material.maximum_concentration);
      const double V  = p.material.open_circuit_potential.value(s.mean_x) +
                       2. * p.material.thermal_voltage() * std::asinh(i / (2. * i0)) + i * film;
      std::cout << "  " << rate << "C: V = " << r.voltage << " V, closed form " << V << " V, x spread "
                << s.max_x - s.min_x << std::endl;
      EXPECT_NEAR(r.voltage, V, 2e-5);
    }
}

TEST(Conservation, LithiumChangeEqualsChargePassed)
{
  // d/dt int c dV = -I/F, summed over a CC-CV-rest-discharge protocol.
  Particle2D     p(5e-15, 1e-3);
  TimeSteppingSettings ts;
  ts.maximum_time_step = 60.;
  TransportModel transport_model(*p.field);
  ProtocolRunner runner(transport_model, Protocol::parse("charge 2C until 4.1 V; hold 4.1 V until C/10; rest 5 min; "
                                                 "discharge 1C for 10 min",
                                                 1),
                        ts);
  double       lithium = p.field->summary().lithium_mol, charge = 0., worst = 0.;
  const double initial = lithium;
  runner.run([&](const AcceptedStep &s) {
    charge += s.current * s.dt;
    const double step_error = (s.state.lithium_mol - lithium) + s.current * s.dt / constants::faraday;
    worst                   = std::max(worst, std::abs(step_error));
    lithium                 = s.state.lithium_mol;
  });
  const double balance = (lithium - initial) + charge / constants::faraday;
  std::cout << "  Li balance: change " << lithium - initial << " mol/m, charge/F " << charge / constants::faraday
            << " mol/m, relative mismatch " << std::abs(balance) / std::abs(charge / constants::faraday)
            << ", worst single-step mismatch / total " << worst / std::abs(charge / constants::faraday) << std::endl;
  EXPECT_LT(std::abs(balance), 1e-8 * std::abs(charge / constants::faraday));
  EXPECT_LT(worst, 1e-9 * std::abs(charge / constants::faraday));
}

TEST(StateSummary, HeterogeneityOfALinearFieldOnADisk)
{
  // x = x0 (1 + a X/R) on a disk of radius R: mean x0, and the volume standard
  // deviation x0 a sqrt(<X^2>)/R = x0 a / 2 (<X^2> = R^2/4 over a disk).
  Particle2D   p(1e-14, 0., 4, 0.5);
  const double x0 = 0.5, a = 0.4, c_max = p.material.maximum_concentration, R = p.geometry.radius;
  p.field->set_concentration(dealii::ScalarFunctionFromFunctionObject<2>(
    [&](const dealii::Point<2> &X) { return c_max * x0 * (1. + a * X[0] / R); }));
  const auto s = p.field->summary();
  std::cout << "  mean_x " << s.mean_x << " (exact 0.5), std_x " << s.std_x << " (exact " << x0 * a / 2. << ")"
            << std::endl;
  EXPECT_NEAR(s.mean_x, x0, 1e-6);
  EXPECT_NEAR(s.std_x, x0 * a / 2., 1e-3 * x0 * a / 2.);
  // A uniform field has none.
  p.field->set_uniform_concentration(0.3 * c_max);
  EXPECT_LT(p.field->summary().std_x, 1e-7);
}

TEST(ProtocolOnParticle, CcCvRestSwitchesLandOnTheirCutoffs)
{
  Particle2D           p(5e-15);
  TimeSteppingSettings ts;
  ts.voltage_cutoff_tolerance = 5e-4;
  ts.current_cutoff_tolerance = 0.005;
  TransportModel transport_model(*p.field);
  ProtocolRunner runner(transport_model, Protocol::parse("charge 3C until 4.15 V; hold 4.15 V until C/10; rest 3 min; "
                                                 "discharge 2C until 3.7 V",
                                                 1),
                        ts);
  std::vector<AcceptedStep> ends;
  double                    rest = 0.;
  runner.run([&](const AcceptedStep &s) {
    if (s.protocol_step == 3)
      rest += s.dt;
    if (s.ends_protocol_step)
      ends.push_back(s);
  });
  ASSERT_EQ(ends.size(), 4u);
  const double one_c = p.field->one_c_current();
  std::cout << "  CC end " << ends[0].voltage << " V, CV end " << ends[1].current / one_c << " C, rest " << rest
            << " s, discharge end " << ends[3].voltage << " V" << std::endl;
  EXPECT_LE(ends[0].voltage, 4.15);
  EXPECT_GE(ends[0].voltage, 4.15 - 5e-4);
  EXPECT_GE(ends[1].current, 0.1 * one_c);
  EXPECT_LE(ends[1].current, 0.1 * one_c * (1. + 0.005));
  EXPECT_NEAR(rest, 180., 1e-9);
  EXPECT_GE(ends[3].voltage, 3.7);
  EXPECT_LE(ends[3].voltage, 3.7 + 5e-4);
}

TEST(LinearSolvers, DirectAndAmgAgreeForBothBackends)
{
  // The same galvanostatic step with GMRES+AMG and with the direct solver
  // (KLU for Trilinos, MUMPS for PETSc), on both backends.
  ParticleGeometry geometry;
  geometry.radius             = 2e-6;
  geometry.global_refinements = 2;
  ElectrodeMaterial material;
  material.open_circuit_potential = MaterialCurve::expression("4.4875 - 0.8090*x - 0.3*tanh(5*(x - 0.5))", "test");
  material.diffusivity            = MaterialCurve::expression("1e-14*(1 + x)", "test");
  std::vector<double> voltages;
  for (const bool direct : {false, true})
    for (const bool petsc : {false, true})
      {
        TransportSettings settings;
        settings.initial_stoichiometry = 0.8;
        settings.linear_solver.method = direct ? LinearSolverSettings::Method::direct : LinearSolverSettings::Method::amg;
        dealii::parallel::distributed::Triangulation<2> tria(MPI_COMM_WORLD);
        geometry.create(tria);
        auto step = [&](auto &field) {
          field.setup();
          double v = 0.;
          for (unsigned int k = 0; k < 3; ++k)
            {
              const auto r = field.advance(30., {Control::Mode::current, 2. * field.one_c_current()});
              EXPECT_TRUE(r.converged);
              field.accept();
              v = r.voltage;
            }
          return v;
        };
        if (petsc)
          {
            TransportField<2, PETScBackend> field(tria, material, settings, geometry.nominal_volume<2>());
            voltages.push_back(step(field));
          }
        else
          {
            TransportField<2, TrilinosBackend> field(tria, material, settings, geometry.nominal_volume<2>());
            voltages.push_back(step(field));
          }
      }
  for (const double v : voltages)
    EXPECT_NEAR(v, voltages.front(), 1e-9);
}

// Electrolyte infiltration (docs/theory.md §11.7): crack faces with area
// a [1/m] per volume react like the outer surface. The Li inventory still
// changes by exactly -int I dt / F, with the crack current counted in I, and
// the extra reactive area lowers the overpotential, so the constant-current
// charge reaches its cut-off later.
TEST(Infiltration, CrackFacesReactAndConserveLithiumAndCharge)
{
  std::vector<double> cutoff_time;
  for (const bool infiltrated : {false, true})
    {
      Particle2D p(5e-15, 1e-3);
      if (infiltrated)
        {
          const unsigned int  n_q = 4; // QGauss(2) of Q1
          std::vector<double> area(p.tria.n_active_cells() * n_q, 0.);
          for (const auto &cell : p.tria.active_cell_iterators())
            if (cell->is_locally_owned() && cell->center().norm() > 1e-6)
              for (unsigned int q = 0; q < n_q; ++q)
                area[cell->active_cell_index() * n_q + q] = 2e6; // two faces per 1 um of crack
          p.field->set_crack_surface_density(area);
        }
      TimeSteppingSettings ts;
      ts.maximum_time_step = 60.;
      TransportModel transport_model(*p.field);
      ProtocolRunner runner(transport_model,
                            Protocol::parse("charge 2C until 4.1 V; hold 4.1 V until C/10; rest 5 min; "
                                            "discharge 1C for 10 min",
                                            1),
                            ts);
      double       lithium = p.field->summary().lithium_mol, charge = 0., worst = 0., end_of_cc = 0.;
      int          first_step = -1;
      const auto   runner_first_step = [&](const AcceptedStep &s) {
        if (first_step < 0)
          first_step = static_cast<int>(s.protocol_step);
        return static_cast<decltype(s.protocol_step)>(first_step);
      };
      const double initial = lithium;
      runner.run([&](const AcceptedStep &s) {
        charge += s.current * s.dt;
        worst   = std::max(worst, std::abs((s.state.lithium_mol - lithium) + s.current * s.dt / constants::faraday));
        lithium = s.state.lithium_mol;
        if (s.protocol_step == runner_first_step(s))
          end_of_cc = s.time;
      });
      const double balance = (lithium - initial) + charge / constants::faraday;
      std::cout << "  infiltration " << infiltrated << ": CC charge to 4.1 V in " << end_of_cc
                << " s, Li balance relative mismatch " << std::abs(balance) / std::abs(charge / constants::faraday)
                << std::endl;
      EXPECT_LT(std::abs(balance), 1e-8 * std::abs(charge / constants::faraday));
      EXPECT_LT(worst, 1e-9 * std::abs(charge / constants::faraday));
      cutoff_time.push_back(end_of_cc);
    }
  EXPECT_GT(cutoff_time[1], 1.05 * cutoff_time[0]);
}

namespace
{
  /// x with U(x) = @p voltage for the NMC811 fit of Particle2D (U falls with x: bisection).
  double nmc811_x_at(const double voltage)
  {
    const MaterialCurve U = MaterialCurve::expression(
      "-0.8090*x + 4.4875 - 0.0428*tanh(18.5138*(x - 0.5542)) - 17.7326*tanh(15.7890*(x - 0.3117))"
      " + 17.5842*tanh(15.9308*(x - 0.3120))",
      "test");
    double lo = 0.3, hi = 0.99;
    for (int k = 0; k < 60; ++k)
      (U.value(0.5 * (lo + hi)) > voltage ? lo : hi) = 0.5 * (lo + hi);
    return 0.5 * (lo + hi);
  }
} // namespace

TEST(PotentiostaticStep, HoldFarFromOpenCircuitConvergesWithFastKinetics)
{
  // The step of PITT and of potentiostatic stress experiments: from rest at
  // 3.6 V, hold 4.0 V with kinetics 3000x faster than NMC811's. The surface
  // must jump from x(3.6 V) to about x(4.0 V) within the first step; Newton
  // alone cannot follow the exponential Butler-Volmer term that far, the
  // continuation in phi can (docs/theory.md §5).
  Particle2D           p(1e-14, 0., 3, nmc811_x_at(3.6), 1e-7);
  TimeSteppingSettings ts;
  TransportModel       transport_model(*p.field);
  ProtocolRunner       runner(transport_model, Protocol::parse("hold 4.0 V until C/20", 1), ts);
  double       lithium = p.field->summary().lithium_mol, charge = 0., worst = 0.;
  unsigned int steps   = 0;
  AcceptedStep first, last;
  runner.run([&](const AcceptedStep &s) {
    if (steps++ == 0)
      first = s;
    last = s;
    charge += s.current * s.dt;
    worst   = std::max(worst, std::abs((s.state.lithium_mol - lithium) + s.current * s.dt / constants::faraday));
    lithium = s.state.lithium_mol;
  });
  const double one_c = p.field->one_c_current();
  std::cout << "  hold 4.0 V from 3.6 V, k0 = 1e-7: " << steps << " steps, first step dt = " << first.dt
            << " s with " << first.newton_iterations << " Newton iterations, I = " << first.current / one_c
            << " C; end after " << last.time << " s at " << last.current / one_c
            << " C, surface U = " << p.field->open_circuit_voltage() << " V, Li balance worst step "
            << worst / std::abs(charge / constants::faraday) << std::endl;
  ASSERT_GT(steps, 1u);
  EXPECT_GT(first.current, 20. * one_c); // the surface jump: a large initial current
  EXPECT_LE(last.current, one_c / 20. * (1. + ts.current_cutoff_tolerance));
  // Fast kinetics: the surface sits at the held potential (eta ~ i/i0 RT/F).
  EXPECT_NEAR(p.field->open_circuit_voltage(), 4.0, 2e-3);
  EXPECT_LT(worst, 1e-9 * std::abs(charge / constants::faraday));
}

TEST(PotentiostaticStep, ContinuationInPotentialReachesTheDirectSolution)
{
  // A long first step of a 3.6 -> 4.2 V hold: plain Newton (12 iterations)
  // fails, the continuation in phi converges. Reference: the same step by
  // Newton allowed 400 iterations, which creeps to the same root.
  const double x0 = nmc811_x_at(3.6);
  Particle2D   p(1e-14, 0., 3, x0, 1e-7);
  Particle2D   reference(1e-14, 0., 3, x0, 1e-7, 400);
  const Control hold{Control::Mode::voltage, 4.2};
  const auto    r = p.field->advance(10., hold);
  const auto    r_ref = reference.field->advance(10., hold);
  ASSERT_TRUE(r.converged);
  ASSERT_TRUE(r_ref.converged);
  double difference = 0.;
  for (const auto i : p.field->trial_concentration().locally_owned_elements())
    difference = std::max(difference, std::abs(p.field->trial_concentration()[i] -
                                                reference.field->trial_concentration()[i]));
  difference /= p.material.maximum_concentration;
  std::cout << "  continuation: " << r.continuation_stages << " stages, " << r.newton_iterations
            << " Newton iterations in all; plain Newton needed " << r_ref.newton_iterations
            << "; max |x - x_ref| = " << difference << ", I = " << r.current << " A vs " << r_ref.current << " A"
            << std::endl;
  EXPECT_GT(r.continuation_stages, 0u);
  EXPECT_GT(r_ref.newton_iterations, 12u);
  EXPECT_LT(difference, 1e-8);
  EXPECT_NEAR(r.current / r_ref.current, 1., 1e-7);
}
