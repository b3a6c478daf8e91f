// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Polycrystals under a uniform change of Li content in a free particle
// (docs/verification.md §H):
// - isotropic swelling of any polycrystal is stress-free, even with
//   anisotropic stiffness;
// - the anisotropic NMC811 lattice strain of randomly oriented grains gives
//   mismatch stress that concentrates at grain boundaries;
// - a perfectly radially textured sphere (c-axis along r) matches the
//   closed-form solution of a spherically anisotropic sphere, with no
//   grain-boundary jumps.

#include "mechanics_fixture.h"

#include <camfrac/material/orientation.h>
#include <camfrac/microstructure/material_field.h>
#include <camfrac/simulation.h>

#include <gtest/gtest.h>

using namespace camfrac;
using namespace camfrac::testing;

namespace
{
  // Call f(point, material point, state) at every quadrature point of the particle.
  template <int dim, typename F>
  void for_each_point(const CoupledParticle<dim> &p, F &&f)
  {
    const dealii::QGauss<dim> quadrature(p.mechanics->get_fe_degree() + 1);
    dealii::FEValues<dim>     values(p.transport->get_mapping(), p.transport->get_dof_handler().get_fe(), quadrature,
                                 dealii::update_values | dealii::update_quadrature_points | dealii::update_JxW_values);
    std::vector<double>             c(quadrature.size());
    std::vector<MaterialPointState> states;
    for (const auto &cell : p.transport->get_dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        {
          values.reinit(cell);
          values.get_function_values(p.transport->concentration(), c);
          p.mechanics->evaluate(cell, quadrature, c, states);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            f(values.quadrature_point(q), p.material_field->point(cell, values.quadrature_point(q)), states[q],
              values.JxW(q));
        }
  }

  template <int dim>
  std::shared_ptr<Microstructure<dim>> voronoi(const unsigned int                               n_grains,
                                               const typename Microstructure<dim>::OrientationDistribution distribution,
                                               const double radius)
  {
    auto structure                  = std::make_shared<Microstructure<dim>>();
    structure->grain_type           = Microstructure<dim>::GrainType::voronoi;
    structure->n_grains_requested   = n_grains;
    structure->minimum_seed_spacing = 0.3 * radius;
    structure->random_seed          = 17;
    structure->distribution         = distribution;
    structure->boundary_width       = 0.1 * radius;
    ParticleGeometry geometry;
    geometry.radius = radius;
    structure->initialize(geometry, dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()));
    return structure;
  }

  double von_mises(const dealii::SymmetricTensor<2, 3> &s)
  {
    return std::sqrt(1.5) * dealii::deviator(s).norm();
  }
} // namespace

template <int dim>
void check_isotropic_swelling_of_a_polycrystal()
{
  const double        radius = 5e-6;
  CoupledParticle<dim> p(radius, dim == 2 ? 3 : 1, 1);
  // Strongly anisotropic hexagonal stiffness in 3D; isotropic chemical
  // strain. (In 2D plane strain the constraint eps_zz = 0 acting on
  // differently rotated anisotropic grains is itself a mismatch, so the
  // stress-free statement needs isotropic stiffness there.)
  if (dim == 3)
    p.mechanical_material.set_hexagonal_elasticity(250e9, 80e9, 60e9, 180e9, 60e9);
  else
    p.mechanical_material.set_isotropic_elasticity(180e9, 0.3);
  p.mechanical_material.set_isotropic_chemical_strain(3e-6, 0.5, 50000.);
  p.mechanics_settings.stress_coupled_diffusion = false;
  p.material_field = std::make_shared<MaterialField<dim>>(
    voronoi<dim>(dim == 2 ? 10 : 8, Microstructure<dim>::OrientationDistribution::random, radius), p.material,
    p.mechanical_material);
  p.setup(2);
  p.transport->set_uniform_concentration(0.8 * 50000.);
  p.mechanics->solve(p.model->concentration_view());
  const double eps   = 3e-6 * (0.8 - 0.5) * 50000. / 3.;
  const double scale = 180e9 * eps;
  const double ratio = p.max_abs_stress() / scale;
  std::cout << "  " << dim << "D random polycrystal, isotropic swelling " << eps
            << ": max|sigma| / (C33 eps) = " << ratio << std::endl;
  EXPECT_LT(ratio, 1e-8);
}

TEST(Polycrystal, IsotropicSwellingIsStressFree2D) { check_isotropic_swelling_of_a_polycrystal<2>(); }
TEST(Polycrystal, IsotropicSwellingIsStressFree3D) { check_isotropic_swelling_of_a_polycrystal<3>(); }

