// SPDX-License-Identifier: LGPL-2.1-or-later
// Diffusion-induced stress in an isotropic sphere and a plane-strain disk
// under constant inward flux (../shared/VERIFICATION.md §B): the series
// solution (Crank's c in the closed-form stress integrals), the three exact
// identities, and the 2D steady state.

#include "crank_solution.h"
#include "radial_diffusion.h"
#include "mechanics_fixture.h"

#include <deal.II/base/qprojector.h>
#include <deal.II/grid/grid_tools.h>

#include <gtest/gtest.h>

#include <iostream>
#include <tuple>
#include <utility>

using namespace camfrac;
using camfrac::testing::CoupledParticle;
using camfrac::testing::CrankSolution;

namespace
{
  constexpr double R = 1e-6, D = 1e-14, E = 1e11, nu = 0.3, Omega = 3e-6, c_max = 50000., c0 = 25000.;
  constexpr double J = 2e-5; // inward [mol/m^2/s]: J R / D = 2000 mol/m^3

  struct StressProbe
  {
    double center_radial   = 0.; // sigma_r(0)
    double surface_hoop    = 0.; // surface average of sigma_theta (sigma_zz excluded in 2D)
    double surface_c       = 0.; // surface average of c
    double center_c        = 0.;
    double mean_c          = 0.;
    double hydrostatic_identity_error = 0.; // max |sigma_h - K (c_mean - c)| / S over the points
  };

  /// sigma_xx and c at the origin (a vertex; owned by some cell).
  template <int dim>
  std::pair<double, double> centre_values(const CoupledParticle<dim> &p)
  {
    const auto &t_dof = p.transport->get_dof_handler();
    const auto [cell, reference] =
      dealii::GridTools::find_active_cell_around_point(p.mechanics->get_mapping(), p.triangulation, dealii::Point<dim>());
    const dealii::Quadrature<dim> centre(reference);
    dealii::FEValues<dim> c_centre(p.transport->get_mapping(), t_dof.get_fe(), centre, dealii::update_values);
    c_centre.reinit(typename dealii::DoFHandler<dim>::active_cell_iterator(&p.triangulation, cell->level(),
                                                                            cell->index(), &t_dof));
    std::vector<double> c_values(1);
    c_centre.get_function_values(p.transport->concentration(), c_values);
    std::vector<MaterialPointState> states;
    p.mechanics->evaluate(cell, centre, c_values, states);
    return {states[0].stress[0][0], c_values[0]};
  }

  template <int dim>
  StressProbe probe(const CoupledParticle<dim> &p, const double S)
  {
    StressProbe        result;
    const auto        &t_dof = p.transport->get_dof_handler();
    const unsigned int degree = p.mechanics->get_fe_degree();
    const auto         summary = p.transport->summary();
    result.mean_c = summary.mean_x * c_max;
    std::tie(result.center_radial, result.center_c) = centre_values(p);
    std::vector<MaterialPointState> states;

    // Surface: averages over the face quadrature points; sigma_theta is
    // the in-plane hoop component (tr_dim sigma - n.sigma.n)/(dim - 1).
    const dealii::QGauss<dim - 1> face_quadrature(degree + 2);
    double hoop = 0., surface_c = 0., area = 0.;
    const double K_h = 2. * E * Omega / (9. * (1. - nu));
    for (const auto &tcell : t_dof.active_cell_iterators())
      {
        // the hydrostatic identity at the volume quadrature points
        const dealii::QGauss<dim> quadrature(degree + 1);
        dealii::FEValues<dim> c_volume(p.transport->get_mapping(), t_dof.get_fe(), quadrature, dealii::update_values);
        c_volume.reinit(tcell);
        std::vector<double> cv(quadrature.size());
        c_volume.get_function_values(p.transport->concentration(), cv);
        p.mechanics->evaluate(tcell, quadrature, cv, states);
        for (unsigned int q = 0; q < quadrature.size(); ++q)
          {
            // in 2D plane strain sigma_h involves sigma_zz; the identity is for the sphere
            if (dim == 3)
              result.hydrostatic_identity_error =
                std::max(result.hydrostatic_identity_error,
                         std::abs(dealii::trace(states[q].stress) / 3. - K_h * (result.mean_c - cv[q])) / S);
          }
        for (const unsigned int f : tcell->face_indices())
          if (tcell->face(f)->at_boundary())
            {
              const auto cell_points = dealii::QProjector<dim>::project_to_face(
                dealii::ReferenceCells::get_hypercube<dim>(), face_quadrature, f);
              dealii::FEValues<dim> c_face(p.transport->get_mapping(), t_dof.get_fe(), cell_points,
                                           dealii::update_values | dealii::update_quadrature_points);
              dealii::FEFaceValues<dim> face_values(p.transport->get_mapping(), t_dof.get_fe(), face_quadrature,
                                                    dealii::update_JxW_values);
              c_face.reinit(tcell);
              face_values.reinit(tcell, f);
              std::vector<double> cf(cell_points.size());
              c_face.get_function_values(p.transport->concentration(), cf);
              p.mechanics->evaluate(tcell, cell_points, cf, states);
              for (unsigned int q = 0; q < cell_points.size(); ++q)
                {
                  const auto   x = c_face.quadrature_point(q);
                  double       nsn = 0., tr = 0.;
                  for (unsigned int i = 0; i < dim; ++i)
                    {
                      tr += states[q].stress[i][i];
                      for (unsigned int j = 0; j < dim; ++j)
                        nsn += x[i] * states[q].stress[i][j] * x[j] / x.norm_square();
                    }
                  hoop += (tr - nsn) / (dim - 1) * face_values.JxW(q);
                  surface_c += cf[q] * face_values.JxW(q);
                  area += face_values.JxW(q);
                }
            }
      }
    result.surface_hoop = hoop / area;
    result.surface_c    = surface_c / area;
    return result;
  }

