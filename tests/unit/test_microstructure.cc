// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Microstructure: Voronoi grains against brute force, orientation sampling
// against the Haar measure (moments and a Kolmogorov–Smirnov test),
// misorientation with hexagonal symmetry, radial textures, orientation files,
// composition profiles, and the gmsh import round trip.

#include <camfrac/io/errors.h>
#include <camfrac/material/orientation.h>
#include <camfrac/microstructure/material_field.h>
#include <camfrac/microstructure/microstructure.h>

#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_out.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/tria.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

using namespace camfrac;
using dealii::Point;
using dealii::Tensor;

namespace
{
  template <int dim>
  Point<dim> random_point_in_ball(std::mt19937_64 &generator, const double radius)
  {
    while (true)
      {
        Point<dim> p;
        for (unsigned int d = 0; d < dim; ++d)
          p[d] = radius * (2. * uniform_01(generator) - 1.);
        if (p.norm() <= radius)
          return p;
      }
  }

  // Independent reference: nearest seed by a plain scan.
  template <int dim>
  unsigned int nearest_seed(const std::vector<Point<dim>> &seeds, const Point<dim> &p)
  {
    return std::min_element(seeds.begin(), seeds.end(),
                            [&](const Point<dim> &a, const Point<dim> &b) { return p.distance(a) < p.distance(b); }) -
           seeds.begin();
  }

  // Brute-force distance to the boundary of p's grain: along many directions,
  // bisect for the first point whose nearest seed changes; take the minimum.
  template <int dim>
  double brute_force_boundary_distance(const std::vector<Point<dim>> &seeds, const Point<dim> &p,
                                       const unsigned int n_directions)
  {
    const unsigned int own  = nearest_seed(seeds, p);
    double             best = std::numeric_limits<double>::infinity();
    for (unsigned int k = 0; k < n_directions; ++k)
      {
        Tensor<1, dim> u;
        if (dim == 2)
          {
            const double a = 2. * M_PI * k / n_directions;
            u[0]           = std::cos(a);
            u[1]           = std::sin(a);
          }
        else // Fibonacci sphere
          {
            const double z   = 1. - 2. * (k + 0.5) / n_directions;
            const double phi = k * M_PI * (3. - std::sqrt(5.));
            u[0]             = std::sqrt(1. - z * z) * std::cos(phi);
            u[1]             = std::sqrt(1. - z * z) * std::sin(phi);
            u[dim - 1]       = z;
          }
        double hi = 1e-5;
        while (nearest_seed(seeds, p + hi * u) == own && hi < 1e-3)
          hi *= 2.;
        if (nearest_seed(seeds, p + hi * u) == own)
          continue;
        double lo = 0.;
        for (int i = 0; i < 60; ++i)
          {
            const double mid = 0.5 * (lo + hi);
            (nearest_seed(seeds, p + mid * u) == own ? lo : hi) = mid;
          }
        best = std::min(best, hi);
      }
    return best;
  }

  // One-sample Kolmogorov–Smirnov statistic against the uniform law on [a, b].
  double ks_statistic_uniform(std::vector<double> samples, const double a, const double b)
  {
    std::sort(samples.begin(), samples.end());
    const double n = samples.size();
    double       d = 0.;
    for (unsigned int i = 0; i < samples.size(); ++i)
      {
        const double F = (samples[i] - a) / (b - a);
        d              = std::max({d, (i + 1) / n - F, F - i / n});
      }
    return d;
  }

  Tensor<1, 3> column(const Tensor<2, 3> &R, const unsigned int j)
  {
    return Tensor<1, 3>({R[0][j], R[1][j], R[2][j]});
  }
} // namespace

