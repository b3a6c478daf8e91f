// SPDX-License-Identifier: LGPL-2.1-or-later
// Mechanics with a chemical eigenstrain: exact zero-stress states, the
// isotropic limit of the hexagonal stiffness, rotations, and the free
// single-crystal volume change.

#include "fracture_fixture.h"
#include "mechanics_fixture.h"

#include <camfrac/io/errors.h>
#include <camfrac/material/orientation.h>

#include <deal.II/grid/grid_generator.h>

#include <gtest/gtest.h>

#include <array>
#include <iostream>
#include <limits>
#include <string>

using namespace camfrac;
using camfrac::testing::CoupledParticle;

namespace
{
  template <int dim, typename LA>
  void check_uniform_eigenstrain(const unsigned int degree, const bool direct)
  {
    CoupledParticle<dim, LA> p(1e-6, dim == 2 ? 3 : 1, degree);
    p.mechanics_settings.linear_solver.method = direct ? LinearSolverSettings::Method::direct : LinearSolverSettings::Method::amg;
    p.setup();
    // x = 0.8 against x_ref = 0.5: eps = Omega c_max 0.3 / 3 = 1.5e-2.
    p.transport->set_uniform_concentration(0.8 * 50000.);
    p.mechanics->solve(p.model->concentration_view());
    const double eps   = 3e-6 * 50000. * 0.3 / 3.;
    const double scale = 1e11 * eps;
    const double max_stress = p.max_abs_stress();
    const auto   summary    = p.mechanics->summary(p.model->concentration_view());
    std::cout << "  " << dim << "D Q" << degree << (direct ? " direct" : " AMG") << ": max |sigma| / (E eps) = "
              << max_stress / scale << ", Delta V/V = " << summary.volume_change << std::endl;
    EXPECT_LT(max_stress / scale, direct ? 1e-9 : 1e-8);
    if (dim == 3)
      // The free particle expands homogeneously: det(I + grad u) = (1 + eps)^3.
      EXPECT_NEAR(summary.volume_change, std::pow(1. + eps, 3) - 1., 1e-9);
    else
      {
        // Plane strain: sigma_zz = -E eps, in-plane strain eps (1 + nu).
        const double szz_max = p.max_over_points([](const MaterialPointState &s) { return s.stress[2][2]; });
        const double szz_min = -p.max_over_points([](const MaterialPointState &s) { return -s.stress[2][2]; });
        EXPECT_NEAR(szz_max / scale, -1., 1e-8);
        EXPECT_NEAR(szz_min / scale, -1., 1e-8);
        EXPECT_NEAR(summary.volume_change, std::pow(1. + 1.3 * eps, 2) - 1., 1e-9);
      }
  }
} // namespace

TEST(Mechanics, UniformIsotropicEigenstrainGivesZeroStress2D)
{
  check_uniform_eigenstrain<2, TrilinosBackend>(1, false);
  check_uniform_eigenstrain<2, TrilinosBackend>(2, true);
  check_uniform_eigenstrain<2, PETScBackend>(2, false);
}

TEST(Mechanics, UniformIsotropicEigenstrainGivesZeroStress3D)
{
  check_uniform_eigenstrain<3, TrilinosBackend>(1, false);
  check_uniform_eigenstrain<3, PETScBackend>(1, false);
  check_uniform_eigenstrain<3, TrilinosBackend>(2, true);
}

namespace
{
  // A synthetic layered crystal: a shrinks, c grows then collapses.
  void set_synthetic_lattice(MechanicalMaterial &m)
  {
    const std::vector<double> x = {0.1, 0.3, 0.5, 0.7, 0.9, 1.0};
    m.set_lattice_chemical_strain(MonotoneCubic(x, {2.81, 2.82, 2.835, 2.85, 2.865, 2.87}),
                                  MonotoneCubic(x, {14.0, 14.3, 14.45, 14.35, 14.25, 14.2}), 1.0, 50000.);
    // Roughly NMC-like hexagonal constants [Pa] (a test input, not data).
    m.set_hexagonal_elasticity(2.8e11, 1.0e11, 0.7e11, 1.6e11, 0.5e11);
  }
} // namespace

TEST(Mechanics, HexagonalStiffnessReducesToLame)
{
  // C11 = C33 = lambda + 2 mu, C12 = C13 = lambda, C44 = mu.
  const double lambda = 0.9e11, mu = 0.6e11;
  MechanicalMaterial hex, iso;
  hex.set_hexagonal_elasticity(lambda + 2. * mu, lambda, lambda, lambda + 2. * mu, mu);
  const double E = mu * (3. * lambda + 2. * mu) / (lambda + mu), nu = lambda / (2. * (lambda + mu));
  iso.set_isotropic_elasticity(E, nu);
  const auto R = rotation_from_bunge(0.3, 1.1, -0.7);
  const auto Ch = hex.stiffness(R), Ci = iso.stiffness(R);
  double     difference = 0.;
  for (unsigned int i = 0; i < 3; ++i)
    for (unsigned int j = 0; j < 3; ++j)
      for (unsigned int k = 0; k < 3; ++k)
        for (unsigned int l = 0; l < 3; ++l)
          {
            const double lame = lambda * (i == j) * (k == l) + mu * ((i == k) * (j == l) + (i == l) * (j == k));
            difference = std::max(difference, std::abs(Ch[i][j][k][l] - lame));
            difference = std::max(difference, std::abs(Ci[i][j][k][l] - lame));
          }
  EXPECT_LT(difference / mu, 1e-12);
  // Voigt averages of an isotropic tensor are its moduli.
  EXPECT_NEAR(hex.bulk_modulus(), lambda + 2. / 3. * mu, 1e-3);
  EXPECT_NEAR(hex.shear_modulus(), mu, 1e-3);
}