  template <int dim>
  std::unique_ptr<CoupledParticle<dim>> make_particle(const unsigned int refinements, const bool two_way)
  {
    auto p = std::make_unique<CoupledParticle<dim>>(R, refinements, 2);
    p->transport_settings.initial_stoichiometry = c0 / c_max;
    p->mechanics_settings.stress_coupled_diffusion = two_way;
    p->mechanical_material.set_isotropic_elasticity(E, nu);
    p->mechanical_material.set_isotropic_chemical_strain(Omega, c0 / c_max, c_max);
    p->setup();
    return p;
  }

  template <int dim>
  void advance_to(CoupledParticle<dim> &p, double &t, const double target, const double dt)
  {
    const double current = -J * constants::faraday * p.transport->surface_area(); // discharge: insertion
    while (t < target - 1e-12)
      {
        const double step = std::min(dt, target - t);
        const auto   r    = p.model->advance(step, {Control::Mode::current, current});
        ASSERT_TRUE(r.converged) << "t = " << t << ": coupling iterations " << r.coupling_iterations << ", Newton "
                                 << r.newton_iterations;
        p.model->accept();
        t += step;
      }
  }
} // namespace

TEST(DiffusionInducedStress, SphereMatchesTheSeriesSolution)
{
  // One-way coupling, so that c is Crank's series (VERIFICATION.md §A).
  const double S = E * Omega * J * R / (3. * (1. - nu) * D);
  std::vector<double> worst(2, 0.);
  for (const unsigned int refinements : {1u, 2u})
    {
      auto   p = make_particle<3>(refinements, false);
      double t = 0.;
      for (const double tau : {0.05, 0.2, 0.5})
        {
          advance_to(*p, t, tau * R * R / D, tau > 0.2 ? 1. : 0.25);
          const CrankSolution<3> crank(c0, J, R, D, t);
          const double           mean  = 3. * tau; // c~ of the volume average
          const double           radial = 2. / 3. * (mean - crank.dimensionless(0.)) * S;
          const double           hoop   = (mean - crank.dimensionless(1.)) * S;
          const auto             probe_result = probe(*p, S);
          const double           e_r = std::abs(probe_result.center_radial - radial) / std::abs(radial);
          const double           e_t = std::abs(probe_result.surface_hoop - hoop) / std::abs(hoop);
          std::cout << "  sphere, " << refinements << " refinements, tau = " << tau << ": sigma_r(0)/S = "
                    << probe_result.center_radial / S << " (series " << radial / S << ", error " << 100. * e_r
                    << "%), sigma_theta(R)/S = " << probe_result.surface_hoop / S << " (series " << hoop / S
                    << ", error " << 100. * e_t << "%)" << std::endl;
          worst[refinements - 1] = std::max({worst[refinements - 1], e_r, e_t});
          if (refinements == 2)
            {
              EXPECT_LT(e_r, 0.02);
              EXPECT_LT(e_t, 0.02);
            }
        }
    }
  EXPECT_LT(worst[1], worst[0]); // refinement reduces the error
}

