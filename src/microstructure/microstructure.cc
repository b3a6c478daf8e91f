// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Voronoi grains, crystal orientations and textures, and composition profiles (docs/theory.md §10).

#include <camfrac/io/errors.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/material/orientation.h>
#include <camfrac/microstructure/microstructure.h>
#include <camfrac/microstructure/particle_geometry.h>

#include "../instantiation.h"

#include "gmsh_import.h"

#include <deal.II/distributed/tria.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_in.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/manifold_lib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace camfrac
{
  using namespace dealii;
  using internal::read_gmsh;

  namespace
  {
    template <int dim>
    Tensor<1, 3> embed_vector(const Tensor<1, dim> &v)
    {
      Tensor<1, 3> w;
      for (unsigned int d = 0; d < dim; ++d)
        w[d] = v[d];
      return w;
    }

    // Two unit vectors completing the unit vector n to a right-handed frame.
    std::pair<Tensor<1, 3>, Tensor<1, 3>> tangent_frame(const Tensor<1, 3> &n)
    {
      Tensor<1, 3> helper;
      helper[std::abs(n[2]) < 0.9 ? 2 : 0] = 1.;
      Tensor<1, 3> t1 = cross_product_3d(helper, n);
      t1 /= t1.norm();
      return {t1, cross_product_3d(n, t1)};
    }
  } // namespace

  // ----------------------------------------------------------- VoronoiGrains
  template <int dim>
  VoronoiGrains<dim>::VoronoiGrains(std::vector<Point<dim>> seeds)
    : seed_points(std::move(seeds))
  {}

  template <int dim>
  std::vector<Point<dim>> VoronoiGrains<dim>::place_seeds(const unsigned int n_grains,
                                                          const double       radius,
                                                          const double       minimum_spacing,
                                                          const unsigned int random_seed)
  {
    std::mt19937_64         generator(random_seed);
    std::vector<Point<dim>> seeds;
    seeds.reserve(n_grains);
    const unsigned long max_attempts = 10000ul * std::max(1u, n_grains);
    unsigned long       attempts     = 0;
    while (seeds.size() < n_grains)
      {
        if (++attempts > max_attempts)
          {
            std::ostringstream message;
            message << "parameter 'Microstructure/Minimum seed spacing': could not place " << n_grains
                    << " seeds at least " << minimum_spacing << " m apart in a particle of radius " << radius
                    << " m. Reduce the spacing or the number of grains";
            throw InputError(message.str());
          }
        Point<dim> p;
        for (unsigned int d = 0; d < dim; ++d)
          p[d] = radius * (2. * uniform_01(generator) - 1.);
        if (p.norm() > radius)
          continue;
        bool far_enough = true;
        for (const auto &s : seeds)
          if (s.distance_square(p) < minimum_spacing * minimum_spacing)
            {
              far_enough = false;
              break;
            }
        if (far_enough)
          seeds.push_back(p);
      }
    return seeds;
  }

  template <int dim>
  GrainLocation VoronoiGrains<dim>::locate(const Point<dim> &p) const
  {
    GrainLocation location;
    if (seed_points.empty())
      return location;
    double best = std::numeric_limits<double>::max();
    for (unsigned int i = 0; i < seed_points.size(); ++i)
      if (const double d2 = p.distance_square(seed_points[i]); d2 < best)
        {
          best           = d2;
          location.grain = i;
        }
    const Point<dim> &own = seed_points[location.grain];
    for (unsigned int j = 0; j < seed_points.size(); ++j)
      if (j != location.grain)
        {
          const Tensor<1, dim> offset = seed_points[j] - own;
          const double         length = offset.norm();
          if (length == 0.)
            continue;
          const double distance = (p.distance_square(seed_points[j]) - best) / (2. * length);
          if (distance < location.boundary_distance)
            {
              location.boundary_distance = distance;
              location.neighbour_grain   = j;
              location.boundary_normal   = embed_vector<dim>(offset / length);
            }
        }
    return location;
  }

  CAMFRAC_INSTANTIATE_DIM(VoronoiGrains);

  // ------------------------------------------------------ CompositionProfile
  double CompositionProfile::shell_fraction(const double r) const
  {
    switch (type)
      {
        case Type::uniform:
          return 0.;
        case Type::core_shell:
          if (transition_width <= 0.)
            return r < core_radius ? 0. : 1.;
          return 0.5 * (1. + std::tanh((r - core_radius) / (0.5 * transition_width)));
        case Type::gradient:
          if (!(particle_radius > gradient_start))
            return 1.;
          return std::clamp((r - gradient_start) / (particle_radius - gradient_start), 0., 1.);
      }
    return 0.;
  }

  // ----------------------------------------------------------- Microstructure
  template <int dim>
  void Microstructure<dim>::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Microstructure");
    prm.declare_entry("Grains", "single crystal", Patterns::Selection("single crystal|Voronoi|imported"),
                      "single crystal: one grain; Voronoi: grains seeded in the particle, the grain of a point "
                      "being its nearest seed (evaluated per quadrature point); imported: the physical tags of "
                      "'Geometry/Mesh file' are the grain ids.");
    prm.declare_entry("Number of grains", "0", Patterns::Integer(0, 100000),
                      "Number of Voronoi grains [-], in [0, 100000]; 0: derived from 'Mean grain size'.");
    prm.declare_entry("Mean grain size", "2e-6", Patterns::Double(1e-9, 1e-2),
                      "Mean equivalent grain diameter d [m] used when 'Number of grains' = 0: N = V_particle / "
                      "(pi d^3 / 6) in 3D, A_particle / (pi d^2 / 4) in 2D.");
    prm.declare_entry("Random seed", "1", Patterns::Integer(0),
                      "Seed of the random generator for seeds and orientations [-]. The same seed gives the same "
                      "microstructure on any number of ranks.");
    prm.declare_entry("Minimum seed spacing", "0", Patterns::Double(0., 1e-2),
                      "Seeds closer than this to an earlier seed are rejected [m], >= 0. About half the mean "
                      "grain size gives grains of even size.");
    prm.declare_entry("Orientation distribution", "single", Patterns::Selection("single|random|radial|file"),
                      "single: every grain has Material/Crystal c-axis (or the Bunge angles); random: uniform "
                      "(Haar) on SO(3), independently per grain; radial: 'Radial crystal axis' along the radius "
                      "at every point, tilted per grain by up to 'Texture spread'; file: 'Orientation file'.");
    prm.declare_entry("Radial crystal axis", "c", Patterns::Selection("c|a"),
                      "The crystal axis aligned with the radius in the radial texture: c (the c-axis radial) or "
                      "a (an a-axis radial, so the Li layers are radial and the c-axis is tangential, turned "
                      "about the radius by a random angle per grain).");
    prm.declare_entry("Texture spread", "0", Patterns::Double(0., 180.),
                      "Radial texture: per-grain tilt of the aligned axis away from the radius, uniform on the "
                      "spherical cap of this half-angle [degrees], in [0, 180].");
    prm.declare_entry("Orientation file", "", Patterns::Anything(),
                      "Text file with lines 'grain_id phi1 Phi phi2' (Bunge ZXZ, degrees; '#' starts a "
                      "comment) giving every grain's orientation. Voronoi grain ids are 0..N-1; imported grain "
                      "ids are the physical tags.");
    prm.declare_entry("Grain boundary width", "2e-7", Patterns::Double(0., 1e-3),
                      "Full width of the grain-boundary band [m], >= 0: points closer than half of it to a grain "
                      "boundary belong to the band (grain-boundary stress statistics and, later, toughness).");
    prm.enter_subsection("Composition");
    {
      prm.declare_entry("Profile", "uniform", Patterns::Selection("uniform|core-shell|gradient"),
                        "Radial composition: uniform (the Material section everywhere), core-shell (Material "
                        "in the core, 'Shell material' outside 'Core radius', blended over 'Transition width'), "
                        "or gradient (linear from the core material at 'Gradient start radius' to the shell "
                        "material at the surface). U, D, lattice strain and stiffness all blend linearly.");
      prm.declare_entry("Shell material", "NMC622", Patterns::Anything(),
                        "A preset name (NMC811|NMC622|NMC111|LRMO) or a parameter file with a Material section "
                        "describing the shell material. It must have the same maximum concentration.");
      prm.declare_entry("Core radius", "3.5e-6", Patterns::Double(0., 1e-2), "Core radius r_cs [m], >= 0.");
      prm.declare_entry("Transition width", "5e-7", Patterns::Double(0., 1e-2),
                        "Width delta of the tanh blend between core and shell [m], >= 0; 0: a sharp interface.");
      prm.declare_entry("Gradient start radius", "0", Patterns::Double(0., 1e-2),
                        "Radius r_0 where the linear gradient starts [m], in [0, R).");
    }
    prm.leave_subsection();
    for (const std::string region : {"Coating", "Matrix"})
      {
        prm.enter_subsection(region);
        const bool coating = region == "Coating";
        prm.declare_entry("Young's modulus", coating ? "1.7e11" : "1.5e11", Patterns::Double(1e6, 1e13),
                          coating ? "Coating Young's modulus [Pa]. Default: amorphous Al2O3 (ALD films, "
                                    "about 170 GPa)."
                                  : "Matrix Young's modulus [Pa]. Default: garnet LLZO, about 150 GPa; sulfide "
                                    "electrolytes are near 20-25 GPa.");
        prm.declare_entry("Poisson's ratio", coating ? "0.24" : "0.26", Patterns::Double(-0.99, 0.4999),
                          std::string(coating ? "Coating" : "Matrix") + " Poisson's ratio [-].");
        prm.leave_subsection();
      }
    prm.leave_subsection();
  }

  template <int dim>
  void Microstructure<dim>::parse_parameters(ParameterHandler &prm, const std::string &data_directory)
  {
    prm.enter_subsection("Microstructure");
    const std::string grains_name = prm.get("Grains");
    grain_type           = grains_name == "Voronoi"    ? GrainType::voronoi :
                           grains_name == "imported"   ? GrainType::imported :
                                                         GrainType::single_crystal;
    n_grains_requested   = prm.get_integer("Number of grains");
    mean_grain_size      = prm.get_double("Mean grain size");
    random_seed          = prm.get_integer("Random seed");
    minimum_seed_spacing = prm.get_double("Minimum seed spacing");
    const std::string distribution_name = prm.get("Orientation distribution");
    distribution = distribution_name == "random" ? OrientationDistribution::random :
                   distribution_name == "radial" ? OrientationDistribution::radial :
                   distribution_name == "file"   ? OrientationDistribution::file :
                                                   OrientationDistribution::single;
    radial_axis_is_c = prm.get("Radial crystal axis") == "c";
    texture_spread   = prm.get_double("Texture spread") * M_PI / 180.;
    orientation_file.clear();
    if (distribution == OrientationDistribution::file)
      orientation_file = resolve_data_file(prm.get("Orientation file"), data_directory,
                                           "Microstructure/Orientation file");
    boundary_width = prm.get_double("Grain boundary width");
    prm.enter_subsection("Composition");
    {
      const std::string name = prm.get("Profile");
      profile.type = name == "core-shell" ? CompositionProfile::Type::core_shell :
                     name == "gradient"   ? CompositionProfile::Type::gradient :
                                            CompositionProfile::Type::uniform;
      profile.core_radius      = prm.get_double("Core radius");
      profile.transition_width = prm.get_double("Transition width");
      profile.gradient_start   = prm.get_double("Gradient start radius");
    }
    prm.leave_subsection();
    prm.leave_subsection();
  }

  template <int dim>
  void Microstructure<dim>::initialize(const ParticleGeometry &geometry, const Tensor<2, 3> &single_orientation)
  {
    particle_radius         = geometry.radius;
    profile.particle_radius = geometry.radius;
    if (profile.type == CompositionProfile::Type::gradient && !(profile.gradient_start < geometry.radius))
      throw InputError("parameter 'Microstructure/Composition/Gradient start radius' must be smaller than the "
                       "particle radius");
    if (grain_type == GrainType::imported && geometry.mesh_file.empty())
      throw InputError("parameter 'Microstructure/Grains' = imported needs 'Geometry/Mesh file'");

    std::vector<unsigned int> grain_ids;
    grains = VoronoiGrains<dim>();
    coarse_cell_grain.clear();
    boundary_samples.clear();
    boundary_sample_normals.clear();
    boundary_sample_grains.clear();
    switch (grain_type)
      {
        case GrainType::single_crystal:
          grain_ids = {0};
          break;
        case GrainType::voronoi:
          {
            unsigned int n = prescribed_seeds.empty() ? n_grains_requested : prescribed_seeds.size();
            if (n == 0)
              {
                const double grain_volume = dim == 3 ? M_PI / 6. * std::pow(mean_grain_size, 3) :
                                                       M_PI / 4. * mean_grain_size * mean_grain_size;
                n = static_cast<unsigned int>(std::max(1., std::round(geometry.nominal_volume<dim>() / grain_volume)));
              }
            grains = VoronoiGrains<dim>(
              prescribed_seeds.empty() ?
                VoronoiGrains<dim>::place_seeds(n, geometry.radius, minimum_seed_spacing, random_seed) :
                prescribed_seeds);
            for (unsigned int g = 0; g < n; ++g)
              grain_ids.push_back(g);
            break;
          }
        case GrainType::imported:
          read_imported_boundaries(geometry.mesh_file, geometry.mesh_scale);
          {
            Triangulation<dim> serial;
            read_gmsh(geometry.mesh_file, serial, geometry.mesh_scale);
            std::vector<bool> seen;
            for (const auto &cell : serial.active_cell_iterators())
              {
                const unsigned int id = cell->material_id();
                if (id >= seen.size())
                  seen.resize(id + 1, false);
                seen[id] = true;
              }
            for (unsigned int id = 0; id < seen.size(); ++id)
              if (seen[id])
                grain_ids.push_back(id);
          }
          break;
      }

    // Orientations: a separate random stream, so that changing the
    // distribution leaves the seeds in place.
    const unsigned int n_slots = grain_ids.empty() ? 1 : grain_ids.back() + 1;
    grain_orientations.assign(n_slots, single_orientation);
    grain_twist.assign(n_slots, 0.);
    std::mt19937_64 generator(static_cast<std::uint64_t>(random_seed) ^ 0x9E3779B97F4A7C15ull);
    switch (distribution)
      {
        case OrientationDistribution::single:
          break;
        case OrientationDistribution::random:
          for (const unsigned int g : grain_ids)
            grain_orientations[g] = random_rotation(generator);
          break;
        case OrientationDistribution::radial:
          for (const unsigned int g : grain_ids)
            {
              // The tilt of the aligned axis, stored as the rotation taking e_3
              // to a direction in the cap around e_3.
              const Tensor<1, 3> e3({0., 0., 1.});
              grain_orientations[g] = rotation_from_c_axis(random_direction_in_cone(e3, texture_spread, generator));
              grain_twist[g]        = 2. * M_PI * uniform_01(generator);
            }
          break;
        case OrientationDistribution::file:
          read_orientation_file(grain_ids);
          break;
      }
  }

  template <int dim>
  void Microstructure<dim>::read_orientation_file(const std::vector<unsigned int> &grain_ids)
  {
    std::ifstream in(orientation_file);
    if (!in)
      throw InputError("parameter 'Microstructure/Orientation file': cannot open '" + orientation_file + "'");
    std::map<unsigned int, Tensor<2, 3>> read;
    std::string                          line;
    unsigned int                         line_number = 0;
    while (std::getline(in, line))
      {
        ++line_number;
        line = line.substr(0, line.find('#'));
        std::replace(line.begin(), line.end(), ',', ' ');
        if (line.find_first_not_of(" \t\r") == std::string::npos)
          continue;
        std::istringstream fields(line);
        long               id;
        double             phi1, Phi, phi2;
        std::string        rest;
        if (!(fields >> id >> phi1 >> Phi >> phi2) || (fields >> rest) || id < 0 || !std::isfinite(phi1) ||
            !std::isfinite(Phi) || !std::isfinite(phi2))
          throw InputError("parameter 'Microstructure/Orientation file': line " + std::to_string(line_number) +
                           " of '" + orientation_file +
                           "' is not 'grain_id phi1 Phi phi2' (non-negative integer, three angles in degrees)");
        const double degree = M_PI / 180.;
        read[static_cast<unsigned int>(id)] = rotation_from_bunge(phi1 * degree, Phi * degree, phi2 * degree);
      }
    for (const unsigned int g : grain_ids)
      {
        const auto entry = read.find(g);
        if (entry == read.end())
          throw InputError("parameter 'Microstructure/Orientation file': '" + orientation_file +
                           "' has no orientation for grain " + std::to_string(g));
        grain_orientations[g] = entry->second;
      }
  }

  template <int dim>
  void Microstructure<dim>::read_imported_boundaries(const std::string &mesh_file, const double scale)
  {
    // Sample every face between cells of different grains on a regular grid
    // of 5 (2D) or 5 x 5 (3D) points; the distance to the nearest sample of a
    // grain's own boundary approximates the grain-boundary distance to about
    // 1/8 of the face size (docs/theory.md §10.2).
    Triangulation<dim> serial;
    read_gmsh(mesh_file, serial, scale);
    coarse_cell_grain.resize(serial.n_active_cells());
    for (const auto &cell : serial.active_cell_iterators())
      coarse_cell_grain[cell->active_cell_index()] = cell->material_id();
    const unsigned int n_sub = 5;
    for (const auto &cell : serial.active_cell_iterators())
      for (const unsigned int f : cell->face_indices())
        if (!cell->at_boundary(f))
          {
            const auto neighbour = cell->neighbor(f);
            if (neighbour->material_id() == cell->material_id() || neighbour->index() < cell->index())
              continue;
            const auto   face = cell->face(f);
            Tensor<1, 3> normal;
            if (dim == 2)
              {
                const Tensor<1, dim> edge = face->vertex(1) - face->vertex(0);
                normal[0]                  = edge[1];
                normal[1]                  = -edge[0];
              }
            else
              normal = cross_product_3d(embed_vector<dim>(face->vertex(3) - face->vertex(0)),
                                        embed_vector<dim>(face->vertex(2) - face->vertex(1)));
            normal /= normal.norm();
            if (normal * embed_vector<dim>(neighbour->center() - cell->center()) < 0.)
              normal *= -1.;
            for (unsigned int i = 0; i < n_sub; ++i)
              for (unsigned int j = 0; j < (dim == 3 ? n_sub : 1u); ++j)
                {
                  const double s = i / double(n_sub - 1), t = dim == 3 ? j / double(n_sub - 1) : 0.;
                  Point<dim>   p;
                  if (dim == 2)
                    p = face->vertex(0) + s * (face->vertex(1) - face->vertex(0));
                  else // bilinear on the quad face, vertices in lexicographic order
                    for (unsigned int d = 0; d < dim; ++d)
                      p[d] = (1 - s) * (1 - t) * face->vertex(0)[d] + s * (1 - t) * face->vertex(1)[d] +
                             (1 - s) * t * face->vertex(2)[d] + s * t * face->vertex(3)[d];
                  boundary_samples.push_back(p);
                  boundary_sample_normals.push_back(normal);
                  boundary_sample_grains.emplace_back(cell->material_id(), neighbour->material_id());
                }
          }
  }

  template <int dim>
  Region Microstructure<dim>::region(const typename Triangulation<dim>::active_cell_iterator &cell) const
  {
    if (grain_type == GrainType::imported)
      return Region::active;
    return static_cast<Region>(cell->material_id());
  }

  template <int dim>
  Tensor<2, 3> Microstructure<dim>::orientation(const unsigned int grain, const Point<dim> &p) const
  {
    const unsigned int g = std::min<unsigned int>(grain, grain_orientations.size() - 1);
    if (distribution != OrientationDistribution::radial)
      return grain_orientations[g];
    Tensor<1, 3> radial = embed_vector<dim>(p);
    if (radial.norm() < 1e-12 * particle_radius)
      radial = Tensor<1, 3>({0., 0., 1.});
    radial /= radial.norm();
    // The per-grain tilt, expressed in the local frame (t1, t2, r).
    const auto [t1, t2]   = tangent_frame(radial);
    Tensor<1, 3> tilt;
    for (unsigned int i = 0; i < 3; ++i)
      tilt[i] = grain_orientations[g][i][2];
    const Tensor<1, 3> axis = tilt[0] * t1 + tilt[1] * t2 + tilt[2] * radial;
    // The c-axis along `axis`, the a-axis turned about it by the grain's twist
    // (which matters for a trigonal stiffness only).
    if (radial_axis_is_c)
      return rotation_from_c_axis(axis) * rotation_about_axis(Tensor<1, 3>({0., 0., 1.}), grain_twist[g]);
    // a-axis along `axis`; the c-axis perpendicular to it, turned by the grain's twist.
    const auto [u1, u2]    = tangent_frame(axis);
    const Tensor<1, 3> c   = std::cos(grain_twist[g]) * u1 + std::sin(grain_twist[g]) * u2;
    const Tensor<1, 3> b   = cross_product_3d(c, axis);
    Tensor<2, 3>       rotation;
    for (unsigned int i = 0; i < 3; ++i)
      {
        rotation[i][0] = axis[i];
        rotation[i][1] = b[i];
        rotation[i][2] = c[i];
      }
    return rotation;
  }

  template <int dim>
  MaterialPoint Microstructure<dim>::at(const typename Triangulation<dim>::active_cell_iterator &cell,
                                        const Point<dim>                                         &p) const
  {
    MaterialPoint point;
    point.region = region(cell);
    if (point.region != Region::active)
      {
        point.rotation = point.neighbour_rotation = Tensor<2, 3>(unit_symmetric_tensor<3>());
        return point;
      }
    point.shell_fraction = profile.shell_fraction(p.norm());
    switch (grain_type)
      {
        case GrainType::single_crystal:
          break;
        case GrainType::voronoi:
          point.grain = grains.locate(p);
          break;
        case GrainType::imported:
          {
            point.grain.grain = cell->material_id();
            double best       = std::numeric_limits<double>::infinity();
            for (unsigned int k = 0; k < boundary_samples.size(); ++k)
              {
                const auto &[a, b] = boundary_sample_grains[k];
                if (a != point.grain.grain && b != point.grain.grain)
                  continue;
                if (const double d2 = p.distance_square(boundary_samples[k]); d2 < best)
                  {
                    best                            = d2;
                    point.grain.neighbour_grain     = a == point.grain.grain ? b : a;
                    point.grain.boundary_normal     = a == point.grain.grain ? boundary_sample_normals[k] :
                                                                               -boundary_sample_normals[k];
                    point.grain.boundary_distance   = std::sqrt(d2);
                  }
              }
            if (point.grain.boundary_distance == std::numeric_limits<double>::infinity())
              point.grain.neighbour_grain = point.grain.grain;
            break;
          }
      }
    point.rotation           = orientation(point.grain.grain, p);
    point.neighbour_rotation = orientation(point.grain.neighbour_grain, p);
    return point;
  }

  CAMFRAC_INSTANTIATE_DIM(Microstructure);
} // namespace camfrac