template <int dim>
void check_voronoi_against_brute_force()
{
  const double radius = 5e-6;
  const auto   seeds  = VoronoiGrains<dim>::place_seeds(25, radius, 0.8e-6, 7);
  ASSERT_EQ(seeds.size(), 25u);
  for (unsigned int i = 0; i < seeds.size(); ++i)
    {
      EXPECT_LE(seeds[i].norm(), radius);
      for (unsigned int j = 0; j < i; ++j)
        EXPECT_GE(seeds[i].distance(seeds[j]), 0.8e-6);
    }
  const VoronoiGrains<dim> grains(seeds);
  std::mt19937_64          generator(99);
  double                   worst_distance_error = 0.;
  for (unsigned int k = 0; k < 200; ++k)
    {
      const Point<dim> p        = random_point_in_ball<dim>(generator, radius);
      const auto       location = grains.locate(p);
      ASSERT_EQ(location.grain, nearest_seed(seeds, p));
      if (k < 40)
        {
          const double reference = brute_force_boundary_distance(seeds, p, dim == 2 ? 3600 : 4000);
          worst_distance_error   = std::max(worst_distance_error, std::abs(location.boundary_distance - reference));
          // The analytic distance is never larger than the sampled one.
          EXPECT_LE(location.boundary_distance, reference * (1. + 1e-9) + 1e-15);
        }
      // The boundary point along the normal separates the two named grains.
      Tensor<1, dim> n;
      for (unsigned int d = 0; d < dim; ++d)
        n[d] = location.boundary_normal[d];
      const Point<dim> inside  = p + (location.boundary_distance * (1. - 1e-6)) * n;
      EXPECT_EQ(nearest_seed(seeds, inside), location.grain);
    }
  std::cout << "  " << dim << "D: max |d_analytic - d_brute_force| = " << worst_distance_error << " m" << std::endl;
  // Angular sampling error of the brute force: d (1/cos(pi/n) - 1) ~ 1e-9 m here.
  EXPECT_LT(worst_distance_error, dim == 2 ? 2e-10 : 2e-8);
}

TEST(Microstructure, VoronoiGrainsMatchBruteForce2D) { check_voronoi_against_brute_force<2>(); }
TEST(Microstructure, VoronoiGrainsMatchBruteForce3D) { check_voronoi_against_brute_force<3>(); }

TEST(Microstructure, SeedsAreReproducibleAndNumberFollowsGrainSize)
{
  EXPECT_EQ(VoronoiGrains<3>::place_seeds(30, 5e-6, 1e-6, 4), VoronoiGrains<3>::place_seeds(30, 5e-6, 1e-6, 4));
  EXPECT_NE(VoronoiGrains<3>::place_seeds(30, 5e-6, 1e-6, 4), VoronoiGrains<3>::place_seeds(30, 5e-6, 1e-6, 5));
  EXPECT_THROW(VoronoiGrains<2>::place_seeds(100, 1e-6, 1e-6, 1), InputError);

  ParticleGeometry geometry;
  geometry.radius = 5e-6;
  Microstructure<3> structure;
  structure.grain_type      = Microstructure<3>::GrainType::voronoi;
  structure.mean_grain_size = 2.5e-6;
  structure.initialize(geometry, Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()));
  EXPECT_EQ(structure.n_grains(), 64u); // (2 R / d)^3
}

TEST(Microstructure, RandomOrientationsFollowTheHaarMeasure)
{
  std::mt19937_64     generator(2024);
  const unsigned int  n = 20000;
  Tensor<2, 3>        mean_mm;
  std::vector<double> cosines, naive_cosines;
  for (unsigned int k = 0; k < n; ++k)
    {
      const Tensor<2, 3> R = random_rotation(generator);
      // A proper rotation.
      ASSERT_LT((R * dealii::transpose(R) - Tensor<2, 3>(dealii::unit_symmetric_tensor<3>())).norm(), 1e-12);
      ASSERT_NEAR(dealii::determinant(R), 1., 1e-12);
      const Tensor<1, 3> m = column(R, 2); // the c-axis
      mean_mm += dealii::outer_product(m, m) / double(n);
      cosines.push_back(m[0]); // cos of the angle to the fixed axis e_x
      // A wrong sampler for contrast: Bunge angles drawn uniformly.
      naive_cosines.push_back(column(rotation_from_bunge(2 * M_PI * uniform_01(generator), M_PI * uniform_01(generator),
                                                         2 * M_PI * uniform_01(generator)),
                                     2)[2]);
    }
  // <m m> = I/3; standard errors sqrt(Var/n) with Var(m_x^2) = 4/45 and Var(m_x m_y) = 1/15.
  for (unsigned int i = 0; i < 3; ++i)
    for (unsigned int j = 0; j < 3; ++j)
      {
        const double expected = i == j ? 1. / 3. : 0.;
        const double sigma    = std::sqrt((i == j ? 4. / 45. : 1. / 15.) / n);
        EXPECT_LT(std::abs(mean_mm[i][j] - expected), 4. * sigma) << i << j;
      }
  // Kolmogorov–Smirnov at significance 0.01: D_n < 1.628 / sqrt(n).
  const double critical = 1.628 / std::sqrt(double(n));
  const double d        = ks_statistic_uniform(cosines, -1., 1.);
  const double d_naive  = ks_statistic_uniform(naive_cosines, -1., 1.);
  std::cout << "  KS statistic " << d << " (critical " << critical << " at 1%); uniform Bunge angles: " << d_naive
            << std::endl;
  EXPECT_LT(d, critical);
  EXPECT_GT(d_naive, critical); // the test can tell a wrong sampler apart
}

