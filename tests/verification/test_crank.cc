// SPDX-License-Identifier: LGPL-2.1-or-later
// Crank's constant-flux solutions for a cylinder (2D disk) and a sphere,
// and the spatial convergence rate of the transport discretisation.

#include "crank_solution.h"

#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/numerics/vector_tools.h>

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

using namespace camfrac;
using camfrac::testing::CrankSolution;

namespace
{
  constexpr double radius = 1e-6, diffusivity = 1e-14, c0 = 10000.;

  ElectrodeMaterial constant_material()
  {
    ElectrodeMaterial material;
    material.maximum_concentration  = 50000.;
    material.diffusivity            = MaterialCurve::constant(diffusivity);
    material.open_circuit_potential = MaterialCurve::constant(4.0);
    return material;
  }

  TransportSettings flux_settings(unsigned int degree)
  {
    TransportSettings s;
    s.fe_degree             = degree;
    s.butler_volmer         = false;
    s.initial_stoichiometry = c0 / 50000.;
    return s;
  }

  /// ||c_h - f||_L2 for the field's accepted concentration.
  template <int dim, typename Field>
  double l2_difference(const Field &field, const dealii::Triangulation<dim> &tria, const dealii::Function<dim> &f,
                       const unsigned int degree)
  {
    dealii::Vector<float> cellwise(tria.n_active_cells());
    dealii::VectorTools::integrate_difference(field.get_mapping(), field.get_dof_handler(), field.concentration(), f,
                                              cellwise, dealii::QGauss<dim>(degree + 2), dealii::VectorTools::L2_norm);
    return dealii::VectorTools::compute_global_error(tria, cellwise, dealii::VectorTools::L2_norm);
  }

  /// Relative L2 error ||c_h - c|| / ||c - c0|| after stepping with @p dt
  /// until each of @p times, under an inward flux J (a discharge current).
  template <int dim>
  std::vector<double> crank_errors(unsigned int refinements, unsigned int degree, double dt,
                                   const std::vector<double> &times, double *reference_norm = nullptr)
  {
    ParticleGeometry geometry;
    geometry.radius             = radius;
    geometry.global_refinements = refinements;
    dealii::parallel::distributed::Triangulation<dim> tria(MPI_COMM_WORLD);
    geometry.create(tria);
    const ElectrodeMaterial material = constant_material();
    TransportField<dim, TrilinosBackend> field(tria, material, flux_settings(degree), geometry.nominal_volume<dim>());
    field.setup();
    const double flux    = 0.02; // mol/m^2/s inward: JR/D = 2000 mol/m^3
    const double current = -flux * constants::faraday * field.surface_area();

    std::vector<double> errors;
    double              t = 0.;
    for (const double target : times)
      {
        while (t < target - 1e-12)
          {
            const double step = std::min(dt, target - t);
            const auto   r    = field.advance(step, {Control::Mode::current, current});
            EXPECT_TRUE(r.converged);
            field.accept();
            t += step;
          }
        const double error = l2_difference(field, tria, CrankSolution<dim>(c0, flux, radius, diffusivity, t), degree);
        const double norm  = l2_difference(field, tria, dealii::Functions::ConstantFunction<dim>(c0), degree);
        errors.push_back(error / norm);
        if (reference_norm)
          *reference_norm = norm;
      }
    return errors;
  }
} // namespace

TEST(CrankReference, RootsSatisfyTheKnownSums)
{
  // VERIFICATION.md §A: sum 1/a^2 = 1/10 and sum 1/(a sin a) = -3/20 (sphere).
  const auto roots = camfrac::testing::crank_roots(3, 4000);
  double     s1 = 0., s2 = 0.;
  for (const double a : roots)
    {
      s1 += 1. / (a * a);
      s2 += 1. / (a * std::sin(a));
    }
  EXPECT_NEAR(s1, 0.1, 1e-4);
  EXPECT_NEAR(roots[0], 4.493409, 1e-6);
  EXPECT_NEAR(roots[1], 7.725252, 1e-6);
  EXPECT_NEAR(camfrac::testing::crank_roots(2, 2)[0], 3.83171, 1e-5);
  EXPECT_NEAR(camfrac::testing::crank_roots(2, 2)[1], 7.01559, 1e-5);
  // Alternating series: truncation error ~ 1/(2 pi N) = 4e-5 for N = 4000.
  EXPECT_NEAR(s2, -0.15, 1e-3);
}

namespace
{
  // tau = D t / R^2 = 0.05, 0.1, 0.2 with t in s (R^2/D = 100 s).
  void expect_within_one_percent(const std::vector<double> &errors, const std::string &name)
  {
    const double taus[] = {0.05, 0.1, 0.2};
    for (unsigned int k = 0; k < errors.size(); ++k)
      {
        std::cout << "  " << name << " tau = " << taus[k] << ": relative L2 error " << errors[k] << std::endl;
        EXPECT_LT(errors[k], 0.01) << name << " at tau = " << taus[k];
      }
  }
} // namespace

TEST(Crank, CylinderWithin1PercentAtSeveralTimes)
{
  expect_within_one_percent(crank_errors<2>(3, 2, 0.1, {5., 10., 20.}), "cylinder");
}

TEST(Crank, SphereWithin1PercentAtSeveralTimes)
{
  expect_within_one_percent(crank_errors<3>(1, 2, 0.2, {5., 10., 20.}), "sphere");
}

TEST(Crank, SpatialConvergenceRates)
{
  // At tau = 1.5 the series is within 1e-9 of its parabolic limit, which is
  // linear in time: implicit Euler integrates it exactly, so the remaining
  // error is spatial. Start from the interpolated exact field at t0 and step
  // to t1; expect L2 rates k + 1 for Q_k.
  for (const unsigned int degree : {1u, 2u})
    {
      std::vector<double> errors;
      for (unsigned int refinements = 2; refinements <= (degree == 1 ? 5u : 4u); ++refinements)
        {
          ParticleGeometry geometry;
          geometry.radius             = radius;
          geometry.global_refinements = refinements;
          dealii::parallel::distributed::Triangulation<2> tria(MPI_COMM_WORLD);
          geometry.create(tria);
          const ElectrodeMaterial material = constant_material();
          TransportField<2, TrilinosBackend> field(tria, material, flux_settings(degree), geometry.nominal_volume<2>());
          field.setup();
          const double flux = 0.02, t0 = 150., t1 = 170.;
          field.set_concentration(CrankSolution<2>(c0, flux, radius, diffusivity, t0));
          for (double t = t0; t < t1 - 1e-9; t += 2.)
            {
              const auto r =
                field.advance(2., {Control::Mode::current, -flux * constants::faraday * field.surface_area()});
              ASSERT_TRUE(r.converged);
              field.accept();
            }
          errors.push_back(l2_difference(field, tria, CrankSolution<2>(c0, flux, radius, diffusivity, t1), degree));
        }
      for (unsigned int k = 1; k < errors.size(); ++k)
        {
          const double rate = std::log2(errors[k - 1] / errors[k]);
          std::cout << "  Q" << degree << " refinement " << k + 2 << ": L2 error " << errors[k] << " mol/m^2, rate "
                    << rate << std::endl;
          if (k + 1 == errors.size())
            EXPECT_GT(rate, degree + 1 - 0.3) << "Q" << degree;
        }
    }
}