template <int dim>
void check_mismatch_stress_concentrates_at_boundaries()
{
  const double         radius = 5e-6;
  CoupledParticle<dim> p(radius, dim == 2 ? 4 : 2, 1);
  // NMC811 lattice curve (Maerker 2019) at x = 0.3, random grains.
  dealii::ParameterHandler prm;
  MechanicalMaterial::declare_parameters(prm);
  p.mechanical_material.parse_parameters(prm, default_data_directory(), 50000.);
  p.mechanics_settings.stress_coupled_diffusion = false;
  const auto structure = voronoi<dim>(dim == 2 ? 12 : 10, Microstructure<dim>::OrientationDistribution::random, radius);
  p.material_field     = std::make_shared<MaterialField<dim>>(structure, p.material, p.mechanical_material);
  p.setup(dim == 2 ? 2 : 1);
  p.transport->set_uniform_concentration(0.3 * 50000.);
  p.mechanics->solve(p.model->concentration_view());

  const auto [ea, ec] = p.mechanical_material.principal_chemical_strain(0.3);
  const double band   = structure->boundary_half_width();
  // Two measures, each averaged over the grain-boundary band (d < w/2) and
  // over grain interiors (d > 3 w/2): the von Mises stress, and the
  // deviation |sigma - <sigma>_grain| from the grain's mean stress. In 2D
  // plane strain each grain also carries a nearly uniform stress from
  // eps_zz = 0, so there the deviation shows the boundary concentration.
  std::vector<dealii::SymmetricTensor<2, 3>> grain_mean(structure->n_grains());
  std::vector<double>                        grain_volume(structure->n_grains());
  for_each_point<dim>(p, [&](const auto &, const MaterialPoint &point, const MaterialPointState &state, double JxW) {
    grain_mean[point.grain.grain] += state.stress * JxW;
    grain_volume[point.grain.grain] += JxW;
  });
  for (unsigned int g = 0; g < grain_mean.size(); ++g)
    if (grain_volume[g] > 0.)
      grain_mean[g] /= grain_volume[g];
  double band_sum = 0., band_volume = 0., interior_sum = 0., interior_volume = 0.;
  double band_deviation = 0., interior_deviation = 0.;
  for_each_point<dim>(p, [&](const auto &, const MaterialPoint &point, const MaterialPointState &state, double JxW) {
    const double deviation = (state.stress - grain_mean[point.grain.grain]).norm();
    if (point.grain.boundary_distance < band)
      {
        band_sum += von_mises(state.stress) * JxW;
        band_deviation += deviation * JxW;
        band_volume += JxW;
      }
    else if (point.grain.boundary_distance > 3. * band)
      {
        interior_sum += von_mises(state.stress) * JxW;
        interior_deviation += deviation * JxW;
        interior_volume += JxW;
      }
  });
  const double band_mean     = band_sum / band_volume;
  const double interior_mean = interior_sum / interior_volume;
  band_deviation /= band_volume;
  interior_deviation /= interior_volume;
  const auto   summary       = p.mechanics->summary(p.model->concentration_view());
  std::cout << "  " << dim << "D NMC811 random polycrystal at x = 0.3 (eps_a = " << ea << ", eps_c = " << ec
            << "): mean von Mises " << band_mean / 1e6 << " MPa in the grain-boundary band, " << interior_mean / 1e6
            << " MPa inside grains; deviation from the grain mean " << band_deviation / 1e6 << " MPa (band), "
            << interior_deviation / 1e6 << " MPa (interior); max GB normal stress " << summary.max_gb_normal_stress / 1e6
            << " MPa; mean misorientation " << summary.mean_misorientation << " deg" << std::endl;
  // Mismatch stress of order C |eps_c - eps_a| ...
  EXPECT_GT(band_mean, 0.05 * 191e9 * std::abs(ec - ea));
  // ... concentrated at grain boundaries.
  if (dim == 3)
    EXPECT_GT(band_mean, 1.5 * interior_mean);
  EXPECT_GT(band_deviation, 1.5 * interior_deviation);
  EXPECT_GT(summary.max_gb_normal_stress, 0.);
  // Random misorientations reduced by 622 symmetry lie in [0, 93.8] deg, with a mean near 55-60 deg.
  EXPECT_GT(summary.mean_misorientation, 40.);
  EXPECT_LT(summary.mean_misorientation, 85.);
}

TEST(Polycrystal, AnisotropicMismatchStressConcentratesAtGrainBoundaries2D)
{
  check_mismatch_stress_concentrates_at_boundaries<2>();
}
TEST(Polycrystal, AnisotropicMismatchStressConcentratesAtGrainBoundaries3D)
{
  check_mismatch_stress_concentrates_at_boundaries<3>();
}