TEST(Microstructure, HexagonalMisorientation)
{
  const Tensor<1, 3> c({0., 0., 1.}), a({1., 0., 0.});
  std::mt19937_64    generator(5);
  for (int k = 0; k < 50; ++k)
    {
      const Tensor<2, 3> A = random_rotation(generator);
      EXPECT_NEAR(hexagonal_misorientation_angle(A, A), 0., 1e-6);
      // Symmetry-equivalent orientations: 60 degrees about c, 180 about a.
      EXPECT_NEAR(hexagonal_misorientation_angle(A, A * rotation_about_axis(c, M_PI / 3.)), 0., 1e-6);
      EXPECT_NEAR(hexagonal_misorientation_angle(A, A * rotation_about_axis(a, M_PI)), 0., 1e-6);
      EXPECT_NEAR(hexagonal_misorientation_angle(A, A * rotation_about_axis(c, 0.4)), 0.4, 1e-9);
      EXPECT_NEAR(hexagonal_misorientation_angle(A, A * rotation_about_axis(c, M_PI / 3. - 0.4)), 0.4, 1e-9);
      EXPECT_NEAR(hexagonal_misorientation_angle(A, A * rotation_about_axis(a, 0.7)), 0.7, 1e-9);
      const Tensor<2, 3> B = random_rotation(generator);
      const double       w = hexagonal_misorientation_angle(A, B);
      EXPECT_NEAR(w, hexagonal_misorientation_angle(B, A), 1e-9);
      // Maximum for 622: 93.84 degrees (acos((sqrt(3) - 3)/ ... ) bound).
      EXPECT_LE(w * 180. / M_PI, 93.85);
    }
}

template <int dim>
void check_radial_texture(const bool c_axis, const double spread_degrees)
{
  ParticleGeometry geometry;
  geometry.radius = 5e-6;
  Microstructure<dim> structure;
  structure.grain_type         = Microstructure<dim>::GrainType::voronoi;
  structure.n_grains_requested = 12;
  structure.distribution       = Microstructure<dim>::OrientationDistribution::radial;
  structure.radial_axis_is_c   = c_axis;
  structure.texture_spread     = spread_degrees * M_PI / 180.;
  structure.initialize(geometry, Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()));
  std::mt19937_64 generator(11);
  double          largest_tilt = 0.;
  for (unsigned int k = 0; k < 500; ++k)
    {
      const Point<dim>   p     = random_point_in_ball<dim>(generator, geometry.radius);
      const unsigned int grain = structure.voronoi().locate(p).grain;
      const Tensor<2, 3> R     = structure.orientation(grain, p);
      ASSERT_LT((R * dealii::transpose(R) - Tensor<2, 3>(dealii::unit_symmetric_tensor<3>())).norm(), 1e-12);
      Tensor<1, 3> r;
      for (unsigned int d = 0; d < dim; ++d)
        r[d] = p[d] / p.norm();
      const Tensor<1, 3> aligned = column(R, c_axis ? 2 : 0);
      largest_tilt = std::max(largest_tilt, std::acos(std::min(1., aligned * r)) * 180. / M_PI);
      if (!c_axis)
        EXPECT_NEAR(column(R, 2) * aligned, 0., 1e-12);
    }
  std::cout << "  " << dim << "D radial " << (c_axis ? "c" : "a") << "-axis, spread " << spread_degrees
            << " deg: largest angle to the radius " << largest_tilt << " deg" << std::endl;
  if (spread_degrees == 0.)
    EXPECT_LT(largest_tilt, 1e-5);
  else
    {
      EXPECT_LE(largest_tilt, spread_degrees + 1e-6);
      EXPECT_GT(largest_tilt, 0.3 * spread_degrees);
    }
}

TEST(Microstructure, RadialTexturePutsTheAxisAlongTheRadius)
{
  check_radial_texture<3>(true, 0.);
  check_radial_texture<3>(false, 0.);
  check_radial_texture<3>(true, 10.);
  check_radial_texture<2>(true, 0.);
  check_radial_texture<2>(false, 15.);
}

