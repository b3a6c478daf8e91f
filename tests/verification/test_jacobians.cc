// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Finite-difference checks of the hand-written derivatives
// (docs/verification.md §K):
//  - the transport Newton system: K = dR/dc, b = dR/dphi, g = dI/dc and
//    h = dI/dphi of the bordered galvanostatic step, with Butler–Volmer
//    kinetics and a film, a concentration-dependent D, the stress term of the
//    chemical potential (s_k, L, c_k), the crack's D_eff factors and the
//    infiltrated crack-face sink all switched on;
//  - the phase-field system K d - F against the gradient and the Hessian of
//    the functional it minimises, for AT2 and AT1.
// Central differences of the residual itself are the independent reference:
// a wrong sign or a missing term in a derivative shows up at O(1).

#include <camfrac/material/electrode_material.h>
#include <camfrac/material/material_curve.h>
#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/phase_field.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/function.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/numerics/vector_tools.h>

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <utility>

using namespace camfrac;
using namespace dealii;

namespace
{
  using LA     = TrilinosBackend;
  using Vector = LA::Vector;

  // A smooth, non-symmetric field a + b sin(k1 x + k2 y + phase).
  class Wave : public Function<2>
  {
  public:
    Wave(double mean, double amplitude, double wave_number, double phase)
      : mean(mean)
      , amplitude(amplitude)
      , k(wave_number)
      , phase(phase)
    {}
    double value(const Point<2> &p, const unsigned int = 0) const override
    {
      return mean + amplitude * std::sin(k * (1.3 * p[0] + 0.7 * p[1]) + phase);
    }

  private:
    double mean, amplitude, k, phase;
  };

  // Deterministic pseudo-random owned entries in [-1, 1].
  void fill_direction(Vector &v, const double scale)
  {
    for (const auto i : v.locally_owned_elements())
      v[i] = scale * std::sin(12.9898 * i + 78.233);
    v.compress(VectorOperation::insert);
  }

  double relative_difference(const Vector &a, const Vector &b)
  {
    Vector d(a);
    d -= b;
    return d.l2_norm() / b.l2_norm();
  }

  struct TransportJacobianCase
  {
    ParticleGeometry                                geometry;
    ElectrodeMaterial                               material;
    TransportSettings                               settings;
    parallel::distributed::Triangulation<2>         tria{MPI_COMM_WORLD};
    std::unique_ptr<TransportField<2, LA>>          field;
    Vector                                          potential, stabilisation, reference, c;
    double                                          radius = 2e-6;

    TransportJacobianCase(const unsigned int degree, const bool stress, const bool crack,
                          const ElectrodeMaterial::MobilityModel mobility, const double kappa)
    {
      material.mobility_model = mobility;
      material.gradient_energy_coefficient = kappa;
      geometry.radius             = radius;
      geometry.global_refinements = 2;
      geometry.create(tria);
      material.open_circuit_potential = MaterialCurve::expression(
        "-0.8090*x + 4.4875 - 0.0428*tanh(18.5138*(x - 0.5542)) - 17.7326*tanh(15.7890*(x - 0.3117))"
        " + 17.5842*tanh(15.9308*(x - 0.3120))",
        "test");
      material.diffusivity     = MaterialCurve::expression("1e-14*(1 + 2*x*x)", "test D");
      material.film_resistance = 2e-3;
      settings.fe_degree       = degree;
      settings.initial_stoichiometry = 0.5;
      field = std::make_unique<TransportField<2, LA>>(tria, material, settings, geometry.nominal_volume<2>());
      field->setup();
      const double c_max = material.maximum_concentration;
      // The accepted state is not uniform, and the evaluation point differs from it.
      field->set_concentration(Wave(0.5 * c_max, 0.08 * c_max, 1. / radius, 0.3));
      const auto &dofs     = field->get_dof_handler();
      IndexSet    relevant;
      DoFTools::extract_locally_relevant_dofs(dofs, relevant);
      const auto  ghosted  = [&](const Function<2> &f) {
        Vector owned(dofs.locally_owned_dofs(), MPI_COMM_WORLD);
        VectorTools::interpolate(field->get_mapping(), dofs, f, owned);
        Vector result(dofs.locally_owned_dofs(), relevant, MPI_COMM_WORLD);
        result = owned;
        return result;
      };
      c = ghosted(Wave(0.52 * c_max, 0.1 * c_max, 1.7 / radius, -0.4));
      if (stress)
        {
          // s_k [J/mol] varying by ~2 kJ/mol, L ~ K_s (tr deps/dc)^2 [J m^3/mol^2], c_k near c.
          potential     = ghosted(Wave(0., 2e3, 1.1 / radius, 0.9));
          stabilisation = ghosted(Wave(1.0, 0.4, 0.8 / radius, 0.2));
          reference     = ghosted(Wave(0.5 * c_max, 0.05 * c_max, 1.4 / radius, 1.1));
          field->set_stress_coupling({&potential, &stabilisation, &reference});
        }
      if (crack)
        {
          const unsigned int n_q = Utilities::pow(degree + 1, 2);
          std::vector<double> factors(tria.n_active_cells() * n_q), area(tria.n_active_cells() * n_q);
          for (std::size_t k = 0; k < factors.size(); ++k)
            {
              factors[k] = 0.55 + 0.45 * std::sin(0.7 * k);
              area[k]    = k % 3 == 0 ? 0. : 2e5 * (1.2 + std::cos(1.3 * k)); // [1/m]
            }
          field->set_diffusivity_factors(factors);
          field->set_crack_surface_density(area);
        }
    }