TEST(DiffusionInducedStress, SphereIdentitiesHoldWithTwoWayCoupling)
{
  // Stress-enhanced diffusion changes c(r), but the identities hold for any c(r).
  const double S = E * Omega * J * R / (3. * (1. - nu) * D);
  auto         p = make_particle<3>(1, true);
  double       t = 0.;
  for (const double tau : {0.05, 0.3})
    {
      advance_to(*p, t, tau * R * R / D, tau > 0.05 ? 1. : 0.25);
      const auto   r      = probe(*p, S);
      const double hoop   = E * Omega / (3. * (1. - nu)) * (r.mean_c - r.surface_c);
      const double radial = 2. * E * Omega / (9. * (1. - nu)) * (r.mean_c - r.center_c);
      std::cout << "  two-way, tau = " << tau << ": sigma_theta(R) " << r.surface_hoop / S << " vs identity "
                << hoop / S << "; sigma_r(0) " << r.center_radial / S << " vs identity " << radial / S
                << "; max |sigma_h - identity|/S = " << r.hydrostatic_identity_error << std::endl;
      // Coarse mesh (1 refinement, Q2) to keep the suite fast: 3%; with 2
      // refinements the agreement is 0.5% (docs/verification.md).
      EXPECT_NEAR(r.surface_hoop / hoop, 1., 0.03);
      EXPECT_NEAR(r.center_radial / radial, 1., 0.03);
      EXPECT_LT(r.hydrostatic_identity_error, 0.02 * std::abs(radial / S) + 0.005);
      // Stress-enhanced diffusion flattens the profile against the series solution.
      const CrankSolution<3> crank(c0, J, R, D, t);
      const double series_difference = crank.value(dealii::Point<3>(R, 0, 0)) - crank.value(dealii::Point<3>());
      std::cout << "  surface - centre c: " << r.surface_c - r.center_c << " (no stress coupling: " << series_difference
                << ")" << std::endl;
      EXPECT_LT(r.surface_c - r.center_c, 0.9 * series_difference);
    }
}

TEST(DiffusionInducedStress, PlaneStrainDiskReachesItsSteadyState)
{
  // VERIFICATION.md §B: sigma_r/S = (1 - x^2)/8, sigma_theta/S = (1 - 3x^2)/8.
  const double S = E * Omega * J * R / (3. * (1. - nu) * D);
  auto         p = make_particle<2>(4, false);
  double       t = 0.;
  advance_to(*p, t, 0.8 * R * R / D, 0.5); // exp(-beta_1^2 tau) = 8e-6
  const auto r = probe(*p, S);
  std::cout << "  disk, tau = 0.8: sigma_r(0)/S = " << r.center_radial / S << " (steady 0.125), sigma_theta(R)/S = "
            << r.surface_hoop / S << " (steady -0.25)" << std::endl;
  EXPECT_NEAR(r.center_radial / S, 0.125, 0.02 * 0.125);
  EXPECT_NEAR(r.surface_hoop / S, -0.25, 0.02 * 0.25);
}

namespace
{
  // The two-way problem of a free isotropic particle with constant Omega
  // reduces to radial nonlinear diffusion: sigma_h = K'(c_mean - c) with
  // grad sigma_h = -(2 E Omega / (9 (1 - nu))) grad c in the sphere and in the
  // plane-strain cylinder alike, so J = -(D + M 2 E Omega^2 / (9 (1 - nu))) grad c
  // (docs/theory.md §3, [J], [M]). Both mobility models, with an OCP whose
  // slope varies: U(x) = 4.5 - 0.6 x - 0.1 tanh(5 (x - 0.5)).
  const char  *two_way_ocp = "4.5 - 0.6*x - 0.1*tanh(5*(x - 0.5))";
  double       two_way_ocp_slope(const double x)
  {
    const double ch = std::cosh(5. * (x - 0.5));
    return -0.6 - 0.5 / (ch * ch);
  }