TEST(Mechanics, HexagonalStiffnessRotatesAsATensor)
{
  // sigma(R eps R^T) = R sigma(eps) R^T for C rotated by R, and rotating
  // about the c-axis leaves a hexagonal C unchanged.
  MechanicalMaterial m;
  set_synthetic_lattice(m);
  const auto R  = rotation_from_bunge(0.4, 0.9, 1.3);
  const auto C0 = m.stiffness(dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()));
  const auto CR = m.stiffness(R);
  dealii::SymmetricTensor<2, 3> eps;
  eps[0][0] = 1e-3, eps[1][1] = -2e-3, eps[2][2] = 0.5e-3, eps[0][1] = 0.7e-3, eps[1][2] = -0.2e-3;
  const dealii::SymmetricTensor<2, 3> rotated_eps = dealii::symmetrize(R * dealii::Tensor<2, 3>(eps) * dealii::transpose(R));
  const dealii::Tensor<2, 3> expected = R * dealii::Tensor<2, 3>(C0 * eps) * dealii::transpose(R);
  const dealii::Tensor<2, 3> actual(CR * rotated_eps);
  EXPECT_LT((expected - actual).norm() / expected.norm(), 1e-13);
  const auto Cz = m.stiffness(rotation_from_bunge(0.77, 0., 0.));
  const dealii::Tensor<4, 3> Tz(Cz), T0(C0);
  EXPECT_LT((Tz - T0).norm() / T0.norm(), 1e-13);
}

namespace
{
  template <int dim>
  void check_uniform_lattice_strain(const dealii::Tensor<2, 3> &R)
  {
    CoupledParticle<dim, TrilinosBackend> p(1e-6, dim == 2 ? 3 : 1, 1);
    set_synthetic_lattice(p.mechanical_material);
    p.material.orientation = R;
    p.setup();
    p.transport->set_uniform_concentration(0.3 * 50000.);
    p.mechanics->solve(p.model->concentration_view());
    const double scale = 1e11 * 0.02;
    if (dim == 3)
      EXPECT_LT(p.max_abs_stress() / scale, 1e-8);
    const auto summary = p.mechanics->summary(p.model->concentration_view());
    const auto [ea, ec] = p.mechanical_material.principal_chemical_strain(0.3);
    std::cout << "  " << dim << "D uniform x = 0.3, eps_a = " << ea << ", eps_c = " << ec
              << ": max |sigma| / 2 GPa = " << p.max_abs_stress() / scale << std::endl;
    if (dim == 3)
      EXPECT_NEAR(summary.volume_change, (1. + ea) * (1. + ea) * (1. + ec) - 1., 1e-9);
  }
} // namespace

TEST(Mechanics, UniformLatticeStrainOfARotatedSingleCrystalGivesZeroStress)
{
  for (const auto &R : {rotation_from_bunge(0., 0., 0.), rotation_from_bunge(0.5, 1.0, 0.2),
                        rotation_from_c_axis(dealii::Tensor<1, 3>({1., 0., 0.}))})
    check_uniform_lattice_strain<3>(R);
  // In plane strain only a c-axis in or normal to the plane leaves the
  // in-plane stress zero; sigma_zz is checked in the disk tests.
  check_uniform_lattice_strain<2>(rotation_from_c_axis(dealii::Tensor<1, 3>({0., 0., 1.})));
}

namespace
{
  // Linear interpolation in the raw rows of a lattice table (x descending or ascending).
  double raw_table_value(const std::vector<double> &xs, const std::vector<double> &ys, const double x)
  {
    for (std::size_t k = 0; k + 1 < xs.size(); ++k)
      if ((xs[k] - x) * (xs[k + 1] - x) <= 0. && xs[k] != xs[k + 1])
        return ys[k] + (ys[k + 1] - ys[k]) * (x - xs[k]) / (xs[k + 1] - xs[k]);
    return std::numeric_limits<double>::quiet_NaN();
  }
} // namespace

