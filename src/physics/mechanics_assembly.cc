// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Mechanics: the stiffness, the right-hand side (chemical strain, body force,
// pressure), the out-of-plane forces of generalized plane strain and the
// internal-force loop behind reactions and residuals (docs/theory.md §7).

#include <camfrac/io/errors.h>
#include <camfrac/io/field_output.h>
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

  namespace
  {
    // rhs_i -= p int_S phi_i . n dA over the particle surface faces of
    // @p cell: the external pressure p as a traction -p n (docs/theory.md §7).
    template <int dim, typename Cell>
    void add_surface_pressure(const Cell &cell, const double pressure, FEFaceValues<dim> &fe_face_values,
                              dealii::Vector<double> &rhs)
    {
      const FEValuesExtractors::Vector displacement(0);
      for (const auto &face : cell->face_iterators())
        if (face->at_boundary() && face->boundary_id() == ParticleGeometry::surface_boundary_id)
          {
            fe_face_values.reinit(cell, face);
            for (unsigned int q = 0; q < fe_face_values.n_quadrature_points; ++q)
              for (unsigned int i = 0; i < fe_face_values.dofs_per_cell; ++i)
                rhs(i) -= pressure * (fe_face_values[displacement].value(i, q) * fe_face_values.normal_vector(q)) *
                          fe_face_values.JxW(q);
          }
    }
  } // namespace

  template <int dim, typename LA>
  StressResponse MechanicsField<dim, LA>::law(const LocalMaterial &local, const double g, const double phi,
                                              const SymmetricTensor<2, 3> &eps, const bool with_tangent,
                                              const SymmetricTensor<2, 3> *direction) const
  {
    const StrainEnergySplit *split = local.split ? local.split.get() : uniform_split.get();
    return stress_response(local.stiffness, split, stress_degradation, g, phi, eps, with_tangent, direction);
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::assemble_matrix(const ConcentrationView *c, std::array<Vector, 3> *coupling,
                                                FullMatrix<double> *coupling_diagonal)
  {
    // The tangent of the split stress at the current state, or the linear g phi C.
    const bool tangent_at_state = c != nullptr && nonlinear();
    stiffness_matrix = 0.;
    if (coupling != nullptr)
      {
        for (auto &b : *coupling)
          {
            b.reinit(locally_owned_dofs, mpi_communicator);
            b = 0.;
          }
        coupling_diagonal->reinit(3, 3);
      }
    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     fe_values(mapping, fe, quadrature, update_gradients | update_quadrature_points | update_JxW_values);
    std::unique_ptr<FEValues<dim>> c_values_fe;
    if (tangent_at_state)
      c_values_fe = std::make_unique<FEValues<dim>>(mapping, c->dof_handler->get_fe(), quadrature, update_values);
    const FEValuesExtractors::Vector displacement(0);
    const unsigned int               n = fe.n_dofs_per_cell();
    FullMatrix<double>               cell_matrix(n, n);
    std::array<dealii::Vector<double>, 3> cell_coupling;
    for (auto &b : cell_coupling)
      b.reinit(n);
    std::vector<types::global_dof_index> dofs(n);
    std::vector<SymmetricTensor<2, 3>>   strain(n), stress_of_shape(n);
    std::vector<Tensor<2, dim>>          gradients(quadrature.size());
    std::vector<double>                  g, phi, c_values(quadrature.size(), 0.);
    FullMatrix<double>                   diagonal(3, 3);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          degradation_at(cell, quadrature, g);
          phi.assign(quadrature.size(), 1.);
          if (tangent_at_state)
            {
              fe_values[displacement].get_function_gradients(solution, gradients);
              c_values_fe->reinit(typename DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(),
                                                                                 cell->index(), c->dof_handler));
              c_values_fe->get_function_values(*c->values, c_values);
              apply_stiffness_factor(cell, &c_values, phi);
            }
          else
            apply_stiffness_factor(cell, nullptr, phi);
          cell_matrix = 0.;
          for (auto &b : cell_coupling)
            b = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const LocalMaterial  &local = local_material(cell, fe_values, q);
              SymmetricTensor<4, 3> tangent;
              if (tangent_at_state)
                {
                  SymmetricTensor<2, 3> eps =
                    embed<dim>(symmetrize(gradients[q])) - chemical_strain_at(local, c_values[q]);
                  if (dim == 2)
                    eps += out_of_plane_strain;
                  tangent = law(local, g[q], phi[q], eps, true).tangent;
                }
              else
                tangent = stress_response(local.stiffness, nullptr, StressDegradation::hybrid, g[q], phi[q], {}).tangent;
              for (unsigned int i = 0; i < n; ++i)
                {
                  strain[i]          = embed<dim>(fe_values[displacement].symmetric_gradient(i, q));
                  stress_of_shape[i] = tangent * strain[i];
                }
              const double JxW = fe_values.JxW(q);
              for (unsigned int i = 0; i < n; ++i)
                for (unsigned int j = 0; j <= i; ++j)
                  cell_matrix(i, j) += strain[i] * stress_of_shape[j] * JxW;
              if (coupling != nullptr)
                for (unsigned int k = 0; k < 3; ++k)
                  {
                    const SymmetricTensor<2, 3> tangent_k = tangent * out_of_plane_mode(k);
                    for (unsigned int i = 0; i < n; ++i)
                      cell_coupling[k](i) += strain[i] * tangent_k * JxW;
                    for (unsigned int l = 0; l < 3; ++l)
                      diagonal(l, k) += out_of_plane_mode(l) * tangent_k * JxW;
                  }
            }
          for (unsigned int i = 0; i < n; ++i)
            for (unsigned int j = i + 1; j < n; ++j)
              cell_matrix(i, j) = cell_matrix(j, i);
          cell->get_dof_indices(dofs);
          constraints.distribute_local_to_global(cell_matrix, dofs, stiffness_matrix);
          if (coupling != nullptr)
            for (unsigned int k = 0; k < 3; ++k)
              constraints.distribute_local_to_global(cell_coupling[k], dofs, (*coupling)[k]);
        }
    stiffness_matrix.compress(VectorOperation::add);
    if (coupling != nullptr)
      {
        for (auto &b : *coupling)
          b.compress(VectorOperation::add);
        for (unsigned int k = 0; k < 3; ++k)
          for (unsigned int l = 0; l < 3; ++l)
            (*coupling_diagonal)(k, l) = Utilities::MPI::sum(diagonal(k, l), mpi_communicator);
      }
  }

  // F_i = int eps(phi_i) : C : eps_ch + phi_i . b dV - int_S p phi_i . n dA
  // (docs/theory.md eq. (M-weak)); with inhomogeneous (Dirichlet)
  // constraints the cell matrix supplies the lifting.
  template <int dim, typename LA>
  void MechanicsField<dim, LA>::assemble_rhs(const ConcentrationView *c_view, const SymmetricTensor<2, 3> &eigenstrain)
  {
    // c_view null: a unit out-of-plane problem (the uniform eigenstrain alone,
    // no loads, homogeneous constraints).
    const bool                   unit             = c_view == nullptr;
    const SymmetricTensor<2, 3> &unit_eigenstrain = eigenstrain;
    right_hand_side = 0.;
    const QGauss<dim>     quadrature(fe.degree + 1);
    const QGauss<dim - 1> face_quadrature(fe.degree + 1);
    FEValues<dim> fe_values(mapping, fe, quadrature,
                            update_values | update_gradients | update_quadrature_points | update_JxW_values);
    FEFaceValues<dim> fe_face_values(mapping, fe, face_quadrature,
                                     update_values | update_normal_vectors | update_JxW_values);
    const auto   &c_fe = unit ? fe : c_view->dof_handler->get_fe();
    FEValues<dim> c_values_fe(mapping, c_fe, quadrature, update_values);
    const FEValuesExtractors::Vector displacement(0);
    const unsigned int               n = fe.n_dofs_per_cell();
    const bool         lifting = supported() && !unit;
    std::vector<double> g;
    dealii::Vector<double>           cell_rhs(n);
    FullMatrix<double>               cell_matrix(n, n);
    std::vector<types::global_dof_index> dofs(n);
    std::vector<double>              c_values(quadrature.size());
    std::vector<dealii::Vector<double>> force(quadrature.size(), dealii::Vector<double>(dim));
    std::vector<SymmetricTensor<2, 3>>  strain(n);

    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          if (!unit)
            {
              c_values_fe.reinit(typename DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(),
                                                                                cell->index(), c_view->dof_handler));
              c_values_fe.get_function_values(*c_view->values, c_values);
            }
          if (body_force && !unit)
            body_force->vector_value_list(fe_values.get_quadrature_points(), force);
          degradation_at(cell, quadrature, g);
          apply_stiffness_factor(cell, unit ? nullptr : &c_values, g);
          cell_rhs = 0.;
          cell_matrix = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const LocalMaterial &local = local_material(cell, fe_values, q);
              // The stress of u = 0 is -g C : eps_ch: its negative is the load.
              const StressResponse response =
                stress_response(local.stiffness, nullptr, StressDegradation::hybrid, g[q], 1.,
                                -(unit ? unit_eigenstrain : chemical_strain_at(local, c_values[q])), lifting);
              const SymmetricTensor<4, 3> &C           = response.tangent;
              const SymmetricTensor<2, 3>  eigenstress = -response.stress;
              const double                 JxW = fe_values.JxW(q);
              for (unsigned int i = 0; i < n; ++i)
                {
                  strain[i] = embed<dim>(fe_values[displacement].symmetric_gradient(i, q));
                  double value = strain[i] * eigenstress;
                  if (body_force && !unit)
                    for (unsigned int d = 0; d < dim; ++d)
                      value += fe_values[displacement].value(i, q)[d] * force[q][d];
                  cell_rhs(i) += value * JxW;
                }
              if (lifting)
                for (unsigned int i = 0; i < n; ++i)
                  for (unsigned int j = 0; j < n; ++j)
                    cell_matrix(i, j) += strain[i] * (C * strain[j]) * JxW;
            }
          if (settings.external_pressure != 0. && !unit)
            add_surface_pressure(cell, settings.external_pressure, fe_face_values, cell_rhs);
          cell->get_dof_indices(dofs);
          if (lifting)
            constraints.distribute_local_to_global(cell_rhs, dofs, right_hand_side, cell_matrix);
          else
            constraints.distribute_local_to_global(cell_rhs, dofs, right_hand_side);
        }
    right_hand_side.compress(VectorOperation::add);
  }

  template <int dim, typename LA>
  std::array<double, 4> MechanicsField<dim, LA>::out_of_plane_forces(const Vector                &u,
                                                                      const SymmetricTensor<2, 3> &extra,
                                                                      const ConcentrationView     *c) const
  {
    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     fe_values(mapping, fe, quadrature, update_gradients | update_quadrature_points | update_JxW_values);
    std::unique_ptr<FEValues<dim>> c_values_fe;
    if (c != nullptr)
      c_values_fe = std::make_unique<FEValues<dim>>(mapping, c->dof_handler->get_fe(), quadrature, update_values);
    std::vector<Tensor<2, dim>> gradients(quadrature.size());
    std::vector<double>         c_values(quadrature.size(), 0.), g, phi;
    std::array<double, 4>       forces = {0., 0., 0., 0.};
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values[FEValuesExtractors::Vector(0)].get_function_gradients(u, gradients);
          if (c != nullptr)
            {
              c_values_fe->reinit(typename DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(),
                                                                                 cell->index(), c->dof_handler));
              c_values_fe->get_function_values(*c->values, c_values);
            }
          degradation_at(cell, quadrature, g);
          phi.assign(quadrature.size(), 1.);
          apply_stiffness_factor(cell, c != nullptr ? &c_values : nullptr, phi);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const LocalMaterial  &local  = local_material(cell, fe_values, q);
              SymmetricTensor<2, 3> strain = embed<dim>(symmetrize(gradients[q])) + extra;
              SymmetricTensor<2, 3> chemical;
              if (c != nullptr)
                chemical = chemical_strain_at(local, c_values[q]);
              const SymmetricTensor<2, 3> stress = law(local, g[q], phi[q], strain - chemical, false).stress;
              for (unsigned int k = 0; k < 3; ++k)
                forces[k] += stress * out_of_plane_mode(k) * fe_values.JxW(q);
              forces[3] += (stress.norm() + g[q] * phi[q] * (local.stiffness * chemical).norm()) * fe_values.JxW(q);
            }
        }
    for (double &f : forces)
      f = Utilities::MPI::sum(f, mpi_communicator);
    return forces;
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::for_each_cell_force(
    const ConcentrationView                                                                         &c,
    const std::function<void(const typename DoFHandler<dim>::active_cell_iterator &, const dealii::Vector<double> &,
                             const dealii::Vector<double> &, const dealii::Vector<double> &)> &consumer,
    std::array<double, 4> *out_of_plane) const
  {
    // Per cell: internal forces f_i = int eps(phi_i) : sigma dV and the
    // external ones (body force, pressure) with the last solution; the stress
    // alone from the law (not the full material-point states).
    const QGauss<dim>     quadrature(fe.degree + 1);
    const QGauss<dim - 1> face_quadrature(fe.degree + 1);
    FEValues<dim>         fe_values(mapping, fe, quadrature,
                                    update_values | update_gradients | update_quadrature_points | update_JxW_values);
    FEFaceValues<dim>     fe_face_values(mapping, fe, face_quadrature,
                                         update_values | update_normal_vectors | update_JxW_values);
    FEValues<dim>         c_values_fe(mapping, c.dof_handler->get_fe(), quadrature, update_values);
    const FEValuesExtractors::Vector displacement(0);
    const unsigned int               n = fe.n_dofs_per_cell();
    dealii::Vector<double>           internal(n), external(n), chemical(n);
    std::vector<double>              c_values(quadrature.size()), g, phi;
    std::vector<Tensor<2, dim>>      gradients(quadrature.size());
    std::vector<dealii::Vector<double>> force(quadrature.size(), dealii::Vector<double>(dim));
    std::array<double, 4>               forces = {0., 0., 0., 0.};
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values[displacement].get_function_gradients(solution, gradients);
          c_values_fe.reinit(typename DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(),
                                                                            cell->index(), c.dof_handler));
          c_values_fe.get_function_values(*c.values, c_values);
          degradation_at(cell, quadrature, g);
          phi.assign(quadrature.size(), 1.);
          apply_stiffness_factor(cell, &c_values, phi);
          if (body_force)
            body_force->vector_value_list(fe_values.get_quadrature_points(), force);
          internal = 0.;
          external = 0.;
          chemical = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const LocalMaterial        &local       = local_material(cell, fe_values, q);
              const SymmetricTensor<2, 3> eps_chemical = chemical_strain_at(local, c_values[q]);
              SymmetricTensor<2, 3>       elastic      = embed<dim>(symmetrize(gradients[q])) - eps_chemical;
              if (dim == 2)
                elastic += out_of_plane_strain;
              const SymmetricTensor<2, 3> stress          = law(local, g[q], phi[q], elastic, false).stress;
              const SymmetricTensor<2, 3> chemical_stress = g[q] * phi[q] * (local.stiffness * eps_chemical);
              const double                JxW             = fe_values.JxW(q);
              if (out_of_plane != nullptr)
                {
                  for (unsigned int k = 0; k < 3; ++k)
                    forces[k] += stress * out_of_plane_mode(k) * JxW;
                  forces[3] += (stress.norm() + chemical_stress.norm()) * JxW;
                }
              for (unsigned int i = 0; i < n; ++i)
                {
                  const SymmetricTensor<2, 3> strain_i = embed<dim>(fe_values[displacement].symmetric_gradient(i, q));
                  internal(i) += strain_i * stress * JxW;
                  chemical(i) += strain_i * chemical_stress * JxW;
                  if (body_force)
                    for (unsigned int d = 0; d < dim; ++d)
                      external(i) += fe_values[displacement].value(i, q)[d] * force[q][d] * JxW;
                }
            }
          if (settings.external_pressure != 0.)
            add_surface_pressure(cell, settings.external_pressure, fe_face_values, external);
          consumer(cell, internal, external, chemical);
        }
    if (out_of_plane != nullptr)
      for (unsigned int k = 0; k < 4; ++k)
        (*out_of_plane)[k] = Utilities::MPI::sum(forces[k], mpi_communicator);
  }

  template <int dim, typename LA>
  Tensor<1, dim> MechanicsField<dim, LA>::boundary_reaction(const types::boundary_id id,
                                                           const ConcentrationView &c) const
  {
    const unsigned int                   n = fe.n_dofs_per_cell();
    std::vector<types::global_dof_index> dofs(n);
    std::vector<bool>                    on_boundary(n);
    Tensor<1, dim>                       reaction;
    for_each_cell_force(c, [&](const auto &cell, const dealii::Vector<double> &internal,
                               const dealii::Vector<double> &external, const dealii::Vector<double> &) {
      std::fill(on_boundary.begin(), on_boundary.end(), false);
      for (const unsigned int f : cell->face_indices())
        if (cell->face(f)->at_boundary() && cell->face(f)->boundary_id() == id)
          for (unsigned int i = 0; i < n; ++i)
            if (fe.has_support_on_face(i, f))
              on_boundary[i] = true;
      for (unsigned int i = 0; i < n; ++i)
        if (on_boundary[i])
          reaction[fe.system_to_component_index(i).first] += internal(i) - external(i);
    });
    for (unsigned int d = 0; d < dim; ++d)
      reaction[d] = Utilities::MPI::sum(reaction[d], mpi_communicator);
    return reaction;
  }

  template <int dim, typename LA>
  std::pair<double, double> MechanicsField<dim, LA>::residual(const ConcentrationView &c, Vector &R,
                                                              std::array<double, 4> *out_of_plane) const
  {
    R.reinit(locally_owned_dofs, mpi_communicator);
    const unsigned int                   n = fe.n_dofs_per_cell();
    std::vector<types::global_dof_index> dofs(n);
    dealii::Vector<double>               r(n);
    double                               scale = 0.;
    for_each_cell_force(c, [&](const auto &cell, const dealii::Vector<double> &internal,
                               const dealii::Vector<double> &external, const dealii::Vector<double> &chemical) {
      r = internal;
      r -= external;
      // Scale: the cell-wise internal, external and chemical-strain loads (a
      // stress-free body under a compatible chemical strain has a nonzero scale).
      scale += internal.norm_sqr() + external.norm_sqr() + chemical.norm_sqr();
      cell->get_dof_indices(dofs);
      // The vector-only distribution leaves constrained rows 0 (no inhomogeneity).
      constraints.distribute_local_to_global(r, dofs, R);
    }, out_of_plane);
    R.compress(VectorOperation::add);
    return {R.l2_norm(), std::sqrt(Utilities::MPI::sum(scale, mpi_communicator))};
  }

  template <int dim, typename LA>
  double MechanicsField<dim, LA>::relative_residual(const ConcentrationView &c) const
  {
    Vector R;
    const auto [norm, scale] = residual(c, R);
    return scale > 0. ? norm / scale : norm;
  }


  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(MechanicsField);
} // namespace camfrac