  /// M/D of the model, written out here independently of ElectrodeMaterial.
  double reference_mobility(const ElectrodeMaterial::MobilityModel model, const double c)
  {
    const double x = c / c_max;
    if (model == ElectrodeMaterial::MobilityModel::ideal_solution)
      return c_max * x * (1. - x) / (constants::gas_constant * 298.15);
    return c_max / (constants::faraday * std::abs(two_way_ocp_slope(x)));
  }

  template <int dim>
  void compare_two_way_with_radial_reference(const unsigned int refinements, const ElectrodeMaterial::MobilityModel model)
  {
    auto p = std::make_unique<CoupledParticle<dim>>(R, refinements, 2);
    p->material.open_circuit_potential = MaterialCurve::expression(two_way_ocp, "test OCP");
    p->material.mobility_model         = model;
    p->transport_settings.initial_stoichiometry    = c0 / c_max;
    p->mechanics_settings.stress_coupled_diffusion = true;
    p->mechanical_material.set_isotropic_elasticity(E, nu);
    p->mechanical_material.set_isotropic_chemical_strain(Omega, c0 / c_max, c_max);
    p->setup();

    const double K_h = 2. * E * Omega * Omega / (9. * (1. - nu));
    const double dt  = 1.;
    camfrac::testing::RadialDiffusion reference(dim, R, c0, 4000,
                                       [&](const double c) { return D * (1. + reference_mobility(model, c) * K_h); });
    // Stress of the 1D profile from the closed-form integrals (Timoshenko &
    // Goodier; VERIFICATION.md §B): sigma_r(0) and the surface hoop stress.
    const double radial_factor = E * Omega / ((dim == 3 ? 4.5 : 6.) * (1. - nu)); // 2/9 (sphere), 1/6 (cylinder)
    const double hoop_factor   = E * Omega / (3. * (1. - nu));
    const double S             = E * Omega * J * R / (3. * (1. - nu) * D);

    double t = 0., t_reference = 0.;
    for (const double tau : {0.1, 0.3})
      {
        const double target = tau * R * R / D;
        advance_to(*p, t, target, dt);
        // The 1D reference with the same implicit Euler steps: the comparison
        // measures the spatial discretisation and the coupling, not the
        // (common) O(dt) error of the time integrator.
        const unsigned int n_steps = static_cast<unsigned int>(std::round((target - t_reference) / dt));
        for (unsigned int k = 0; k < n_steps; ++k)
          reference.step((target - t_reference) / n_steps, J);
        t_reference = target;
        const auto result = probe(*p, S);
        const double c_centre = reference.value(0.), c_surface = reference.value(R), c_mean = reference.mean();
        const double radial = radial_factor * (c_mean - c_centre);
        const double hoop   = hoop_factor * (c_mean - c_surface);
        const double e_c = std::abs((result.surface_c - result.center_c) - (c_surface - c_centre)) /
                           std::abs(c_surface - c_centre);
        const double e_r = std::abs(result.center_radial - radial) / std::abs(radial);
        const double e_t = std::abs(result.surface_hoop - hoop) / std::abs(hoop);
        std::cout << "  " << (dim == 3 ? "sphere" : "cylinder") << ", "
                  << (model == ElectrodeMaterial::MobilityModel::ideal_solution ? "ideal" : "thermodynamic")
                  << ", tau = " << tau << ": c(R) - c(0) = " << result.surface_c - result.center_c << " (1D "
                  << c_surface - c_centre << ", error " << 100. * e_c << "%), sigma_r(0)/S = "
                  << result.center_radial / S << " (1D " << radial / S << ", error " << 100. * e_r
                  << "%), sigma_theta(R)/S = " << result.surface_hoop / S << " (1D " << hoop / S << ", error "
                  << 100. * e_t << "%)" << std::endl;
        EXPECT_LT(e_c, 0.01);
        EXPECT_LT(e_r, 0.01);
        EXPECT_LT(e_t, 0.01);
      }
  }
} // namespace

TEST(DiffusionInducedStress, TwoWaySphereMatchesTheRadialReferenceThermodynamicMobility)
{
  compare_two_way_with_radial_reference<3>(2, ElectrodeMaterial::MobilityModel::thermodynamic);
}

TEST(DiffusionInducedStress, TwoWaySphereMatchesTheRadialReferenceIdealMobility)
{
  compare_two_way_with_radial_reference<3>(2, ElectrodeMaterial::MobilityModel::ideal_solution);
}