// ../shared/MODEL.md §8 and the virtual operando XRD (docs/theory.md [XRD]):
// a free NMC811 crystal (the preset's trigonal stiffness) charged slowly
// enough to stay nearly uniform (R^2/D = 100 s against a 6 h charge) follows
// the Märker 2019 table: Delta V/V = (1 + eps_a)^2 (1 + eps_c) - 1, -5.3% at
// x = 0.12, and the mean a and c of the virtual XRD reproduce the raw table
// within 0.05%, with a (003) peak as narrow as the spread in x makes it.
TEST(Mechanics, SlowlyChargedNMC811SingleCrystalVolumeChangeAndVirtualXrd)
{
  CoupledParticle<3, TrilinosBackend> p(1e-6, 1, 1);
  dealii::ParameterHandler prm;
  MechanicalMaterial::declare_parameters(prm);
  p.mechanical_material.parse_parameters(prm, default_data_directory(), 50000.);
  ASSERT_EQ(p.mechanical_material.elasticity_model(), MechanicalMaterial::Elasticity::trigonal);
  p.material.orientation             = rotation_from_bunge(0.3, 0.8, 0.1);
  p.transport_settings.initial_stoichiometry = 0.99;
  p.setup();
  const DataTable table = DataTable::read(default_data_directory() + "/lattice/NMC811_Maerker2019.tsv");
  const auto      xs = table.column("x_Li"), as = table.column("a_A"), cs = table.column("c_A");
  const double current = 50000. * (0.99 - 0.12) * p.transport->particle_volume() * constants::faraday / (6. * 3600.);
  double       worst = 0., worst_a = 0., worst_c = 0., worst_x_spread = 0.;
  double       dt = 300.;
  // The last target is the table's last row (x = 0.1202).
  for (const double target : {0.8, 0.5, 0.3, 0.121})
    {
      while (p.transport->summary().mean_x > target + 1e-9)
        {
          const double remaining = (p.transport->summary().mean_x - target) * 50000. * p.transport->particle_volume() *
                                   constants::faraday / current;
          const auto r = p.model->advance(std::min(dt, remaining), {Control::Mode::current, current});
          if (!r.converged)
            {
              dt *= 0.5; // cut back as the protocol runner does
              ASSERT_GT(dt, 1.);
              continue;
            }
          p.model->accept();
          dt = std::min(300., 1.5 * dt);
        }
      const double x        = p.transport->summary().mean_x;
      const auto [ea, ec]   = p.mechanical_material.principal_chemical_strain(x);
      const double expected = (1. + ea) * (1. + ea) * (1. + ec) - 1.;
      const double actual   = p.model->mechanical_summary().volume_change;
      const XrdPattern xrd  = p.particle->virtual_xrd(XrdSettings());
      const double a_table = raw_table_value(xs, as, x), c_table = raw_table_value(xs, cs, x);
      const double da = xrd.mean_a * 1e10 / a_table - 1., dc = xrd.mean_c * 1e10 / c_table - 1.;
      std::cout << "  NMC811 x = " << x << ": Delta V/V = " << 100. * actual << "% (table " << 100. * expected
                << "%), max principal stress " << p.model->mechanical_summary().max_principal_stress / 1e6
                << " MPa; XRD a = " << xrd.mean_a * 1e10 << " A (raw table " << a_table << ", " << 100. * da
                << "%), c = " << xrd.mean_c * 1e10 << " A (" << c_table << ", " << 100. * dc
                << "%), 2theta(003) = " << xrd.peak_003.mean_two_theta << " +- " << xrd.peak_003.std_two_theta
                << " deg, std d003 chemical " << xrd.peak_003.std_d_chemical * 1e10 << " A, elastic "
                << xrd.peak_003.std_d_elastic * 1e10 << " A" << std::endl;
      worst   = std::max(worst, std::abs(actual / expected - 1.));
      worst_a = std::max(worst_a, std::abs(da));
      worst_c = std::max(worst_c, std::abs(dc));
      // The mean x of the XRD is the transport's (up to the mechanics' quadrature); c/3 is the (003) spacing.
      EXPECT_NEAR(xrd.mean_x, x, 1e-5);
      EXPECT_NEAR(xrd.peak_003.mean_d / (xrd.mean_c / 3.), 1., 1e-12);
      // The chemical part of the (003) width is the spread in x times |dc/dx|/3 (the material's smoothed curve).
      const double h = 1e-4, slope = (p.mechanical_material.principal_chemical_strain(x + h).second -
                                      p.mechanical_material.principal_chemical_strain(x - h).second) /
                                     (2. * h) * p.mechanical_material.reference_lattice_parameters().second;
      const double ratio = xrd.peak_003.std_d_chemical / (std::abs(slope) / 3. * xrd.std_x);
      worst_x_spread     = std::max(worst_x_spread, std::abs(ratio - 1.));
      EXPECT_NEAR(ratio, 1., 0.1);
      double fractions = xrd.peak_003.outside;
      for (const double f : xrd.peak_003.histogram)
        fractions += f;
      EXPECT_NEAR(fractions, 1., 1e-12);
    }
  std::cout << "  largest deviations from the raw Märker table: a " << 100. * worst_a << "%, c " << 100. * worst_c
            << "%; |std d003 (chemical) / (|dc/dx|/3 std_x) - 1| <= " << worst_x_spread << std::endl;
  EXPECT_LT(worst, 0.005);
  EXPECT_LT(worst_a, 5e-4);
  EXPECT_LT(worst_c, 5e-4);
  const auto [ea, ec] = p.mechanical_material.principal_chemical_strain(0.12);
  EXPECT_NEAR((1. + ea) * (1. + ea) * (1. + ec) - 1., -0.053, 0.002); // the table's own figure at x = 0.12
}