// A sphere whose c-axis is radial everywhere is spherically anisotropic:
// sigma_r = C33 (u' - eps_c) + 2 C13 (u/r - eps_a),
// sigma_t = C13 (u' - eps_c) + (C11 + C12) (u/r - eps_a),
// and equilibrium gives u = A r + B r^lambda with
// lambda = (-1 + sqrt(1 + 8 (C11 + C12 - C13) / C33)) / 2,
// A = K / (C33 + C13 - C11 - C12), K = (C33 - C13) eps_c + (2 C13 - C11 - C12) eps_a,
// and B from sigma_r(R) = 0 (docs/verification.md §H).
TEST(Polycrystal, RadialTextureMatchesSphericallyAnisotropicSolution)
{
  const double       radius = 5e-6;
  CoupledParticle<3> p(radius, 2, 1);
  const double       C11 = 250e9, C12 = 80e9, C13 = 60e9, C33 = 180e9, C44 = 60e9;
  p.mechanical_material.set_hexagonal_elasticity(C11, C12, C13, C33, C44);
  // Linear lattice parameters: eps_a = -1%, eps_c = +2% at x = 0.3 relative to x = 0.5.
  p.mechanical_material.set_lattice_chemical_strain(MonotoneCubic({0., 0.5, 1.}, {0.975, 1., 1.025}),
                                                    MonotoneCubic({0., 0.5, 1.}, {1.05, 1., 0.95}), 0.5, 50000.);
  const auto [ea, ec] = p.mechanical_material.principal_chemical_strain(0.3);
  p.mechanics_settings.stress_coupled_diffusion = false;
  // Voronoi grains with a perfect radial texture: the grains must not show.
  const auto structure = voronoi<3>(12, Microstructure<3>::OrientationDistribution::radial, radius);
  p.material_field     = std::make_shared<MaterialField<3>>(structure, p.material, p.mechanical_material);
  p.setup(2);
  p.transport->set_uniform_concentration(0.3 * 50000.);
  p.mechanics->solve(p.model->concentration_view());

  const double lambda = 0.5 * (-1. + std::sqrt(1. + 8. * (C11 + C12 - C13) / C33));
  const double K      = (C33 - C13) * ec + (2. * C13 - C11 - C12) * ea;
  const double A      = K / (C33 + C13 - C11 - C12);
  const double BR     = (C33 * (ec - A) + 2. * C13 * (ea - A)) / (C33 * lambda + 2. * C13); // B R^(lambda-1)
  const auto   exact  = [&](const double r) {
    const double s      = BR * std::pow(r / radius, lambda - 1.);
    const double du     = A + lambda * s, u_r = A + s;
    return std::make_pair(C33 * (du - ec) + 2. * C13 * (u_r - ea), C13 * (du - ec) + (C11 + C12) * (u_r - ea));
  };
  const double scale = std::abs(exact(0.).first) + std::abs(exact(radius).second);
  double       error_band = 0., error_interior = 0., error_sq = 0., norm_sq = 0.;
  for_each_point<3>(p, [&](const dealii::Point<3> &x, const MaterialPoint &point, const MaterialPointState &state,
                           const double JxW) {
    const double r = x.norm();
    if (r < 0.3 * radius)
      return;
    const dealii::Tensor<1, 3> n = x / r;
    dealii::Tensor<1, 3>       t = dealii::cross_product_3d(dealii::Tensor<1, 3>({0.3, 0.5, 0.8}), n);
    t /= t.norm();
    const auto   [sr, st] = exact(r);
    const double e = std::max(std::abs(n * (state.stress * n) - sr), std::abs(t * (state.stress * t) - st));
    (point.grain.boundary_distance < structure->boundary_half_width() ? error_band : error_interior) =
      std::max(point.grain.boundary_distance < structure->boundary_half_width() ? error_band : error_interior, e);
    error_sq += e * e * JxW;
    norm_sq += (sr * sr + st * st) * JxW;
  });
  const double l2 = std::sqrt(error_sq / norm_sq);
  std::cout << "  radial texture, lambda = " << lambda << ", sigma_r(0) = " << exact(0.).first / 1e6
            << " MPa, sigma_t(R) = " << exact(radius).second / 1e6 << " MPa; r >= 0.3 R: relative L2 error " << l2
            << ", max error / scale " << error_band / scale << " (GB band), " << error_interior / scale
            << " (grain interiors)" << std::endl;
  EXPECT_LT(l2, 0.03);
  EXPECT_LT(error_band / scale, 0.1);
  // No grain-boundary jump: the band is no worse than the interiors.
  EXPECT_LT(error_band, 1.5 * error_interior + 1e-6 * scale);
}