TEST(DiffusionInducedStress, TwoWayCylinderMatchesTheRadialReference)
{
  compare_two_way_with_radial_reference<2>(4, ElectrodeMaterial::MobilityModel::thermodynamic);
  compare_two_way_with_radial_reference<2>(4, ElectrodeMaterial::MobilityModel::ideal_solution);
}

namespace
{
  /// Cheng & Verbrugge (2009), potentiostatic sphere: the centre hydrostatic
  /// stress sigma_h(0) / (2 E Omega (c_s - c_0) / (9 (1 - nu))) = c~_mean - c~(0)
  /// with Crank's series for a fixed surface concentration (Crank eq. 6.18):
  /// c~(0) = 1 + 2 sum (-1)^n exp(-n^2 pi^2 tau), c~_mean = 1 - 6/pi^2 sum exp(-n^2 pi^2 tau)/n^2.
  double potentiostatic_centre_stress(const double tau)
  {
    double centre = 1., mean = 1.;
    for (int n = 1; n < 400; ++n)
      {
        const double e = std::exp(-n * n * M_PI * M_PI * tau);
        centre += 2. * (n % 2 == 0 ? 1. : -1.) * e;
        mean -= 6. / (M_PI * M_PI) * e / (n * n);
      }
    return mean - centre;
  }
} // namespace

TEST(DiffusionInducedStress, PotentiostaticCentreStressPeakApproachesTheSeriesAsKineticsGetFaster)
{
  // A sphere at rest at U(x0) = 3.7 V, then a hold 0.4 V higher: with fast
  // kinetics the surface sits at U(x_s) = 4.1 V, i.e. c_s = 0.1 c_max, and
  // the centre stress follows Cheng & Verbrugge's potentiostatic solution.
  // U = 4.2 - x (linear), constant D, one-way coupling (their model).
  double series_peak = 0.;
  for (double tau = 1e-3; tau < 0.3; tau += 1e-4)
    series_peak = std::max(series_peak, std::abs(potentiostatic_centre_stress(tau)));
  const double x0 = 0.5, xs = 0.1;
  const double scale = 2. * E * Omega * c_max * (x0 - xs) / (9. * (1. - nu)); // |2 E Omega (c_s - c0)/(9(1-nu))|
  std::vector<double> ratios;
  for (const double k : {1e-9, 1e-8, 1e-7})
    {
      auto p = std::make_unique<CoupledParticle<3>>(R, 2, 2);
      p->material.open_circuit_potential             = MaterialCurve::expression("4.2 - x", "test OCP");
      p->material.rate_constant                      = k;
      p->transport_settings.butler_volmer            = true;
      p->transport_settings.initial_stoichiometry    = x0;
      p->mechanics_settings.stress_coupled_diffusion = false;
      p->mechanical_material.set_isotropic_elasticity(E, nu);
      p->mechanical_material.set_isotropic_chemical_strain(Omega, x0, c_max);
      p->setup();
      double peak = 0., t_peak = 0., t = 0.;
      const double dt = 0.2; // R^2/D = 100 s: the series peaks at tau = 0.057, t = 5.7 s
      while (t < 8. - 1e-9) // past the peak
        {
          const auto r = p->model->advance(dt, {Control::Mode::voltage, 4.1});
          ASSERT_TRUE(r.converged) << "k0 = " << k << ", t = " << t;
          p->model->accept();
          t += dt;
          const double centre = std::abs(centre_values(*p).first); // sigma_h(0) = sigma_xx(0)
          if (centre > peak)
            {
              peak   = centre;
              t_peak = t;
            }
        }
      ratios.push_back(peak / scale / series_peak);
      std::cout << "  k0 = " << k << ": peak |sigma_h(0)| = " << peak / 1e6 << " MPa at t = " << t_peak
                << " s; Cheng-Verbrugge series " << series_peak * scale / 1e6 << " MPa at tau = 0.057 (t = 5.7 s): ratio "
                << ratios.back() << std::endl;
    }
  // Faster kinetics bring the surface closer to equilibrium, the peak closer to the series.
  EXPECT_LT(ratios[0], ratios[1]);
  EXPECT_LT(ratios[1], ratios[2]);
  EXPECT_NEAR(ratios[2], 1., 0.03);
}