TEST(Mechanics, ExternalPressureGivesUniformHydrostaticStress)
{
  // A free sphere under a uniform surface pressure p: sigma = -p I exactly
  // (self-equilibrated load, no eigenstrain), Delta V/V = (1 - p/(3K))^3 - 1.
  for (const unsigned int degree : {1u, 2u})
    {
      CoupledParticle<3, TrilinosBackend> p(1e-6, 1, degree);
      p.mechanics_settings.external_pressure = 1e8;
      p.mechanics_settings.linear_solver.method = LinearSolverSettings::Method::direct;
      p.setup();
      const double deviation = p.max_over_points([](const MaterialPointState &s) {
        return (s.stress + 1e8 * dealii::unit_symmetric_tensor<3>()).norm();
      });
      const double K = 1e11 / (3. * (1. - 2. * 0.3));
      const double expected = std::pow(1. - 1e8 / (3. * K), 3) - 1.;
      const double actual   = p.mechanics->summary(p.model->concentration_view()).volume_change;
      std::cout << "  pressure 100 MPa, Q" << degree << ": max |sigma + p I| / p = " << deviation / 1e8
                << ", Delta V/V = " << actual << " (exact " << expected << ")" << std::endl;
      EXPECT_LT(deviation / 1e8, 1e-8);
      EXPECT_NEAR(actual / expected, 1., 1e-8);
    }
}

// Generalized plane strain (docs/theory.md §7): a uniform out-of-plane strain
// with zero net axial force. Uniform swelling of a 2D section is then
// stress-free in all components (plane strain leaves sigma_zz = -E eps), and
// after a charge step the axial force int sigma_zz dA vanishes while the
// in-plane stresses equal those of plane strain (isotropic C: a uniform
// eps_zz only adds a uniform, self-equilibrated in-plane eigenstrain).
TEST(Mechanics, GeneralizedPlaneStrain2D)
{
  for (const auto backend : {0, 1})
    {
      CoupledParticle<2, TrilinosBackend> trilinos(1e-6, 3, 1);
      CoupledParticle<2, PETScBackend>    petsc(1e-6, 3, 1);
      const auto run = [&](auto &p) {
        p.mechanics_settings.generalized_plane_strain = true;
        p.setup();
        p.transport->set_uniform_concentration(0.8 * 50000.);
        p.mechanics->solve(p.model->concentration_view());
        const double scale = 1e11 * 3e-6 * 50000. * 0.3 / 3.;
        const double uniform = p.max_abs_stress() / scale;
        const double szz     = p.max_over_points([](const MaterialPointState &s) { return std::abs(s.stress[2][2]); });
        std::cout << "  generalized plane strain, uniform swelling: max in-plane |sigma|/(E eps) = " << uniform
                  << ", max |sigma_zz|/(E eps) = " << szz / scale << std::endl;
        EXPECT_LT(uniform, 1e-8);
        EXPECT_LT(szz / scale, 1e-8);
      };
      if (backend == 0)
        run(trilinos);
      else
        run(petsc);
    }
  // After 60 s of charge: in-plane stresses as in plane strain, zero axial force.
  CoupledParticle<2> plane(1e-6, 3, 1), generalized(1e-6, 3, 1);
  generalized.mechanics_settings.generalized_plane_strain = true;
  for (auto *p : {&plane, &generalized})
    {
      p->transport_settings.initial_stoichiometry = 0.8;
      p->mechanics_settings.stress_coupled_diffusion = false;
      p->setup();
      p->model->advance(60., {Control::Mode::current, 2. * p->model->one_c_current()});
      p->model->accept();
    }
  const double s_plane = plane.max_over_points([](const MaterialPointState &s) { return s.stress[0][0]; });
  const double s_gen   = generalized.max_over_points([](const MaterialPointState &s) { return s.stress[0][0]; });
  const double zz_gen_max = generalized.max_over_points([](const MaterialPointState &s) { return s.stress[2][2]; });
  const double zz_gen_min = -generalized.max_over_points([](const MaterialPointState &s) { return -s.stress[2][2]; });
  std::cout << "  after 60 s at 2C: max sigma_xx plane strain " << s_plane << " Pa, generalized " << s_gen
            << " Pa; generalized sigma_zz in [" << zz_gen_min << ", " << zz_gen_max << "] Pa" << std::endl;
  EXPECT_NEAR(s_gen, s_plane, 1e-8 * std::abs(s_plane));
  EXPECT_LT(zz_gen_min, 0.); // sigma_zz changes sign: zero mean
  EXPECT_GT(zz_gen_max, 0.);
}