    // Residual and current at (c + t v, phi).
    std::pair<Vector, double> residual(const Vector &v, const double t, const double phi, const double dt)
    {
      Vector owned(field->get_dof_handler().locally_owned_dofs(), MPI_COMM_WORLD);
      owned = c;
      owned.add(t, v);
      Vector point(c);
      point = owned;
      const auto a = field->linearize(point, phi, dt, false);
      return {field->assembled_residual(), a.current};
    }
  };

  struct TransportErrors
  {
    double jacobian, potential_column, current_row, current_slope;
    double stress_share; // |K v - K_no-stress v| / |K v|, to show the check can see the stress term
  };

  TransportErrors check_transport(const unsigned int degree, const bool stress, const bool crack,
                                  const ElectrodeMaterial::MobilityModel mobility =
                                    ElectrodeMaterial::MobilityModel::thermodynamic,
                                  const double kappa = 0.)
  {
    TransportJacobianCase p(degree, stress, crack, mobility, kappa);
    const double          c_max = p.material.maximum_concentration;
    const double          dt    = 20.;
    const double          phi   = 3.9; // ~0.1 V above U(0.52): a charging overpotential
    Vector v(p.field->get_dof_handler().locally_owned_dofs(), MPI_COMM_WORLD);
    fill_direction(v, 1e-2 * c_max);

    const auto   a = p.field->linearize(p.c, phi, dt, true);
    Vector       Kv(v), b(p.field->assembled_potential_derivative()), g(p.field->assembled_current_derivative());
    p.field->assembled_jacobian().vmult(Kv, v);
    const double g_dot_v = g * v;

    const double h        = 1e-4;
    auto [r_plus, i_plus] = p.residual(v, h, phi, dt);
    auto [r_minus, i_minus] = p.residual(v, -h, phi, dt);
    Vector fd(r_plus);
    fd -= r_minus;
    fd /= 2. * h;

    const double dphi       = 1e-6;
    auto [rp_plus, ip_plus] = p.residual(v, 0., phi + dphi, dt);
    auto [rp_minus, ip_minus] = p.residual(v, 0., phi - dphi, dt);
    Vector fd_b(rp_plus);
    fd_b -= rp_minus;
    fd_b /= 2. * dphi;

    TransportErrors e;
    e.jacobian         = relative_difference(fd, Kv);
    e.potential_column = relative_difference(fd_b, b);
    e.current_row      = std::abs((i_plus - i_minus) / (2. * h) - g_dot_v) / std::abs(g_dot_v);
    e.current_slope    = std::abs((ip_plus - ip_minus) / (2. * dphi) - a.d_current_d_phi) / std::abs(a.d_current_d_phi);
    e.stress_share     = 0.;
    if (stress)
      {
        p.field->set_stress_coupling({});
        p.field->linearize(p.c, phi, dt, true);
        Vector K0v(v);
        p.field->assembled_jacobian().vmult(K0v, v);
        e.stress_share = relative_difference(K0v, Kv);
      }
    return e;
  }
} // namespace

namespace
{
  // Every term on (stress coupling, crack factors, infiltration) for the
  // thermodynamic mobility with Q1 and Q2 and the ideal-solution mobility with
  // Q1; each derivative within 1e-6 of its central difference, and the stress
  // part of K v at least @p minimum_stress_share of it.
  void check_every_term(const double kappa, const double minimum_stress_share)
  {
    using Mobility = ElectrodeMaterial::MobilityModel;
    for (const auto [degree, mobility] : {std::pair{1u, Mobility::thermodynamic},
                                          std::pair{2u, Mobility::thermodynamic},
                                          std::pair{1u, Mobility::ideal_solution}})
      {
        const TransportErrors e = check_transport(degree, true, true, mobility, kappa);
        std::cout << (kappa > 0. ? "mixed, Q" : "Q") << degree
                  << (mobility == Mobility::thermodynamic ? ", thermodynamic M" : ", ideal M")
                  << ": |K v - FD|/|K v| = " << e.jacobian << ", b: " << e.potential_column
                  << ", g.v: " << e.current_row << ", dI/dphi: " << e.current_slope
                  << ", stress share of K v: " << e.stress_share << std::endl;
        EXPECT_LT(e.jacobian, 1e-6);
        EXPECT_LT(e.potential_column, 1e-6);
        EXPECT_LT(e.current_row, 1e-6);
        EXPECT_LT(e.current_slope, 1e-6);
        EXPECT_GT(e.stress_share, minimum_stress_share);
      }
  }
} // namespace

