// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/microstructure/particle_geometry.h>

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>
#include <deal.II/grid/tria.h>

#include <limits>
#include <string>
#include <vector>

namespace camfrac
{
  /// Where a material point lies: in the Li-storing particle, in its coating,
  /// or in the solid-electrolyte matrix around it. Stored as the material id of
  /// generated meshes.
  enum class Region : unsigned char
  {
    active  = 0,
    coating = 1,
    matrix  = 2
  };

  /// The grain containing a point, the nearest other grain across the nearest
  /// grain boundary, the distance to that boundary [m] and its unit normal
  /// (pointing from @p grain into @p neighbour_grain).
  struct GrainLocation
  {
    unsigned int         grain             = 0;
    unsigned int         neighbour_grain   = 0;
    double               boundary_distance = std::numeric_limits<double>::infinity();
    dealii::Tensor<1, 3> boundary_normal;
  };

  /**
   * Voronoi grains from seed points. The grain of a point is its nearest seed.
   * The distance to the boundary of that grain is exact and analytic: the
   * boundary between grains i and j is the bisector plane of their seeds, at
   * signed distance (|x-s_j|^2 - |x-s_i|^2) / (2|s_j-s_i|) from x, and the
   * distance to the Voronoi cell's boundary is the minimum over j. The second
   * nearest seed usually, but not always, attains it, so all seeds are
   * checked. docs/theory.md §10.
   */
  template <int dim>
  class VoronoiGrains
  {
  public:
    VoronoiGrains() = default;
    explicit VoronoiGrains(std::vector<dealii::Point<dim>> seeds);

    /**
     * Place @p n_grains seeds uniformly in the ball of @p radius by dart
     * throwing, rejecting seeds closer than @p minimum_spacing to an earlier
     * one. The sequence depends only on @p random_seed. Throws InputError when
     * the spacing cannot be met after many attempts.
     */
    static std::vector<dealii::Point<dim>> place_seeds(unsigned int n_grains,
                                                       double       radius,
                                                       double       minimum_spacing,
                                                       unsigned int random_seed);

    GrainLocation locate(const dealii::Point<dim> &p) const;

    const std::vector<dealii::Point<dim>> &seeds() const { return seed_points; }

  private:
    std::vector<dealii::Point<dim>> seed_points;
  };

  /**
   * Radial composition profile blending a core material (weight 1 - w) and a
   * shell material (weight w), docs/theory.md §10.4:
   * - uniform: w = 0;
   * - core-shell: w = (1 + tanh((r - r_cs) / (delta / 2))) / 2, core radius r_cs,
   *   transition width delta;
   * - gradient: w rises linearly from 0 at r_0 to 1 at the particle radius R.
   */
  struct CompositionProfile
  {
    enum class Type
    {
      uniform,
      core_shell,
      gradient
    };
    Type   type             = Type::uniform;
    double core_radius      = 0.;
    double transition_width = 0.;
    double gradient_start   = 0.;
    double particle_radius  = 1.;

    double shell_fraction(const double r) const;
  };

  /// Everything the material laws need to know about one material point.
  struct MaterialPoint
  {
    Region               region = Region::active;
    GrainLocation        grain;
    dealii::Tensor<2, 3> rotation;              ///< crystal -> sample axes
    dealii::Tensor<2, 3> neighbour_rotation;    ///< of the neighbouring grain, at this point
    double               shell_fraction = 0.;   ///< composition weight of the shell material
  };

  /**
   * The microstructure of one particle: grains (single crystal, Voronoi, or
   * imported from a gmsh mesh), crystal orientations (single, random on SO(3),
   * radial texture, or from a file), a radial composition profile and the
   * regions of a coated particle embedded in a matrix. Parameters in section
   * "Microstructure". Every rank builds the same microstructure from the same
   * seed without communication.
   */
  template <int dim>
  class Microstructure
  {
  public:
    enum class GrainType
    {
      single_crystal,
      voronoi,
      imported
    };
    enum class OrientationDistribution
    {
      single,
      random,
      radial,
      file
    };

    static void declare_parameters(dealii::ParameterHandler &prm);
    /// Reads section "Microstructure"; file names are resolved like data files.
    void parse_parameters(dealii::ParameterHandler &prm, const std::string &data_directory);

    /**
     * Build grains and orientations. @p single_orientation is the crystal
     * orientation of a single crystal (Material/Crystal c-axis or Bunge
     * angles). For imported meshes the grain boundaries are read from the
     * geometry's mesh file.
     */
    void initialize(const ParticleGeometry &geometry, const dealii::Tensor<2, 3> &single_orientation);

    /// The description of the point @p p inside @p cell.
    MaterialPoint at(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                     const dealii::Point<dim>                                         &p) const;

    /// The region of a cell (its material id on generated meshes; imported meshes are all particle).
    Region region(const typename dealii::Triangulation<dim>::active_cell_iterator &cell) const;

    /// Rotation of @p grain at point @p p (radial textures vary in space).
    dealii::Tensor<2, 3> orientation(const unsigned int grain, const dealii::Point<dim> &p) const;

    unsigned int n_grains() const { return grain_orientations.size(); }
    bool         is_polycrystal() const { return grain_type != GrainType::single_crystal; }
    /// Half the grain-boundary band width: points closer to a boundary lie in the band [m].
    double boundary_half_width() const { return 0.5 * boundary_width; }
    const VoronoiGrains<dim> &voronoi() const { return grains; }
    const CompositionProfile &composition() const { return profile; }

    /// Parameters (public, so that codes using the API can set them directly).
    GrainType               grain_type              = GrainType::single_crystal;
    unsigned int            n_grains_requested      = 0;
    double                  mean_grain_size         = 2e-6;
    unsigned int            random_seed             = 1;
    double                  minimum_seed_spacing    = 0.;
    OrientationDistribution distribution            = OrientationDistribution::single;
    bool                    radial_axis_is_c        = true;
    double                  texture_spread          = 0.; ///< [rad]
    std::string             orientation_file;
    double                  boundary_width = 2e-7;
    CompositionProfile      profile;
    /// Voronoi seeds given by the caller (API only): used instead of random
    /// seeds when not empty, e.g. a bicrystal or a published microstructure.
    std::vector<dealii::Point<dim>> prescribed_seeds;

  private:
    VoronoiGrains<dim>                 grains;
    std::vector<dealii::Tensor<2, 3>>  grain_orientations; ///< per grain (tilt for radial textures)
    std::vector<double>                grain_twist;        ///< radial a-axis texture: angle of c about r
    // Imported meshes: grain per coarse cell and sample points on grain boundaries.
    std::vector<unsigned int>          coarse_cell_grain;
    std::vector<dealii::Point<dim>>    boundary_samples;
    std::vector<dealii::Tensor<1, 3>>  boundary_sample_normals;
    std::vector<std::pair<unsigned int, unsigned int>> boundary_sample_grains;
    double                             particle_radius = 1.;

    void read_orientation_file(const std::vector<unsigned int> &grain_ids);
    void read_imported_boundaries(const std::string &mesh_file, double scale);
  };
} // namespace camfrac