// ---------------------------------------------------------------- trigonal stiffness
namespace
{
  // LiCrO2 (Materials Project mp-18793, data/measured): C11, C12, C13, C14, C33, C44 [Pa].
  constexpr double trigonal_constants[6] = {351e9, 106e9, 69e9, -9e9, 203e9, 54e9};

  MechanicalMaterial trigonal_material(const double c14 = trigonal_constants[3])
  {
    MechanicalMaterial m;
    const auto        &k = trigonal_constants;
    m.set_trigonal_elasticity(k[0], k[1], k[2], c14, k[4], k[5]);
    return m;
  }

  double relative_difference(const dealii::SymmetricTensor<4, 3> &a, const dealii::SymmetricTensor<4, 3> &b)
  {
    const dealii::Tensor<4, 3> ta(a), tb(b);
    return (ta - tb).norm() / tb.norm();
  }

  // The 6x6 Voigt matrix (11, 22, 33, 23, 13, 12) read off by hand from the
  // constants, independent of the tensor code: Nye's table for class -3m with
  // x_1 along a two-fold axis.
  using Voigt = std::array<std::array<double, 6>, 6>;
  Voigt trigonal_voigt(const double c11, const double c12, const double c13, const double c14, const double c33,
                       const double c44)
  {
    const double c66 = 0.5 * (c11 - c12);
    return {{{c11, c12, c13, c14, 0., 0.},
             {c12, c11, c13, -c14, 0., 0.},
             {c13, c13, c33, 0., 0., 0.},
             {c14, -c14, 0., c44, 0., 0.},
             {0., 0., 0., 0., c44, c14},
             {0., 0., 0., 0., c14, c66}}};
  }

  // Bond's 6x6 stress transformation K for the rotation R (Auld, Acoustic
  // Fields and Waves, 1973): C' = K C K^T in Voigt notation.
  Voigt bond_matrix(const dealii::Tensor<2, 3> &a)
  {
    Voigt K;
    const unsigned int n[3][2] = {{1, 2}, {0, 2}, {0, 1}};
    for (unsigned int i = 0; i < 3; ++i)
      {
        for (unsigned int j = 0; j < 3; ++j)
          K[i][j] = a[i][j] * a[i][j];
        K[i][3] = 2. * a[i][1] * a[i][2];
        K[i][4] = 2. * a[i][0] * a[i][2];
        K[i][5] = 2. * a[i][0] * a[i][1];
      }
    for (unsigned int r = 0; r < 3; ++r)
      {
        const unsigned int i = n[r][0], k = n[r][1];
        for (unsigned int j = 0; j < 3; ++j)
          K[3 + r][j] = a[i][j] * a[k][j];
        K[3 + r][3] = a[i][1] * a[k][2] + a[i][2] * a[k][1];
        K[3 + r][4] = a[i][0] * a[k][2] + a[i][2] * a[k][0];
        K[3 + r][5] = a[i][0] * a[k][1] + a[i][1] * a[k][0];
      }
    return K;
  }

  double voigt_of(const dealii::SymmetricTensor<4, 3> &C, const unsigned int I, const unsigned int J)
  {
    constexpr unsigned int i[6] = {0, 1, 2, 1, 0, 0}, j[6] = {0, 1, 2, 2, 2, 1};
    return C[i[I]][j[I]][i[J]][j[J]];
  }
} // namespace

