// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Particle geometry: generated sphere and disk meshes with their manifolds, or an imported gmsh mesh.

#include <camfrac/io/errors.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/microstructure/microstructure.h>
#include <camfrac/microstructure/particle_geometry.h>

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
    bool is_distributed(const Triangulation<dim> &triangulation)
    {
      return dynamic_cast<const parallel::distributed::Triangulation<dim> *>(&triangulation) != nullptr;
    }
  } // namespace

  // -------------------------------------------------------- ParticleGeometry
  void ParticleGeometry::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Geometry");
    prm.declare_entry("Particle radius", "5e-6", Patterns::Double(1e-9, 1e-2),
                      "Radius R of the spherical (3D) or cylindrical (2D) particle [m], in [1e-9, 1e-2].");
    prm.declare_entry("Global refinements", "3", Patterns::Integer(0, 10),
                      "Uniform refinements of the coarse mesh (ball: 5 cells in 2D, 7 in 3D; each coating or "
                      "matrix layer adds 4 or 6) [-], in [0, 10].");
    prm.declare_entry("Coating thickness", "0", Patterns::Double(0., 1e-3),
                      "Thickness t of a bonded coating shell R < r < R + t [m], in [0, 1e-3]; 0: no coating. "
                      "Its elastic constants are in 'Microstructure/Coating'.");
    prm.declare_entry("Matrix outer radius", "0", Patterns::Double(0., 1e-1),
                      "Outer radius R_m of a bonded solid-electrolyte matrix around the (coated) particle [m]; "
                      "0: no matrix, otherwise > R + t. Li is not transported in coating or matrix; the "
                      "reaction takes place on the particle surface r = R. The outer matrix surface is "
                      "traction-free (or loaded by 'Mechanics/External pressure').");
    prm.declare_entry("Mesh file", "", Patterns::Anything(),
                      "A gmsh .msh mesh (quadrilaterals in 2D, hexahedra in 3D, e.g. from Neper, see "
                      "docs/user-guide.md) used instead of the generated ball; its physical volume (2D: surface) "
                      "tags are the grain ids. Empty: generated mesh. Relative names are looked up in the "
                      "working directory, then in data/.");
    prm.declare_entry("Mesh scale", "1", Patterns::Double(1e-12, 1e12),
                      "Factor applied to the coordinates of 'Mesh file' [-], e.g. 1e-6 for a mesh written in "
                      "micrometres.");
    prm.leave_subsection();
  }

  void ParticleGeometry::parse_parameters(ParameterHandler &prm, const std::string &data_directory)
  {
    prm.enter_subsection("Geometry");
    radius             = prm.get_double("Particle radius");
    global_refinements = prm.get_integer("Global refinements");
    coating_thickness  = prm.get_double("Coating thickness");
    matrix_radius      = prm.get_double("Matrix outer radius");
    const std::string mesh = prm.get("Mesh file");
    mesh_scale             = prm.get_double("Mesh scale");
    prm.leave_subsection();
    mesh_file.clear();
    if (mesh.find_first_not_of(" \t") != std::string::npos)
      mesh_file = resolve_data_file(mesh, data_directory, "Geometry/Mesh file");
    if (matrix_radius > 0. && !(matrix_radius > radius + coating_thickness))
      throw InputError("parameter 'Geometry/Matrix outer radius' must be 0 or larger than the particle radius plus "
                       "the coating thickness");
    if (!mesh_file.empty() && (coating_thickness > 0. || matrix_radius > 0.))
      throw InputError("parameter 'Geometry/Mesh file': coating and matrix layers are only available on the "
                       "generated mesh");
  }

  double ParticleGeometry::outer_radius() const
  {
    return matrix_radius > 0. ? matrix_radius : radius + coating_thickness;
  }

  template <int dim>
  void ParticleGeometry::create(Triangulation<dim> &triangulation, const bool refine) const
  {
    if (!mesh_file.empty())
      {
        // Imported mesh: read serially, keep the physical tags (grain ids) as
        // material ids, and call every boundary face the particle surface.
        if (is_distributed(triangulation))
          {
            Triangulation<dim> serial;
            read_gmsh(mesh_file, serial, mesh_scale);
            triangulation.copy_triangulation(serial);
          }
        else
          read_gmsh(mesh_file, triangulation, mesh_scale);
        for (const auto &face : triangulation.active_face_iterators())
          if (face->at_boundary())
            face->set_boundary_id(surface_boundary_id);
        if (refine)
          triangulation.refine_global(global_refinements);
        return;
      }

    // The surface follows a SphericalManifold; the interior a transfinite
    // interpolation of it (step-65), which keeps cells well shaped under
    // refinement and high-order mappings (attaching the spherical manifold to
    // whole boundary cells yields nearly degenerate cells in 3D). Coating and
    // matrix are shells with the spherical manifold on all their cells,
    // merged at the vertices of the ball's outer cells.
    std::vector<double> shell_radii;
    if (coating_thickness > 0.)
      shell_radii.push_back(radius + coating_thickness);
    if (matrix_radius > 0.)
      shell_radii.push_back(matrix_radius);
    if (shell_radii.empty())
      GridGenerator::hyper_ball(triangulation, Point<dim>(), radius, false);
    else
      {
        Triangulation<dim> merged;
        GridGenerator::hyper_ball(merged, Point<dim>(), radius, false);
        double inner = radius;
        for (const double outer : shell_radii)
          {
            Triangulation<dim> shell, result;
            GridGenerator::hyper_shell(shell, Point<dim>(), inner, outer, dim == 2 ? 4 : 6);
            if (dim == 2) // match the ball's outer vertices at 45 degrees
              GridTools::rotate(M_PI / 4., shell);
            GridGenerator::merge_triangulations(merged, shell, result, 1e-8 * radius);
            merged.clear();
            merged.copy_triangulation(result);
            inner = outer;
          }
        merged.reset_all_manifolds();
        triangulation.copy_triangulation(merged);
      }
    // Regions by the largest vertex radius (interfaces coincide with cell
    // faces; the vertex average of a coarse shell cell lies far inside it).
    for (const auto &cell : triangulation.active_cell_iterators())
      {
        double r = 0.;
        for (const unsigned int v : cell->vertex_indices())
          r = std::max(r, cell->vertex(v).norm());
        r *= 1. - 1e-6;
        cell->set_material_id(static_cast<types::material_id>(
          r < radius ? Region::active : (r < radius + coating_thickness ? Region::coating : Region::matrix)));
      }
    for (const auto &face : triangulation.active_face_iterators())
      if (face->at_boundary())
        face->set_boundary_id(surface_boundary_id);
    // Ball cells: transfinite (1), faces on r = R spherical (0); shells: spherical.
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->material_id() == static_cast<types::material_id>(Region::active))
        {
          cell->set_all_manifold_ids(1);
          for (const auto &face : cell->face_iterators())
            {
              bool on_sphere = true;
              for (unsigned int v = 0; v < face->n_vertices(); ++v)
                on_sphere = on_sphere && std::abs(face->vertex(v).norm() - radius) < 1e-8 * radius;
              if (on_sphere)
                face->set_all_manifold_ids(0);
            }
        }
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->material_id() != static_cast<types::material_id>(Region::active))
        cell->set_all_manifold_ids(0);
    triangulation.set_manifold(0, SphericalManifold<dim>(Point<dim>()));
    TransfiniteInterpolationManifold<dim> interior;
    interior.initialize(triangulation);
    triangulation.set_manifold(1, interior);
    if (refine)
      triangulation.refine_global(global_refinements);
  }

  template <int dim>
  double ParticleGeometry::nominal_volume() const
  {
    return dim == 3 ? 4. / 3. * M_PI * std::pow(radius, 3) : M_PI * radius * radius;
  }

  template void   ParticleGeometry::create<2>(Triangulation<2> &, bool) const;
  template void   ParticleGeometry::create<3>(Triangulation<3> &, bool) const;
  template double ParticleGeometry::nominal_volume<2>() const;
  template double ParticleGeometry::nominal_volume<3>() const;
} // namespace camfrac
