// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Mechanics: material-point evaluation, the summary for history.csv, the
// grain-boundary samples and the field output (docs/theory.md §7, §10.6).

#include <camfrac/io/errors.h>
#include <camfrac/io/field_output.h>
#include <camfrac/material/diffraction.h>
#include <camfrac/material/orientation.h>
#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/constitutive_law.h>
#include <camfrac/physics/mechanics.h>

#include "../instantiation.h"

#include <deal.II/base/qprojector.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/utilities.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_dgq.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>
#include <deal.II/numerics/vector_tools.h>


#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <type_traits>

namespace camfrac
{
  using namespace dealii;

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::evaluate(const typename Triangulation<dim>::active_cell_iterator &tria_cell,
                                         const Quadrature<dim>                                  &quadrature,
                                         const std::vector<double>                              &c_values,
                                         std::vector<MaterialPointState>                        &states) const
  {
    // One FEValues per distinct point set (the volume quadrature and the
    // few face projections a caller cycles through), built on first use.
    FEValues<dim> *cached = nullptr;
    for (const auto &values : evaluation_values)
      if (values->get_quadrature().get_points() == quadrature.get_points())
        cached = values.get();
    if (cached == nullptr)
      {
        evaluation_values.push_back(
          std::make_unique<FEValues<dim>>(mapping, fe, quadrature, update_gradients | update_quadrature_points));
        cached = evaluation_values.back().get();
      }
    FEValues<dim> &fe_values = *cached;
    const typename DoFHandler<dim>::active_cell_iterator cell(&triangulation, tria_cell->level(), tria_cell->index(),
                                                              &dof_handler);
    fe_values.reinit(cell);
    std::vector<Tensor<2, dim>> gradients(quadrature.size());
    fe_values[FEValuesExtractors::Vector(0)].get_function_gradients(solution, gradients);
    std::vector<double> g(quadrature.size(), 1.), d, phi(quadrature.size(), 1.);
    damage_at(tria_cell, quadrature, d);
    if (damage.values != nullptr)
      for (unsigned int q = 0; q < quadrature.size(); ++q)
        g[q] = (1. - d[q]) * (1. - d[q]) + damage.residual_stiffness; // as degradation_at()
    apply_stiffness_factor(tria_cell, &c_values, phi); // phi(x) of C(x) = phi C (1 otherwise)
    // k = phi'/(phi c_max) = d ln(phi)/dc [m^3/mol].
    const bool softening = material.stiffness_softening != 0. && stores_lithium(tria_cell);
    states.resize(quadrature.size());
    for (unsigned int q = 0; q < quadrature.size(); ++q)
      {
        const LocalMaterial &local = local_material(tria_cell, fe_values, q);
        auto                &s     = states[q];
        const double         gphi  = g[q] * phi[q];
        const double k = softening ? material.stiffness_softening / (phi[q] * material.maximum_concentration) : 0.;
        s.chemical_strain      = chemical_strain_at(local, c_values[q]);
        SymmetricTensor<2, 3> elastic_strain = embed<dim>(symmetrize(gradients[q])) - s.chemical_strain;
        if (dim == 2)
          elastic_strain += out_of_plane_strain; // generalized plane strain (0 otherwise)
        // The split or the hybrid stress (docs/theory.md §11.2); with C(x) = phi(x) C the
        // stiffness factor scales every part of the split.
        s.chemical_strain_rate = chemical_strain_derivative_at(local, c_values[q]);
        const StressResponse response = law(local, g[q], phi[q], elastic_strain, false, &s.chemical_strain_rate);
        s.degradation              = g[q];
        s.damage                   = d[q];
        s.stress                   = response.stress;
        s.elastic_strain           = elastic_strain;
        s.chemical_stress          = gphi * (local.stiffness * s.chemical_strain);
        s.elastic_energy_density   = response.energy;
        // s = -d psi/dc at fixed strain = sigma : eps' - k psi (docs/theory.md [C-x]).
        s.stress_potential = s.stress * s.chemical_strain_rate - k * s.elastic_energy_density;
        s.positive_energy_density = response.positive_energy;
        s.volume_ratio           = determinant(Tensor<2, dim>(unit_symmetric_tensor<dim>()) + gradients[q]);
        // L: the Eshelby estimate eps' : C_iso : (I - S) : eps' of -ds/dc
        // for a spherical (3D) or cylindrical (2D, plane strain) region of
        // the isotropic-equivalent (Voigt) solid, but at least half the
        // frozen-strain value eps' : C : eps', which bounds -ds/dc from
        // above (docs/theory.md §7).
        // The curvature term sigma : d^2 eps_ch/dc^2 of ds/dc is local and
        // exact (the tables' second derivative); L stays >= 0 so that the
        // transport operator keeps its ellipticity.
        // With C(x) (phi linear in c): -ds/dc gains -2 k sigma : eps'.
        const auto   curvature = chemical_strain_second_derivative_at(local, c_values[q]);
        const double local_terms = s.stress * curvature + 2. * k * (s.stress * s.chemical_strain_rate);
        // eps' : C_T : eps' with the tangent C_T of the law; for the split stress the factor
        // g phi of the linear law becomes the effective one along eps'.
        const double frozen = s.chemical_strain_rate * (local.stiffness * s.chemical_strain_rate);
        const double along  = response.curvature;
        const double effective = frozen > 0. ? along / frozen : gphi;
        s.fixed_strain_stiffness = along - local_terms;
        s.split_stiffness =
          std::max(effective * std::max(s.chemical_strain_rate * (split_tensor * s.chemical_strain_rate),
                                   0.5 * (s.chemical_strain_rate * (local.stiffness * s.chemical_strain_rate))) -
                     local_terms,
                   0.);
      }
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::evaluate_with_concentration(const typename Triangulation<dim>::active_cell_iterator &cell,
                                                            const Quadrature<dim>           &quadrature,
                                                            const ConcentrationView         &c,
                                                            FEValues<dim>                   &c_fe_values,
                                                            std::vector<double>             &c_values,
                                                            std::vector<MaterialPointState> &states) const
  {
    c_fe_values.reinit(
      typename DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(), cell->index(), c.dof_handler));
    c_fe_values.get_function_values(*c.values, c_values);
    evaluate(cell, quadrature, c_values, states);
  }