TEST(Microstructure, OrientationFile)
{
  const std::string file = "orientations_test.txt";
  {
    std::ofstream out(file);
    out << "# grain phi1 Phi phi2 (degrees)\n0 0 90 0\n1, 30, 45, 60\n2 10 20 30 # comment\n";
  }
  ParticleGeometry geometry;
  geometry.radius = 5e-6;
  Microstructure<2> structure;
  structure.grain_type         = Microstructure<2>::GrainType::voronoi;
  structure.n_grains_requested = 3;
  structure.distribution       = Microstructure<2>::OrientationDistribution::file;
  structure.orientation_file   = file;
  structure.initialize(geometry, Tensor<2, 3>());
  const double deg = M_PI / 180.;
  EXPECT_LT((structure.orientation(1, Point<2>()) - rotation_from_bunge(30 * deg, 45 * deg, 60 * deg)).norm(), 1e-14);
  EXPECT_NEAR(column(structure.orientation(0, Point<2>()), 2)[1], -1., 1e-14); // c-axis = (0, -1, 0)
  structure.n_grains_requested = 4; // grain 3 is missing from the file
  EXPECT_THROW(structure.initialize(geometry, Tensor<2, 3>()), InputError);
  {
    std::ofstream out(file);
    out << "0 1 2\n";
  }
  EXPECT_THROW(structure.initialize(geometry, Tensor<2, 3>()), InputError);
  std::filesystem::remove(file);
}

TEST(Microstructure, CompositionProfiles)
{
  CompositionProfile profile;
  profile.particle_radius  = 5e-6;
  profile.type             = CompositionProfile::Type::core_shell;
  profile.core_radius      = 3e-6;
  profile.transition_width = 0.4e-6;
  EXPECT_NEAR(profile.shell_fraction(3e-6), 0.5, 1e-14);
  EXPECT_NEAR(profile.shell_fraction(3.2e-6), 0.5 * (1. + std::tanh(1.)), 1e-14);
  EXPECT_LT(profile.shell_fraction(1e-6), 1e-8);
  EXPECT_GT(profile.shell_fraction(5e-6), 1. - 1e-8);
  profile.type           = CompositionProfile::Type::gradient;
  profile.gradient_start = 1e-6;
  EXPECT_EQ(profile.shell_fraction(0.5e-6), 0.);
  EXPECT_NEAR(profile.shell_fraction(3e-6), 0.5, 1e-14);
  EXPECT_NEAR(profile.shell_fraction(5e-6), 1., 1e-14);
}

// Round trip: a Voronoi-tagged disk written as gmsh .msh and imported back
// keeps cells, volume and grain ids; the imported grain-boundary distance
// agrees with the exact distance to the tagged mesh faces.
TEST(Microstructure, GmshImportRoundTrip)
{
  const std::string            file = "roundtrip_test.msh";
  dealii::Triangulation<2>      original;
  dealii::GridGenerator::hyper_ball(original, Point<2>(), 5e-6, false);
  original.refine_global(3);
  const VoronoiGrains<2> grains(VoronoiGrains<2>::place_seeds(6, 5e-6, 2e-6, 3));
  for (const auto &cell : original.active_cell_iterators())
    cell->set_material_id(1 + grains.locate(cell->center()).grain); // gmsh tags start at 1
  {
    std::ofstream out(file);
    out.precision(17);
    dealii::GridOut().write_msh(original, out);
  }

  ParticleGeometry geometry;
  geometry.radius             = 5e-6;
  geometry.global_refinements = 0;
  geometry.mesh_file          = file;
  dealii::Triangulation<2> imported;
  geometry.create(imported);
  ASSERT_EQ(imported.n_active_cells(), original.n_active_cells());
  EXPECT_NEAR(dealii::GridTools::volume(imported) / dealii::GridTools::volume(original), 1., 1e-12);
  auto a = original.begin_active();
  for (const auto &cell : imported.active_cell_iterators())
    {
      EXPECT_LT(cell->center().distance(a->center()), 1e-12 * 5e-6);
      EXPECT_EQ(cell->material_id(), a->material_id());
      ++a;
    }

  Microstructure<2> structure;
  structure.grain_type = Microstructure<2>::GrainType::imported;
  structure.initialize(geometry, Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()));
  // Exact reference: distance to the nearest face between different tags.
  std::vector<std::pair<Point<2>, Point<2>>> faces;
  for (const auto &cell : imported.active_cell_iterators())
    for (const unsigned int f : cell->face_indices())
      if (!cell->at_boundary(f) && cell->neighbor(f)->material_id() != cell->material_id())
        faces.emplace_back(cell->face(f)->vertex(0), cell->face(f)->vertex(1));
  double worst = 0., face_size = 0.;
  for (const auto &[p0, p1] : faces)
    face_size = std::max(face_size, p0.distance(p1));
  for (const auto &cell : imported.active_cell_iterators())
    {
      const Point<2> x        = cell->center() + 0.1 * (cell->vertex(0) - cell->center());
      const auto     location = structure.at(cell, x);
      EXPECT_EQ(location.grain.grain, cell->material_id());
      double exact = std::numeric_limits<double>::infinity();
      for (const auto &[p0, p1] : faces)
        {
          const Tensor<1, 2> e = p1 - p0;
          const double       t = std::clamp((x - p0) * e / e.norm_square(), 0., 1.);
          exact                = std::min(exact, x.distance(p0 + t * e));
        }
      worst = std::max(worst, std::abs(location.grain.boundary_distance - exact));
    }
  std::cout << "  imported GB distance: max error " << worst << " m, face size " << face_size << " m" << std::endl;
  EXPECT_LT(worst, face_size / 8.);
  std::filesystem::remove(file);
}

