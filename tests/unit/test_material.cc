// SPDX-License-Identifier: LGPL-2.1-or-later
// Material building blocks against closed forms: PCHIP, data tables,
// Butler–Volmer, orientations, diffusivity tensor, exchange current.

#include <camfrac/io/errors.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/material/monotone_cubic.h>
#include <camfrac/material/orientation.h>
#include <camfrac/physics/butler_volmer.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace camfrac;

TEST(MonotoneCubic, ReproducesLinearDataExactly)
{
  const MonotoneCubic p({0., 0.3, 0.5, 1.}, {1., 1.6, 2., 3.});
  for (double x = -0.2; x <= 1.2; x += 0.013)
    {
      EXPECT_NEAR(p.value(x), 1. + 2. * x, 1e-14);
      EXPECT_NEAR(p.derivative(x), 2., 1e-13);
    }
}

TEST(MonotoneCubic, MonotoneWithoutOvershootOnStepData)
{
  // A sharp step: a natural cubic spline overshoots here, PCHIP must not.
  const MonotoneCubic p({0., 1., 2., 3., 4., 5.}, {0., 0., 0.1, 1., 1., 1.});
  double              previous = p.value(0.);
  for (double x = 0.; x <= 5.; x += 0.001)
    {
      const double v = p.value(x);
      EXPECT_GE(v, previous - 1e-15);
      EXPECT_GE(v, -1e-15);
      EXPECT_LE(v, 1. + 1e-15);
      previous = v;
    }
}

TEST(MonotoneCubic, ContinuousFirstDerivativeAndThirdOrderConvergence)
{
  auto build = [](unsigned int n) {
    std::vector<double> x, y;
    for (unsigned int k = 0; k <= n; ++k)
      {
        x.push_back(1.5 * k / n);
        y.push_back(std::sin(x.back()));
      }
    return MonotoneCubic(x, y);
  };
  double errors[2];
  for (unsigned int level = 0; level < 2; ++level)
    {
      const MonotoneCubic p = build(20 << level);
      double              e = 0.;
      for (double x = 0.; x <= 1.5; x += 1e-3)
        e = std::max(e, std::abs(p.value(x) - std::sin(x)));
      errors[level] = e;
      // C^1 at an interior node: one-sided derivatives agree.
      const double node = 1.5 * 7 / (20 << level);
      EXPECT_NEAR(p.derivative(node - 1e-12), p.derivative(node + 1e-12), 1e-9);
    }
  // PCHIP is third order where the data are strictly monotone and drops
  // towards second order near extrema (sin' -> 0 at the end of [0, 1.5]);
  // measured 2.58 here. A linear interpolant would give 2.
  EXPECT_GT(std::log2(errors[0] / errors[1]), 2.4);
}

TEST(DataTable, ReadsShippedOcpAndDropsPaddingRows)
{
  const auto file = resolve_data_file("ocp/NMC811_Chen2020_ocp.tsv", default_data_directory(), "test");
  const auto table = DataTable::read(file);
  const auto measured = table.filtered("flag", "measured");
  // 236 rows flagged 'measured' and 2 'padding' in the PyBaMM source file
  // (../shared/data/README.md says 237 points; see data/README.md).
  EXPECT_EQ(measured.rows.size(), 236u);
  EXPECT_EQ(table.filtered("flag", "padding").rows.size(), 2u);
  EXPECT_THROW(DataTable::read("no/such/file.tsv"), InputError);
  EXPECT_THROW(resolve_data_file("missing.tsv", default_data_directory(), "Material/OCP file"), InputError);
}

TEST(ButlerVolmer, SymmetricWithoutFilmIsSinh)
{
  const double vt = 0.025693, i0 = 2.5;
  for (double dphi : {-0.2, -0.01, 0., 0.003, 0.1, 0.3})
    {
      const auto r = butler_volmer(dphi, i0, 0.5, vt, 0.);
      EXPECT_NEAR(r.current_density, 2. * i0 * std::sinh(dphi / (2. * vt)), 1e-12 * (1. + std::abs(r.current_density)));
    }
}

TEST(ButlerVolmer, FilmResistanceSplitsThePotentialAndDerivativesMatch)
{
  const double vt = 0.025693, i0 = 1.7, alpha = 0.4, film = 0.02;
  for (double dphi : {-0.3, -0.05, 0.02, 0.2})
    {
      const auto r = butler_volmer(dphi, i0, alpha, vt, film);
      // eta + i R = phi - U, and i = BV(eta)
      EXPECT_NEAR(r.overpotential + r.current_density * film, dphi, 1e-12);
      const double bv = i0 * (std::exp(alpha * r.overpotential / vt) - std::exp(-(1. - alpha) * r.overpotential / vt));
      EXPECT_NEAR(r.current_density, bv, 1e-10 * (1. + std::abs(bv)));
      const double h  = 1e-7;
      const double fd = (butler_volmer(dphi + h, i0, alpha, vt, film).current_density -
                         butler_volmer(dphi - h, i0, alpha, vt, film).current_density) / (2. * h);
      EXPECT_NEAR(r.d_current_d_potential, fd, 1e-5 * std::abs(fd));
      const double fd0 = (butler_volmer(dphi, i0 + h, alpha, vt, film).current_density -
                          butler_volmer(dphi, i0 - h, alpha, vt, film).current_density) / (2. * h);
      EXPECT_NEAR(r.d_current_d_exchange, fd0, 1e-5 * (std::abs(fd0) + 1e-3));
    }
}