// The trigonal stiffness: Nye's Voigt matrix, C14 = 0 gives the hexagonal
// form, the symmetry operations of -3m leave it unchanged (120 deg about c,
// 180 deg about the a-axis), 60 deg about c flips the sign of C14, and the
// rotated tensor equals Bond's Voigt transformation.
TEST(Mechanics, TrigonalStiffnessHasTheSymmetriesOfClassMinus3m)
{
  const auto        &k = trigonal_constants;
  MechanicalMaterial trigonal = trigonal_material(), hexagonal, zero = trigonal_material(0.);
  hexagonal.set_hexagonal_elasticity(k[0], k[1], k[2], k[4], k[5]);
  EXPECT_EQ(trigonal.elasticity_model(), MechanicalMaterial::Elasticity::trigonal);
  EXPECT_EQ(hexagonal.elasticity_model(), MechanicalMaterial::Elasticity::hexagonal);
  const dealii::Tensor<2, 3> I(dealii::unit_symmetric_tensor<3>());
  EXPECT_EQ(relative_difference(zero.stiffness(I), hexagonal.stiffness(I)), 0.);

  const Voigt expected = trigonal_voigt(k[0], k[1], k[2], k[3], k[4], k[5]);
  for (unsigned int a = 0; a < 6; ++a)
    for (unsigned int b = 0; b < 6; ++b)
      EXPECT_EQ(voigt_of(trigonal.stiffness(I), a, b), expected[a][b]) << a << b;

  const dealii::Tensor<1, 3> c_axis({0., 0., 1.}), a_axis({1., 0., 0.}), b_axis({0., 1., 0.});
  const auto                 C0 = trigonal.stiffness(I);
  const double three_fold = relative_difference(trigonal.stiffness(rotation_about_axis(c_axis, 2. * M_PI / 3.)), C0);
  const double two_fold   = relative_difference(trigonal.stiffness(rotation_about_axis(a_axis, M_PI)), C0);
  const double six_fold   = relative_difference(trigonal.stiffness(rotation_about_axis(c_axis, M_PI / 3.)), C0);
  const double other_two  = relative_difference(trigonal.stiffness(rotation_about_axis(b_axis, M_PI)), C0);
  const double flipped =
    relative_difference(trigonal.stiffness(rotation_about_axis(c_axis, M_PI / 3.)), trigonal_material(-k[3]).stiffness(I));
  std::cout << "  trigonal C: |C(120 deg about c) - C|/|C| = " << three_fold
            << ", |C(180 deg about a) - C|/|C| = " << two_fold << ", 60 deg about c: " << six_fold
            << " (= C with -C14 to " << flipped << "), 180 deg about b: " << other_two << std::endl;
  EXPECT_LT(three_fold, 1e-14);
  EXPECT_LT(two_fold, 1e-14);
  EXPECT_LT(flipped, 1e-14);
  EXPECT_GT(six_fold, 1e-2); // not symmetry operations of -3m
  EXPECT_GT(other_two, 1e-2);
  // Hexagonal: 60 deg about c is a symmetry.
  EXPECT_LT(relative_difference(hexagonal.stiffness(rotation_about_axis(c_axis, M_PI / 3.)), hexagonal.stiffness(I)),
            1e-14);

  for (const auto &R : {rotation_from_bunge(0.4, 0.9, 1.3), rotation_from_bunge(2.2, 2.7, -0.6)})
    {
      const Voigt K = bond_matrix(R);
      const auto  CR = trigonal.stiffness(R);
      double      worst = 0., scale = 0.;
      for (unsigned int a = 0; a < 6; ++a)
        for (unsigned int b = 0; b < 6; ++b)
          {
            double bond = 0.;
            for (unsigned int p = 0; p < 6; ++p)
              for (unsigned int q = 0; q < 6; ++q)
                bond += K[a][p] * expected[p][q] * K[b][q];
            worst = std::max(worst, std::abs(voigt_of(CR, a, b) - bond));
            scale = std::max(scale, std::abs(bond));
          }
      std::cout << "  rotated trigonal C against Bond's Voigt transformation: max difference / max entry = "
                << worst / scale << std::endl;
      EXPECT_LT(worst / scale, 1e-14);
    }
  // Voigt averages: K_V = ((2 C11 + C33) + 2 (C12 + 2 C13))/9 and
  // G_V = ((2 C11 + C33) - (C12 + 2 C13) + 3 (2 C44 + C66))/15 (C14 drops out).
  const double KV = (2. * k[0] + k[4] + 2. * (k[1] + 2. * k[2])) / 9.;
  const double GV = (2. * k[0] + k[4] - (k[1] + 2. * k[2]) + 3. * (2. * k[5] + 0.5 * (k[0] - k[1]))) / 15.;
  EXPECT_NEAR(trigonal.bulk_modulus() / KV, 1., 1e-14);
  EXPECT_NEAR(trigonal.shear_modulus() / GV, 1., 1e-14);
  // The Materials Project page lists K_V = 154.78 GPa and G_V = 90.067 GPa for LiCrO2.
  EXPECT_NEAR(KV / 1e9, 154.78, 0.01);
  EXPECT_NEAR(GV / 1e9, 90.067, 0.11); // the page rounds C66 = (C11 - C12)/2 = 122.5 to 122: G_V + 0.1
}

TEST(Mechanics, TrigonalStiffnessMustBePositiveDefinite)
{
  const auto &k = trigonal_constants;
  // C44 (C11 - C12) > 2 C14^2: |C14| < sqrt(54 * 245 / 2) GPa = 81.3 GPa.
  EXPECT_NO_THROW(trigonal_material(-80e9));
  EXPECT_THROW(trigonal_material(-82e9), InputError);
  EXPECT_THROW(trigonal_material(82e9), InputError);
  MechanicalMaterial m;
  EXPECT_THROW(m.set_trigonal_elasticity(k[0], k[1], 400e9, k[3], k[4], k[5]), InputError); // C13 too large
  EXPECT_THROW(m.set_hexagonal_elasticity(k[0], k[1], k[2], k[4], -1e9), InputError);
  try
    {
      m.set_trigonal_elasticity(k[0], k[1], k[2], 90e9, k[4], k[5]);
    }
  catch (const InputError &error)
    {
      EXPECT_NE(std::string(error.what()).find("Material/C11, C12, C13, C14, C33, C44"), std::string::npos);
      EXPECT_NE(std::string(error.what()).find("not positive definite"), std::string::npos);
    }
}

namespace
{
  /// u = eps X: a uniform strain.
  class AffineDisplacement : public dealii::Function<3>
  {
  public:
    explicit AffineDisplacement(const dealii::SymmetricTensor<2, 3> &strain)
      : dealii::Function<3>(3)
      , strain(strain)
    {}
    double value(const dealii::Point<3> &p, const unsigned int component) const override
    {
      double u = 0.;
      for (unsigned int j = 0; j < 3; ++j)
        u += strain[component][j] * p[j];
      return u;
    }
    dealii::SymmetricTensor<2, 3> strain;
  };