  namespace
  {
    // The sums and extrema behind MechanicalSummary, accumulated over the
    // owned cells and reduced over the ranks once.
    struct SummarySums
    {
      double max_principal = -std::numeric_limits<double>::max();
      double max_h         = -std::numeric_limits<double>::max();
      double min_h         = std::numeric_limits<double>::max();
      double energy = 0., deformed = 0., volume = 0.;
      double centre_stress = 0., centre_volume = 0.;
      double hoop = 0., area = 0.;
      double max_gb_stress = -std::numeric_limits<double>::max(), misorientation = 0., band_volume = 0.;
      double crack_opening = 0.;

      // A volume point of the active material; `centre`: within 0.2 R.
      void add_point(const MaterialPointState &s, const double JxW, const bool centre)
      {
        max_principal  = std::max(max_principal, eigenvalues(s.stress)[0]);
        const double h = trace(s.stress) / 3.;
        max_h          = std::max(max_h, h);
        min_h          = std::min(min_h, h);
        energy += s.elastic_energy_density * JxW;
        if (centre)
          {
            centre_stress += h * JxW;
            centre_volume += JxW;
          }
        deformed += s.volume_ratio * JxW;
        volume += JxW;
      }

      // The crack opening density d <eps_I>+ (docs/theory.md §11.8 [F-open]): eps_I the largest
      // principal elastic strain, of the in-plane block in 2D (a 2D crack's normal is in-plane).
      template <int dim>
      void add_crack_opening(const MaterialPointState &s, const double JxW)
      {
        if (s.damage <= 0.)
          return;
        SymmetricTensor<2, dim> in_plane;
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = i; j < dim; ++j)
            in_plane[i][j] = s.elastic_strain[i][j];
        crack_opening += s.damage * std::max(eigenvalues(in_plane)[0], 0.) * JxW;
      }

      // A grain-boundary point: its normal stress and misorientation angle.
      void add_grain_boundary_point(const std::pair<double, double> &band, const double JxW)
      {
        max_gb_stress = std::max(max_gb_stress, band.first);
        misorientation += band.second * JxW;
        band_volume += JxW;
      }

      // A surface point: the tangential normal stress (tr_dim sigma - n.sigma.n)/(dim - 1).
      template <int dim>
      void add_surface_point(const SymmetricTensor<2, 3> &stress, const Tensor<1, dim> &n, const double JxW)
      {
        double tr = 0., nsn = 0.;
        for (unsigned int i = 0; i < dim; ++i)
          {
            tr += stress[i][i];
            for (unsigned int j = 0; j < dim; ++j)
              nsn += n[i] * stress[i][j] * n[j];
          }
        hoop += (tr - nsn) / (dim - 1) * JxW;
        area += JxW;
      }

