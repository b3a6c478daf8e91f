// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/types.h>
#include <deal.II/grid/tria.h>

#include <string>

namespace camfrac
{
  /**
   * A single particle: a sphere in 3D, a disk (the cross-section of a long
   * cylinder, plane strain) in 2D, centred at the origin, uniformly refined.
   * Curved boundary and interior follow the spherical / transfinite manifolds,
   * so refinement converges to the true geometry.
   *
   * Optionally the particle carries a coating shell (R < r < R + t) and sits
   * in a matrix (R + t < r < R_m); cells then carry the Region as material id.
   * Alternatively the mesh is read from a gmsh .msh file whose physical volume
   * (2D: surface) tags are grain ids, kept as material ids.
   */
  struct ParticleGeometry
  {
    /// Boundary id of the particle surface (where the reaction happens).
    static constexpr dealii::types::boundary_id surface_boundary_id = 0;

    double       radius             = 5e-6; ///< [m]
    unsigned int global_refinements = 3;
    double       coating_thickness  = 0.; ///< [m], 0: no coating
    double       matrix_radius      = 0.; ///< outer radius of the matrix [m], 0: no matrix
    std::string  mesh_file;               ///< gmsh .msh file, empty: generated mesh
    double       mesh_scale = 1.;         ///< factor applied to the mesh file's coordinates

    /// Radius of the outer boundary of the mesh [m].
    double outer_radius() const;

    static void declare_parameters(dealii::ParameterHandler &prm);
    /// Reads section "Geometry"; the mesh file is resolved like a data file.
    void        parse_parameters(dealii::ParameterHandler &prm, const std::string &data_directory = "");

    /// Fill an empty triangulation (serial or distributed). Without
    /// @p refine only the coarse mesh with its manifolds (for Triangulation::load()).
    template <int dim>
    void create(dealii::Triangulation<dim> &triangulation, bool refine = true) const;

    /// Nominal volume 4/3 pi R^3 (3D) or area pi R^2 (2D, per metre of depth).
    template <int dim>
    double nominal_volume() const;
  };
} // namespace camfrac