  /// The largest deviation of sigma from @p expected over the quadrature points
  /// of a cube whose whole surface is displaced by u = @p strain X.
  double uniform_strain_stress_error(const MechanicalMaterial &material, const dealii::Tensor<2, 3> &rotation,
                                     const dealii::SymmetricTensor<2, 3> &strain,
                                     const dealii::SymmetricTensor<2, 3> &expected)
  {
    camfrac::testing::FractureSpecimen<3> specimen;
    dealii::GridGenerator::subdivided_hyper_cube(specimen.triangulation, 2, 0., 1e-5);
    specimen.material                            = material;
    specimen.material.set_isotropic_chemical_strain(0., 0., 1.);
    specimen.fracture_settings.residual_stiffness = 0.; // g(0) = 1
    specimen.setup([&](MechanicsField<3, TrilinosBackend> &m) {
      m.set_orientation(rotation);
      m.set_dirichlet_boundary(std::make_shared<AffineDisplacement>(strain));
    });
    specimen.mechanics->solve(specimen.concentration());
    const dealii::QGauss<3>         quadrature(2);
    std::vector<double>             c(quadrature.size(), 0.);
    std::vector<MaterialPointState> states;
    double                          worst = 0.;
    for (const auto &cell : specimen.triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          specimen.mechanics->evaluate(cell, quadrature, c, states);
          for (const auto &s : states)
            worst = std::max(worst, (s.stress - expected).norm());
        }
    return dealii::Utilities::MPI::max(worst, MPI_COMM_WORLD);
  }
} // namespace

// Through the finite-element mechanics: a cube displaced by u = eps X on its
// whole surface has the uniform stress C : eps. For a trigonal crystal in its
// own axes, a shear eps_23 = g gives sigma_11 = 2 C14 g = -sigma_22 and
// sigma_23 = 2 C44 g (Voigt: sigma_1 = C14 gamma_4, sigma_2 = -C14 gamma_4);
// a shear eps_12 = g gives sigma_13 = 2 C14 g and sigma_12 = (C11 - C12) g.
// A rotated crystal under the rotated strain carries the rotated stress.
TEST(Mechanics, TrigonalCrystalUnderUniformShearHasTheClosedFormStress)
{
  const auto        &k = trigonal_constants;
  const auto         material = trigonal_material();
  const double       g        = 1e-3;
  const dealii::Tensor<2, 3> I(dealii::unit_symmetric_tensor<3>());
  dealii::SymmetricTensor<2, 3> shear_23, stress_23, shear_12, stress_12;
  shear_23[1][2] = g;
  stress_23[0][0] = 2. * k[3] * g, stress_23[1][1] = -2. * k[3] * g, stress_23[1][2] = 2. * k[5] * g;
  shear_12[0][1] = g;
  stress_12[0][2] = 2. * k[3] * g, stress_12[0][1] = (k[0] - k[1]) * g;
  const double scale = k[5] * g;
  const double e23   = uniform_strain_stress_error(material, I, shear_23, stress_23) / scale;
  const double e12   = uniform_strain_stress_error(material, I, shear_12, stress_12) / scale;
  // Rotated: strain R eps R^T, stress R sigma R^T.
  const auto R      = rotation_from_bunge(0.4, 0.9, 1.3);
  const auto rotate = [&](const dealii::SymmetricTensor<2, 3> &t) {
    return dealii::symmetrize(R * dealii::Tensor<2, 3>(t) * dealii::transpose(R));
  };
  const double rotated = uniform_strain_stress_error(material, R, rotate(shear_23), rotate(stress_23)) / scale;
  std::cout << "  uniform shear of a trigonal crystal: max |sigma - sigma_exact| / (C44 g) = " << e23
            << " (eps_23), " << e12 << " (eps_12), " << rotated << " (rotated crystal, rotated eps_23)"
            << "; C14 term 2 C14 g / (C44 g) = " << 2. * std::abs(k[3]) / k[5] << std::endl;
  EXPECT_LT(e23, 1e-8);
  EXPECT_LT(e12, 1e-8);
  EXPECT_LT(rotated, 1e-8);
}