TEST(Orientation, BungeRotationIsProperAndPlacesTheCAxis)
{
  const double phi1 = 0.3, Phi = 1.1, phi2 = -0.7;
  const auto   R    = rotation_from_bunge(phi1, Phi, phi2);
  const auto   I    = R * dealii::transpose(R);
  for (unsigned int i = 0; i < 3; ++i)
    for (unsigned int j = 0; j < 3; ++j)
      EXPECT_NEAR(I[i][j], i == j ? 1. : 0., 1e-14);
  EXPECT_NEAR(dealii::determinant(R), 1., 1e-14);
  // c-axis in sample frame: (sin phi1 sin Phi, -cos phi1 sin Phi, cos Phi)
  EXPECT_NEAR(R[0][2], std::sin(phi1) * std::sin(Phi), 1e-14);
  EXPECT_NEAR(R[1][2], -std::cos(phi1) * std::sin(Phi), 1e-14);
  EXPECT_NEAR(R[2][2], std::cos(Phi), 1e-14);

  dealii::Tensor<1, 3> m;
  m[0] = 1.;
  m[1] = 2.;
  m[2] = -0.5;
  const auto Rm = rotation_from_c_axis(m);
  for (unsigned int i = 0; i < 3; ++i)
    EXPECT_NEAR(Rm[i][2], m[i] / m.norm(), 1e-14);
}

TEST(ElectrodeMaterial, DiffusivityTensorHasTheCrystalEigenvalues)
{
  ElectrodeMaterial material;
  material.diffusivity            = MaterialCurve::constant(2e-14);
  material.diffusivity_anisotropy = 0.1;
  material.orientation            = rotation_from_bunge(0.4, 0.9, 0.2);
  dealii::Tensor<1, 3> m;
  for (unsigned int i = 0; i < 3; ++i)
    m[i] = material.orientation[i][2];
  // D(x) the orientation average (the default): (1/3) tr D = D(x), D_c = r D_ab.
  const auto D = material.diffusivity_tensor<3>(0.5);
  EXPECT_NEAR(dealii::trace(D) / 3., 2e-14, 1e-28);
  const double d_ab = 3. * 2e-14 / 2.1;
  for (unsigned int i = 0; i < 3; ++i)
    EXPECT_NEAR((D * m)[i], 0.1 * d_ab * m[i], 1e-28);
  // D(x) the in-plane value: tr D = (2 + r) D(x).
  material.diffusivity_reference = ElectrodeMaterial::DiffusivityReference::in_plane;
  const auto D_in_plane          = material.diffusivity_tensor<3>(0.5);
  EXPECT_NEAR(dealii::trace(D_in_plane), 2e-14 * 2.1, 1e-28);
  for (unsigned int i = 0; i < 3; ++i)
    EXPECT_NEAR((D_in_plane * m)[i], 0.2e-14 * m[i], 1e-28);
}

TEST(ElectrodeMaterial, ExchangeCurrentMatchesFormAndDerivative)
{
  ElectrodeMaterial material; // defaults: NMC811, alpha = 0.5
  const double      cmax = material.maximum_concentration, cs = 0.5 * cmax;
  // Chen et al. 2020: m_ref sqrt(c_e c_s (c_max - c_s)) with m_ref = 3.42e-6
  EXPECT_NEAR(material.exchange_current_density(cs), 3.42e-6 * std::sqrt(1000. * cs * (cmax - cs)), 1e-3);
  const double h = 1e-3;
  const double fd =
    (material.exchange_current_density(cs * 0.7 + h) - material.exchange_current_density(cs * 0.7 - h)) / (2 * h);
  EXPECT_NEAR(material.exchange_current_density_derivative(cs * 0.7), fd, 1e-6 * std::abs(fd) + 1e-12);
}

TEST(MaterialCurve, ExpressionAndErrors)
{
  const auto curve = MaterialCurve::expression("4.2 - 0.5*x^2", "test");
  EXPECT_NEAR(curve.value(0.4), 4.2 - 0.08, 1e-14);
  EXPECT_NEAR(curve.derivative(0.4), -0.4, 1e-8);
  EXPECT_THROW(MaterialCurve::expression("4.2 - * x", "Material/Open-circuit potential expression"), InputError);
}