TEST(TransportJacobian, MatchesFiniteDifferencesWithEveryTermOn)
{
  // Thermodynamic mobility (dm/dx through U''), Q1 and Q2; ideal solution, Q1.
  // The stress term is a sizable part of K v, so a sign error in it would be
  // an O(1) mismatch, far above the tolerance.
  check_every_term(0., 1e-2);
}

TEST(TransportJacobian, MixedCahnHilliardFormulationMatchesFiniteDifferences)
{
  // kappa > 0: the total derivative K_cc + K_cmu diag(1/m) A of the residual
  // with mu eliminated (docs/theory.md §3.3). kappa = 1e-12 J m^5/mol^2 makes
  // kappa lap c ~ 1 kJ/mol on the test's waves, the size of s and of mu_0
  // variations, so each part of A is visible. With Q2 the gradient-energy
  // part dominates K v and the stress part is 0.4% of it: a sign error there
  // would still be a mismatch of 1e-3 or more, a thousand times the tolerance.
  check_every_term(1e-12, 1e-3);
}

TEST(TransportJacobian, MatchesFiniteDifferencesWithoutCouplings)
{
  const TransportErrors e = check_transport(1, false, false);
  EXPECT_LT(e.jacobian, 1e-6);
  EXPECT_LT(e.potential_column, 1e-6);
  EXPECT_LT(e.current_row, 1e-6);
  EXPECT_LT(e.current_slope, 1e-6);
}

namespace
{
  // The phase-field system against the functional it is the gradient of.
  std::pair<double, double> check_phase_field(const FractureSettings::Model model)
  {
    parallel::distributed::Triangulation<2> tria(MPI_COMM_WORLD);
    GridGenerator::hyper_cube(tria, 0., 1e-5);
    tria.refine_global(3);
    FractureSettings settings;
    settings.model        = model;
    settings.toughness    = 2.;
    settings.length_scale = 2e-6;
    PhaseField<2, LA> phase_field(tria, settings);
    phase_field.setup();
    // A driving force [J/m^3] that varies from cell to cell and point to point.
    phase_field.set_driving_force(
      [](const Triangulation<2>::active_cell_iterator &cell, const Quadrature<2> &quadrature, std::vector<double> &psi) {
        psi.resize(quadrature.size());
        for (unsigned int q = 0; q < quadrature.size(); ++q)
          psi[q] = 3e5 * (1.2 + std::sin(3e5 * cell->center()[0] + 2e5 * cell->center()[1] + q));
      });
    phase_field.reset_trial();
    phase_field.solve(); // sets the trial history from the driving force
    phase_field.assemble_unconstrained();

    const auto &dofs     = phase_field.get_dof_handler();
    IndexSet    relevant;
    DoFTools::extract_locally_relevant_dofs(dofs, relevant);
    Vector      d0(dofs.locally_owned_dofs(), MPI_COMM_WORLD), v(d0);
    VectorTools::interpolate(phase_field.get_mapping(), dofs, Wave(0.4, 0.3, 4e5, 0.5), d0);
    fill_direction(v, 0.1);
    const auto energy_at = [&](const double t) {
      Vector owned(d0);
      owned.add(t, v);
      Vector ghosted(dofs.locally_owned_dofs(), relevant, MPI_COMM_WORLD);
      ghosted = owned;
      return phase_field.energy(ghosted);
    };
    Vector gradient(d0);
    phase_field.assembled_matrix().vmult(gradient, d0);
    gradient -= phase_field.assembled_rhs();
    Vector Kv(v);
    phase_field.assembled_matrix().vmult(Kv, v);
    const double h = 1e-3, e_plus = energy_at(h), e_minus = energy_at(-h), e0 = energy_at(0.);
    const double slope     = gradient * v;
    const double curvature = Kv * v;
    return {std::abs((e_plus - e_minus) / (2. * h) - slope) / std::abs(slope),
            std::abs((e_plus - 2. * e0 + e_minus) / (h * h) - curvature) / std::abs(curvature)};
  }
} // namespace

TEST(PhaseFieldSystem, IsTheGradientOfItsFunctional)
{
  for (const auto model : {FractureSettings::Model::AT2, FractureSettings::Model::AT1})
    {
      const auto [gradient_error, hessian_error] = check_phase_field(model);
      std::cout << FractureSettings::model_name(model) << ": gradient " << gradient_error << ", Hessian "
                << hessian_error << std::endl;
      EXPECT_LT(gradient_error, 1e-6);
      EXPECT_LT(hessian_error, 1e-6);
    }
}