      MechanicalSummary reduce(const MPI_Comm comm) const
      {
        using Utilities::MPI::max;
        using Utilities::MPI::sum;
        MechanicalSummary result;
        result.max_principal_stress      = max(max_principal, comm);
        result.max_hydrostatic_stress    = max(max_h, comm);
        result.min_hydrostatic_stress    = Utilities::MPI::min(min_h, comm);
        result.elastic_energy            = sum(energy, comm);
        result.volume_change             = sum(deformed, comm) / sum(volume, comm) - 1.;
        result.crack_opening             = sum(crack_opening, comm);
        result.surface_hoop_stress       = sum(hoop, comm) / sum(area, comm);
        const double v0                  = sum(centre_volume, comm);
        result.center_hydrostatic_stress = v0 > 0. ? sum(centre_stress, comm) / v0 : 0.;
        const double band                = sum(band_volume, comm);
        if (band > 0.)
          {
            result.max_gb_normal_stress = max(max_gb_stress, comm);
            result.mean_misorientation  = sum(misorientation, comm) / band * 180. / M_PI;
          }
        return result;
      }
    };
  } // namespace

  template <int dim, typename LA>
  MechanicalSummary MechanicsField<dim, LA>::summary(const ConcentrationView &c) const
  {
    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     fe_values(mapping, fe, quadrature, update_JxW_values | update_quadrature_points);
    FEValues<dim>     c_fe_values(mapping, c.dof_handler->get_fe(), quadrature, update_values);
    std::vector<double>             c_values(quadrature.size());
    std::vector<MaterialPointState> states;
    double radius = 0.;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && stores_lithium(cell))
        for (const unsigned int v : cell->vertex_indices())
          radius = std::max(radius, cell->vertex(v).norm());
    radius = Utilities::MPI::max(radius, mpi_communicator);
    const QGauss<dim - 1> face_quadrature(fe.degree + 1);
    // Face points as cell quadratures, one per face number, built once.
    std::vector<Quadrature<dim>>                face_points;
    std::vector<std::unique_ptr<FEValues<dim>>> c_face_values;
    for (const unsigned int f : GeometryInfo<dim>::face_indices())
      {
        face_points.push_back(QProjector<dim>::project_to_face(ReferenceCells::get_hypercube<dim>(), face_quadrature, f));
        c_face_values.push_back(
          std::make_unique<FEValues<dim>>(mapping, c.dof_handler->get_fe(), face_points.back(), update_values));
      }
    FEFaceValues<dim> face_values(mapping, fe, face_quadrature, update_JxW_values | update_normal_vectors);
    std::vector<double> c_surface(face_quadrature.size());
    SummarySums         sums;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          evaluate_with_concentration(cell, quadrature, c, c_fe_values, c_values, states);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              if (const auto band = grain_boundary_point(cell, fe_values, q, states[q].stress))
                sums.add_grain_boundary_point(*band, fe_values.JxW(q));
              if (stores_lithium(cell))
                {
                  sums.add_point(states[q], fe_values.JxW(q), fe_values.quadrature_point(q).norm() < 0.2 * radius);
                  sums.add_crack_opening<dim>(states[q], fe_values.JxW(q));
                }
            }
          // The surface of the active material: the boundary and the faces to inactive phases.
          for (const unsigned int f : cell->face_indices())
            if (stores_lithium(cell) && (cell->face(f)->at_boundary() || !stores_lithium(cell->neighbor(f))))
              {
                face_values.reinit(cell, f);
                evaluate_with_concentration(cell, face_points[f], c, *c_face_values[f], c_surface, states);
                for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                  sums.add_surface_point(states[q].stress, face_values.normal_vector(q), face_values.JxW(q));
              }
        }
    return sums.reduce(mpi_communicator);
  }

  namespace
  {
    // Sum over the ranks, in place.
    void sum_over_ranks(std::vector<double> &values, const MPI_Comm communicator)
    {
      const int ierr = MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                                     communicator);
      AssertThrowMPI(ierr);
    }
  } // namespace

  template <int dim, typename LA>
  XrdPattern MechanicsField<dim, LA>::virtual_xrd(const ConcentrationView &c, const XrdSettings &settings) const
  {
    const auto [a0, c0]  = material.reference_lattice_parameters();
    const double degrees = 180. / M_PI;
    const std::array<const Reflection *, 2> reflections = {&reflection_003(), &reflection_104()};
    const unsigned int n_bins = static_cast<unsigned int>(std::ceil(2. * settings.window / settings.bin_width));
    std::array<double, 2>                      d_reference, first_edge;
    std::array<std::array<Tensor<1, 3>, 3>, 2> normals;
    for (unsigned int r = 0; r < 2; ++r)
      {
        d_reference[r] = reflections[r]->d_spacing(a0, c0);
        normals[r]     = reflections[r]->normals(a0, c0);
        first_edge[r]  = bragg_two_theta(d_reference[r], settings.wavelength) * degrees - settings.window;
      }

    // First pass: the values at every owned point, kept for the second.
    // Per point: weight, x, a, c, cell volume; per reflection and plane of the
    // family: the spacing's chemical and elastic parts and 2 theta.
    constexpr unsigned int n_scalars = 5, n_plane = 3, n_per_point = n_scalars + 2 * 3 * n_plane;
    std::vector<double>             values;
    const QGauss<dim>               quadrature(fe.degree + 1);
    FEValues<dim>                   fe_values(mapping, fe, quadrature, update_JxW_values | update_quadrature_points);
    FEValues<dim>                   c_fe_values(mapping, c.dof_handler->get_fe(), quadrature, update_values);
    std::vector<double>             c_values(quadrature.size());
    std::vector<MaterialPointState> states;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && stores_lithium(cell))
        {
          fe_values.reinit(cell);
          evaluate_with_concentration(cell, quadrature, c, c_fe_values, c_values, states);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const Tensor<2, 3> &R = local_material(cell, fe_values, q).point.rotation;
              const auto to_crystal = [&](const SymmetricTensor<2, 3> &t) {
                return symmetrize(transpose(R) * Tensor<2, 3>(t) * R);
              };
              // The lattice strain against the reference crystal: eps_ch + eps_e.
              const SymmetricTensor<2, 3> chemical = to_crystal(states[q].chemical_strain);
              const SymmetricTensor<2, 3> elastic  = to_crystal(states[q].elastic_strain);
              const SymmetricTensor<2, 3> total    = chemical + elastic;
              const double a = a0 * (1. + 0.5 * (total[0][0] + total[1][1])), cc = c0 * (1. + total[2][2]);
              values.insert(values.end(), {fe_values.JxW(q), c_values[q] / material.maximum_concentration, a, cc,
                                           0.5 * std::sqrt(3.) * a * a * cc});
              for (unsigned int r = 0; r < 2; ++r)
                for (const auto &n : normals[r])
                  {
                    const double dc = d_reference[r] * Reflection::strain_along(n, chemical);
                    const double de = d_reference[r] * Reflection::strain_along(n, elastic);
                    values.insert(values.end(),
                                  {dc, de, bragg_two_theta(d_reference[r] + dc + de, settings.wavelength) * degrees});
                  }
            }
        }
    const std::size_t n_points = values.size() / n_per_point;
    // Means: each plane of a family carries a third of the point's volume.
    std::vector<double> mean(n_per_point, 0.);
    for (std::size_t k = 0; k < n_points; ++k)
      {
        const double *v = values.data() + k * n_per_point;
        mean[0] += v[0];
        for (unsigned int j = 1; j < n_scalars; ++j)
          mean[j] += v[0] * v[j];
        for (unsigned int r = 0; r < 2; ++r)
          for (unsigned int i = 0; i < n_plane; ++i)
            for (unsigned int j = 0; j < 3; ++j)
              mean[n_scalars + 3 * r + j] += v[0] / n_plane * v[n_scalars + 3 * (n_plane * r + i) + j];
      }
    sum_over_ranks(mean, mpi_communicator);
    const double W = mean[0];
    AssertThrow(W > 0., ExcMessage("virtual XRD: no active material"));
    for (unsigned int j = 1; j < n_per_point; ++j)
      mean[j] /= W;
    // Second pass: centred second moments (no cancellation for narrow lines),
    // the spacing's total and its parts, and the histograms.
    std::vector<double> moments(n_scalars + 2 * 4 + 2 * (n_bins + 1), 0.);
    double *const       hist = moments.data() + n_scalars + 8;
    for (std::size_t k = 0; k < n_points; ++k)
      {
        const double *v = values.data() + k * n_per_point;
        for (unsigned int j = 1; j < n_scalars; ++j)
          moments[j] += v[0] * (v[j] - mean[j]) * (v[j] - mean[j]);
        for (unsigned int r = 0; r < 2; ++r)
          for (unsigned int i = 0; i < n_plane; ++i)
            {
              const double *p  = v + n_scalars + 3 * (n_plane * r + i);
              const double *m  = mean.data() + n_scalars + 3 * r;
              const double  w  = v[0] / n_plane;
              const double  dd = p[0] + p[1] - m[0] - m[1];
              double       *mr = moments.data() + n_scalars + 4 * r;
              mr[0] += w * dd * dd;
              mr[1] += w * (p[0] - m[0]) * (p[0] - m[0]);
              mr[2] += w * (p[1] - m[1]) * (p[1] - m[1]);
              mr[3] += w * (p[2] - m[2]) * (p[2] - m[2]);
              const double bin = std::floor((p[2] - first_edge[r]) / settings.bin_width);
              hist[r * (n_bins + 1) + (bin >= 0. && bin < n_bins ? static_cast<unsigned int>(bin) : n_bins)] += w;
            }
      }
    sum_over_ranks(moments, mpi_communicator);

    XrdPattern pattern;
    pattern.mean_x           = mean[1];
    pattern.std_x            = std::sqrt(moments[1] / W);
    pattern.mean_a           = mean[2];
    pattern.std_a            = std::sqrt(moments[2] / W);
    pattern.mean_c           = mean[3];
    pattern.std_c            = std::sqrt(moments[3] / W);
    pattern.mean_cell_volume = mean[4];
    for (unsigned int r = 0; r < 2; ++r)
      {
        XrdPeak      &peak = r == 0 ? pattern.peak_003 : pattern.peak_104;
        const double *m    = mean.data() + n_scalars + 3 * r;
        const double *mr   = moments.data() + n_scalars + 4 * r;
        peak.mean_d              = d_reference[r] + m[0] + m[1];
        peak.std_d               = std::sqrt(mr[0] / W);
        peak.std_d_chemical      = std::sqrt(mr[1] / W);
        peak.std_d_elastic       = std::sqrt(mr[2] / W);
        peak.mean_two_theta      = m[2];
        peak.std_two_theta       = std::sqrt(mr[3] / W);
        peak.reference_two_theta = first_edge[r] + settings.window;
        peak.first_bin           = first_edge[r] + 0.5 * settings.bin_width;
        peak.histogram.assign(hist + r * (n_bins + 1), hist + r * (n_bins + 1) + n_bins);
        for (double &f : peak.histogram)
          f /= W;
        peak.outside = hist[r * (n_bins + 1) + n_bins] / W;
      }
    return pattern;
  }

  template <int dim, typename LA>
  std::optional<std::pair<double, double>>
  MechanicsField<dim, LA>::grain_boundary_point(const typename Triangulation<dim>::active_cell_iterator &cell,
                                                const FEValues<dim>                                      &fe_values,
                                                const unsigned int                                        q,
                                                const SymmetricTensor<2, 3>                              &stress) const
  {
    if (!material_field || !material_field->microstructure().is_polycrystal() || !stores_lithium(cell))
      return std::nullopt;
    const MaterialPoint &point = local_material(cell, fe_values, q).point;
    if (point.grain.neighbour_grain == point.grain.grain ||
        !(point.grain.boundary_distance <= material_field->microstructure().boundary_half_width()))
      return std::nullopt;
    const Tensor<1, 3> &n = point.grain.boundary_normal;
    return std::make_pair(n * (stress * n), hexagonal_misorientation_angle(point.rotation, point.neighbour_rotation));
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::write_grain_boundary_samples(const ConcentrationView &c,
                                                             const std::string       &directory,
                                                             const unsigned int       index) const
  {
    if (!material_field || !material_field->microstructure().is_polycrystal())
      return;
    const QGauss<dim>   quadrature(fe.degree + 1);
    FEValues<dim>       fe_values(mapping, fe, quadrature, update_quadrature_points | update_JxW_values);
    FEValues<dim>       c_fe_values(mapping, c.dof_handler->get_fe(), quadrature, update_values);
    std::vector<double> c_values(quadrature.size()), rows;
    std::vector<MaterialPointState> states;
    const unsigned int              n_columns = 9;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && stores_lithium(cell))
        {
          fe_values.reinit(cell);
          evaluate_with_concentration(cell, quadrature, c, c_fe_values, c_values, states);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            if (const auto band = grain_boundary_point(cell, fe_values, q, states[q].stress))
              {
                const auto  &point = local_material(cell, fe_values, q).point;
                const auto  &x     = fe_values.quadrature_point(q);
                rows.insert(rows.end(), {x[0], x[1], dim == 3 ? x[dim - 1] : 0., double(point.grain.grain),
                                         double(point.grain.neighbour_grain), band->second * 180. / M_PI,
                                         point.grain.boundary_distance, band->first, fe_values.JxW(q)});
              }
        }
    const auto gathered = Utilities::MPI::gather(mpi_communicator, rows, 0);
    if (Utilities::MPI::this_mpi_process(mpi_communicator) != 0)
      return;
    std::ostringstream name;
    name << "gb_stress-" << std::setw(5) << std::setfill('0') << index << ".csv";
    const std::filesystem::path final_path = std::filesystem::path(directory) / name.str();
    const std::filesystem::path temporary  = final_path.string() + ".tmp";
    {
      std::ofstream out(temporary);
      out << "# grain-boundary band points: position [m], grains, misorientation [deg] (hexagonal symmetry), "
             "distance to the boundary [m], normal stress n.sigma.n [Pa], volume weight [m^3 or m^2]\n";
      out << "x,y,z,grain,neighbour_grain,misorientation_deg,boundary_distance_m,normal_stress_Pa,weight\n";
      out << std::setprecision(10);
      for (const auto &part : gathered)
        for (std::size_t r = 0; r + n_columns <= part.size(); r += n_columns)
          for (unsigned int k = 0; k < n_columns; ++k)
            out << part[r + k] << (k + 1 < n_columns ? ',' : '\n');
      if (!out)
        throw InputError("cannot write '" + temporary.string() + "'");
    }
    std::filesystem::rename(temporary, final_path);
  }

  namespace
  {
    // Microstructure fields evaluated exactly at the output points: grain id,
    // distance to the nearest grain boundary, the crystal c-axis, the region
    // (0 particle, 1 coating, 2 matrix) and the shell fraction.
    template <int dim>
    class MicrostructureOutput : public DataPostprocessor<dim>
    {
    public:
      explicit MicrostructureOutput(const MaterialField<dim> &field)
        : field(field)
      {}

      void evaluate_vector_field(const DataPostprocessorInputs::Vector<dim> &inputs,
                                 std::vector<dealii::Vector<double>>      &computed) const override
      {
        const auto cell = inputs.template get_cell<dim>();
        const typename Triangulation<dim>::active_cell_iterator tria_cell(&cell->get_triangulation(), cell->level(),
                                                                          cell->index());
        for (unsigned int p = 0; p < inputs.evaluation_points.size(); ++p)
          {
            const MaterialPoint point = field.point(tria_cell, inputs.evaluation_points[p]);
            computed[p](0)            = point.grain.grain;
            computed[p](1) = std::isfinite(point.grain.boundary_distance) ? point.grain.boundary_distance : -1.;
            for (unsigned int i = 0; i < 3; ++i)
              computed[p](2 + i) = point.rotation[i][2];
            computed[p](5) = static_cast<double>(point.region);
            computed[p](6) = point.shell_fraction;
          }
      }

      std::vector<std::string> get_names() const override
      {
        return {"grain_id", "grain_boundary_distance", "c_axis_x", "c_axis_y", "c_axis_z", "material_id",
                "shell_fraction"};
      }

      UpdateFlags get_needed_update_flags() const override { return update_quadrature_points; }

    private:
      const MaterialField<dim> &field;
    };
  } // namespace

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::write_fields(const ConcentrationView &c,
                                             const std::string       &directory,
                                             const unsigned int       index,
                                             const double             time,
                                             std::vector<XDMFEntry>  &xdmf_entries) const
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "output");
    // Stress and strain are discontinuous: project them cell by cell onto DG Q_k.
    const FE_DGQ<dim> fe_dg(fe.degree);
    DoFHandler<dim>   dg_handler(triangulation);
    dg_handler.distribute_dofs(fe_dg);
    const IndexSet owned = dg_handler.locally_owned_dofs();
    IndexSet       relevant;
    DoFTools::extract_locally_relevant_dofs(dg_handler, relevant);

    const std::vector<std::string> names = {"stress_xx", "stress_yy", "stress_zz", "stress_xy", "stress_yz",
                                            "stress_xz", "von_mises_stress", "hydrostatic_stress",
                                            "max_principal_stress", "chemical_strain_xx", "chemical_strain_yy",
                                            "chemical_strain_zz", "chemical_strain_xy", "chemical_strain_yz",
                                            "chemical_strain_xz"};
    const std::array<std::pair<unsigned int, unsigned int>, 6> components = {
      {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {1, 2}, {0, 2}}};
    std::vector<Vector> owned_fields(names.size(), Vector(owned, mpi_communicator));

    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     dg_values(mapping, fe_dg, quadrature, update_values | update_JxW_values);
    FEValues<dim>     c_fe_values(mapping, c.dof_handler->get_fe(), quadrature, update_values);
    const unsigned int n = fe_dg.n_dofs_per_cell();
    FullMatrix<double> mass(n, n);
    std::vector<double> c_values(quadrature.size());
    std::vector<MaterialPointState> states;
    std::vector<types::global_dof_index> dofs(n);
    dealii::Vector<double> rhs(n), coefficients(n);
    for (const auto &cell : dg_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          dg_values.reinit(cell);
          evaluate_with_concentration(cell, quadrature, c, c_fe_values, c_values, states);
          mass = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            for (unsigned int i = 0; i < n; ++i)
              for (unsigned int j = 0; j < n; ++j)
                mass(i, j) += dg_values.shape_value(i, q) * dg_values.shape_value(j, q) * dg_values.JxW(q);
          mass.gauss_jordan();
          cell->get_dof_indices(dofs);
          for (unsigned int f = 0; f < names.size(); ++f)
            {
              rhs = 0.;
              for (unsigned int q = 0; q < quadrature.size(); ++q)
                {
                  const auto &s = states[q];
                  double      value;
                  if (f < 6)
                    value = s.stress[components[f].first][components[f].second];
                  else if (f == 6)
                    value = std::sqrt(1.5) * deviator(s.stress).norm();
                  else if (f == 7)
                    value = trace(s.stress) / 3.;
                  else if (f == 8)
                    value = eigenvalues(s.stress)[0];
                  else
                    value = s.chemical_strain[components[f - 9].first][components[f - 9].second];
                  for (unsigned int i = 0; i < n; ++i)
                    rhs(i) += value * dg_values.shape_value(i, q) * dg_values.JxW(q);
                }
              mass.vmult(coefficients, rhs);
              for (unsigned int i = 0; i < n; ++i)
                owned_fields[f][dofs[i]] = coefficients(i);
            }
        }
    std::vector<Vector> fields(names.size(), Vector(owned, relevant, mpi_communicator));
    for (unsigned int f = 0; f < names.size(); ++f)
      {
        owned_fields[f].compress(VectorOperation::insert);
        fields[f] = owned_fields[f];
      }

    DataOut<dim> data_out;
    data_out.attach_triangulation(triangulation);
    const std::vector<DataComponentInterpretation::DataComponentInterpretation> vector_kind(
      dim, DataComponentInterpretation::component_is_part_of_vector);
    data_out.add_data_vector(dof_handler, solution, std::vector<std::string>(dim, "displacement"), vector_kind);
    data_out.add_data_vector(*c.dof_handler, *c.values, "concentration");
    for (unsigned int f = 0; f < names.size(); ++f)
      data_out.add_data_vector(dg_handler, fields[f], names[f]);
    dealii::Vector<float> subdomain(triangulation.n_active_cells());
    subdomain = static_cast<float>(triangulation.locally_owned_subdomain());
    data_out.add_data_vector(subdomain, "mpi_rank");
    std::unique_ptr<MicrostructureOutput<dim>> microstructure_output;
    if (material_field)
      {
        microstructure_output = std::make_unique<MicrostructureOutput<dim>>(*material_field);
        data_out.add_data_vector(dof_handler, solution, *microstructure_output);
      }
    data_out.build_patches(mapping, fe.degree);

    write_fields_xdmf(data_out, directory, "mechanics", index, time, false, xdmf_entries, mpi_communicator);
    write_grain_boundary_samples(c, directory, index);
  }

  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(MechanicsField);
} // namespace camfrac