// The local laws rotate with the grain and blend linearly with the shell
// fraction (docs/theory.md MS-3).
TEST(MaterialField, RotatesAndBlendsLocalLaws)
{
  ElectrodeMaterial core, shell;
  core.diffusivity            = MaterialCurve::constant(1e-14);
  shell.diffusivity           = MaterialCurve::constant(3e-14);
  core.diffusivity_anisotropy = shell.diffusivity_anisotropy = 0.1;
  core.diffusivity_reference = shell.diffusivity_reference = ElectrodeMaterial::DiffusivityReference::in_plane;
  MechanicalMaterial core_mechanics, shell_mechanics;
  core_mechanics.set_hexagonal_elasticity(250e9, 80e9, 60e9, 180e9, 60e9);
  shell_mechanics.set_isotropic_elasticity(1e11, 0.25);
  core_mechanics.set_isotropic_chemical_strain(3e-6, 0.5, core.maximum_concentration);
  shell_mechanics.set_isotropic_chemical_strain(1e-6, 0.5, core.maximum_concentration);

  auto structure                  = std::make_shared<Microstructure<2>>();
  structure->profile.type         = CompositionProfile::Type::gradient;
  structure->profile.gradient_start = 1e-6;
  ParticleGeometry geometry;
  geometry.radius = 5e-6;
  const Tensor<2, 3> c_along_x = rotation_from_c_axis(Tensor<1, 3>({1., 0., 0.}));
  structure->distribution = Microstructure<2>::OrientationDistribution::single;
  structure->initialize(geometry, c_along_x);
  MaterialField<2> field(structure, core, core_mechanics);
  field.set_shell(shell, shell_mechanics);

  dealii::Triangulation<2> mesh;
  geometry.create(mesh);
  const auto cell = mesh.begin_active();
  // r = 2 um: w = 0.25.
  const MaterialPoint point = field.point(cell, Point<2>(0., 2e-6));
  EXPECT_NEAR(point.shell_fraction, 0.25, 1e-14);
  const Tensor<2, 2> D = field.diffusivity_tensor(point, 0.5);
  const double       d = 0.75 * 1e-14 + 0.25 * 3e-14;
  EXPECT_NEAR(D[0][0] / d, 0.1, 1e-12); // c-axis along x
  EXPECT_NEAR(D[1][1] / d, 1., 1e-12);
  EXPECT_NEAR(D[0][1] / d, 0., 1e-12);
  const auto C = field.stiffness(point);
  const auto expected = 0.75 * core_mechanics.stiffness(c_along_x) + 0.25 * shell_mechanics.stiffness(c_along_x);
  EXPECT_LT((C - expected).norm() / expected.norm(), 1e-14);
  EXPECT_NEAR(C[0][0][0][0], 0.75 * 180e9 + 0.25 * (1e11 * 0.75 / (1.25 * 0.5)), 1e-3); // C33 along x
  const double c   = 0.8 * core.maximum_concentration;
  const auto   eps = field.chemical_strain(point, c);
  EXPECT_NEAR(eps[0][0], (0.75 * 3e-6 + 0.25 * 1e-6) * 0.3 * core.maximum_concentration / 3., 1e-14);
  // The surface OCP blends with w(R) = 1: the shell's.
  core.open_circuit_potential  = MaterialCurve::constant(3.9);
  shell.open_circuit_potential = MaterialCurve::constant(4.1);
  MaterialField<2> surface_field(structure, core, core_mechanics);
  surface_field.set_shell(shell, shell_mechanics);
  EXPECT_NEAR(surface_field.open_circuit_potential(0.5), 4.1, 1e-14);
}