// Core-shell particle, isotropic elasticity (E, nu) and isotropic chemical
// strains eps_1 (core, r < a) and eps_2 (shell) at a uniform x: the core is
// under the uniform hydrostatic stress of a misfitting concentric inclusion.
// Plane strain disk: sigma_r = sigma_t = E (eps_2 - eps_1)(1 - a^2/R^2) / (2 (1 - nu)).
TEST(Composition, CoreShellMisfitStressInTheCore)
{
  const double          radius = 5e-6, a = 0.6 * radius, E = 1e11, nu = 0.3, c_max = 50000.;
  CoupledParticle<2>    p(radius, 5, 1);
  p.mechanics_settings.stress_coupled_diffusion = false;
  p.mechanical_material.set_isotropic_elasticity(E, nu);
  p.mechanical_material.set_isotropic_chemical_strain(3e-6, 0.5, c_max);
  MechanicalMaterial shell_mechanics;
  shell_mechanics.set_isotropic_elasticity(E, nu);
  shell_mechanics.set_isotropic_chemical_strain(1e-6, 0.5, c_max);
  auto structure                      = std::make_shared<Microstructure<2>>();
  structure->profile.type             = CompositionProfile::Type::core_shell;
  structure->profile.core_radius      = a;
  structure->profile.transition_width = 0.;
  ParticleGeometry geometry;
  geometry.radius = radius;
  structure->initialize(geometry, dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()));
  p.material_field = std::make_shared<MaterialField<2>>(structure, p.material, p.mechanical_material);
  p.material_field->set_shell(p.material, shell_mechanics);
  p.setup(2);
  p.transport->set_uniform_concentration(0.8 * c_max);
  p.mechanics->solve(p.model->concentration_view());

  const double eps_core = 3e-6 * 0.3 * c_max / 3., eps_shell = 1e-6 * 0.3 * c_max / 3.;
  const double exact    = E * (eps_shell - eps_core) * (1. - a * a / (radius * radius)) / (2. * (1. - nu));
  double       worst    = 0.;
  for_each_point<2>(p, [&](const dealii::Point<2> &x, const MaterialPoint &, const MaterialPointState &state, double) {
    if (x.norm() < 0.4 * radius)
      worst = std::max({worst, std::abs(state.stress[0][0] - exact), std::abs(state.stress[1][1] - exact),
                        std::abs(state.stress[0][1])});
  });
  std::cout << "  core-shell disk: core stress " << exact / 1e6 << " MPa, max deviation for r < 0.4 R: "
            << worst / std::abs(exact) << " (relative)" << std::endl;
  EXPECT_LT(worst / std::abs(exact), 0.02);
}

// A coated particle in a solid-electrolyte matrix conserves Li: the Li
// content changes by exactly the charge passed, and the mesh outside the
// particle carries none.
TEST(Composition, CoatedParticleInMatrixConservesLithium)
{
  dealii::ParameterHandler prm;
  Simulation<2>::declare_parameters(prm);
  prm.parse_input_from_string("set Dimension = 2\n"
                              "subsection Geometry\n set Particle radius = 3e-6\n set Global refinements = 3\n"
                              " set Coating thickness = 3e-7\n set Matrix outer radius = 5e-6\nend\n"
                              "subsection Microstructure\n set Grains = Voronoi\n set Number of grains = 6\n"
                              " set Orientation distribution = random\nend\n"
                              "subsection Mechanics\n set Enable = true\n set Stress-coupled diffusion = false\nend\n"
                              "subsection Transport\n set Newton tolerance = 1e-12\nend\n"
                              "subsection Protocol\n set Steps = charge 2C for 10 min; rest 2 min\nend\n"
                              "subsection Output\n set Directory = output-coated-matrix\n set Write fields = false\nend\n");
  Simulation<2> simulation(prm, MPI_COMM_SELF);
  simulation.set_quiet(true);
  simulation.run();
  const auto &rows    = simulation.history();
  double      charge  = 0.;
  for (std::size_t k = 1; k < rows.size(); ++k)
    charge += rows[k].step.current * rows[k].step.dt / constants::faraday;
  const double change = rows.front().step.state.lithium_mol - rows.back().step.state.lithium_mol;
  // Li in the particle only: x = 0.9 initially over the particle area pi R^2.
  const ElectrodeMaterial nmc811;
  const double initial = 0.9 * nmc811.maximum_concentration * M_PI * 9e-12;
  std::cout << "  coated particle in matrix: Li removed " << change << " mol/m, charge passed " << charge
            << " mol/m, relative difference " << std::abs(change - charge) / charge << "; initial Li "
            << rows.front().step.state.lithium_mol << " vs " << initial << " mol/m" << std::endl;
  EXPECT_LT(std::abs(change - charge) / charge, 1e-9);
  EXPECT_NEAR(rows.front().step.state.lithium_mol / initial, 1., 0.01); // polygonal area of the mesh
  EXPECT_GT(rows.back().mechanics.max_gb_normal_stress, 0.);
}