// The x-dependent stiffness C(x) = phi(x) C, phi = 1 - beta (x_ref - x)
// (docs/theory.md [C-x]), through the FE mechanics:
// - a free sphere at uniform x under a pressure p: sigma = -p I, and
//   Delta V/V = (1 + eps_ch - p/(3 K phi))^3 - 1, so the matrix follows x;
// - a cube displaced by u = eps X (trigonal C, isotropic chemical strain):
//   sigma = phi C : (eps - eps_ch); the stress potential s is -d psi/dc at
//   fixed strain and -ds/dc is the reported fixed-strain stiffness (central
//   differences in c).
TEST(Mechanics, StiffnessSofteningEntersTheStressAndTheChemicalPotential)
{
  const double beta = 0.44, c_max = 50000., x = 0.3;
  {
    CoupledParticle<3, TrilinosBackend> p(1e-6, 1, 1);
    p.mechanics_settings.external_pressure     = 1e8;
    p.mechanics_settings.linear_solver.method  = LinearSolverSettings::Method::direct;
    p.mechanical_material.stiffness_softening  = beta; // x_ref = 0.5 (the fixture's isotropic strain)
    p.setup();
    p.transport->set_uniform_concentration(x * c_max);
    p.mechanics->solve(p.model->concentration_view());
    const double phi       = 1. - beta * (0.5 - x);
    const double K         = 1e11 / (3. * (1. - 2. * 0.3));
    const double eps_ch    = p.mechanical_material.principal_chemical_strain(x).first;
    const double expected  = std::pow(1. + eps_ch - 1e8 / (3. * K * phi), 3) - 1.;
    const double unsoftened = std::pow(1. + eps_ch - 1e8 / (3. * K), 3) - 1.;
    const double actual    = p.mechanics->summary(p.model->concentration_view()).volume_change;
    const double deviation = p.max_over_points([](const MaterialPointState &s) {
      return (s.stress + 1e8 * dealii::unit_symmetric_tensor<3>()).norm();
    });
    std::cout << "  x = " << x << ", phi = " << phi << ": Delta V/V = " << actual << " (exact " << expected
              << ", without the softening " << unsoftened << "), max |sigma + p I|/p = " << deviation / 1e8 << std::endl;
    EXPECT_NEAR(actual / expected, 1., 1e-8);
    EXPECT_LT(deviation / 1e8, 1e-8);
  }

  camfrac::testing::FractureSpecimen<3> specimen;
  dealii::GridGenerator::subdivided_hyper_cube(specimen.triangulation, 2, 0., 1e-5);
  specimen.material = trigonal_material();
  specimen.material.set_isotropic_chemical_strain(3e-6, 1., c_max);
  specimen.material.stiffness_softening         = beta;
  specimen.fracture_settings.residual_stiffness = 0.;
  dealii::SymmetricTensor<2, 3> strain;
  strain[0][0] = 1e-3, strain[1][1] = -2e-3, strain[2][2] = 0.5e-3, strain[0][1] = 0.7e-3, strain[1][2] = -0.4e-3;
  const auto R = rotation_from_bunge(0.4, 0.9, 1.3);
  specimen.setup(
    [&](MechanicsField<3, TrilinosBackend> &m) {
      m.set_orientation(R);
      m.set_dirichlet_boundary(std::make_shared<AffineDisplacement>(strain));
    },
    {}, x * c_max);
  specimen.mechanics->solve(specimen.concentration());
  const double                    phi = 1. - beta * (1. - x);
  const dealii::SymmetricTensor<2, 3> eps_ch = specimen.material.chemical_strain(x * c_max, R);
  const dealii::SymmetricTensor<2, 3> sigma  = phi * (specimen.material.stiffness(R) * (strain - eps_ch));
  const dealii::QGauss<3>         quadrature(2);
  std::vector<MaterialPointState> states, plus, minus;
  double stress_error = 0., potential_error = 0., stiffness_error = 0.;
  const double h = 1e-4 * c_max;
  for (const auto &cell : specimen.triangulation.active_cell_iterators())
    if (cell->is_locally_owned())
      {
        specimen.mechanics->evaluate(cell, quadrature, std::vector<double>(quadrature.size(), x * c_max), states);
        specimen.mechanics->evaluate(cell, quadrature, std::vector<double>(quadrature.size(), x * c_max + h), plus);
        specimen.mechanics->evaluate(cell, quadrature, std::vector<double>(quadrature.size(), x * c_max - h), minus);
        for (unsigned int q = 0; q < quadrature.size(); ++q)
          {
            stress_error = std::max(stress_error, (states[q].stress - sigma).norm() / sigma.norm());
            const double dpsi = (plus[q].elastic_energy_density - minus[q].elastic_energy_density) / (2. * h);
            potential_error =
              std::max(potential_error, std::abs(dpsi + states[q].stress_potential) / std::abs(states[q].stress_potential));
            const double ds = (plus[q].stress_potential - minus[q].stress_potential) / (2. * h);
            stiffness_error = std::max(stiffness_error, std::abs(ds + states[q].fixed_strain_stiffness) /
                                                          std::abs(states[q].fixed_strain_stiffness));
          }
      }
  std::cout << "  cube, phi = " << phi << ": |sigma - phi C:(eps - eps_ch)|/|sigma| = " << stress_error
            << "; s against -d psi/dc: " << potential_error << "; fixed-strain stiffness against -ds/dc: "
            << stiffness_error << " (central differences, h = 1e-4 c_max)" << std::endl;
  EXPECT_LT(stress_error, 1e-10);
  EXPECT_LT(potential_error, 1e-6);
  EXPECT_LT(stiffness_error, 1e-6);
}
