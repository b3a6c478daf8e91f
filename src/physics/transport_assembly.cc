// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The transport residual and Jacobian (docs/theory.md §3, §4, §11.7): one
// WorkStream loop over cells that calls three local integrators, for the
// volume, the reaction faces and the infiltrated crack faces.

#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/butler_volmer.h>
#include <camfrac/physics/transport.h>

#include "../instantiation.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/utilities.h>
#include <deal.II/base/work_stream.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/grid/filtered_iterator.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>

#include <algorithm>

namespace camfrac
{
  using namespace dealii;

  namespace
  {
    // Keep x away from 0 and 1 where i_0 and U may be singular.
    double clamp_fraction(const double x) { return std::min(std::max(x, 1e-9), 1. - 1e-9); }
  } // namespace

  /// What the local integrators need of one assembly.
  template <int dim, typename LA>
  struct TransportField<dim, LA>::AssemblyInput
  {
    const Vector &c;                  // the iterate, ghosted
    double        potential;          // phi [V]
    double        dt;                 // [s]
    double        flux_value;         // prescribed molar flux [mol/m^2/s] (no Butler–Volmer)
    bool          with_jacobian;
  };

  /// Per-thread FEValues and point values.
  template <int dim, typename LA>
  struct TransportField<dim, LA>::CellScratch
  {
    FEValues<dim>               fe_values;
    FEFaceValues<dim>           fe_face_values;
    std::vector<Tensor<1, dim>> potential_gradients, stabilisation_gradients, reference_gradients, c_gradients,
      mu_gradients, flux_of_shape;
    std::vector<double> stabilisation_values, reference_values, source_values, c_values, c_old_values, face_values,
      shape_values;
    CellScratch(const Mapping<dim> &mapping, const FiniteElement<dim> &fe, const Quadrature<dim> &q,
                const Quadrature<dim - 1> &fq)
      : fe_values(mapping, fe, q, update_values | update_gradients | update_quadrature_points | update_JxW_values)
      , fe_face_values(mapping, fe, fq, update_values | update_JxW_values)
      , potential_gradients(q.size())
      , stabilisation_gradients(q.size())
      , reference_gradients(q.size())
      , c_gradients(q.size())
      , mu_gradients(q.size())
      , flux_of_shape(fe.n_dofs_per_cell())
      , stabilisation_values(q.size())
      , reference_values(q.size())
      , source_values(q.size())
      , c_values(q.size())
      , c_old_values(q.size())
      , face_values(fq.size())
      , shape_values(fe.n_dofs_per_cell())
    {}
    CellScratch(const CellScratch &o)
      : CellScratch(o.fe_values.get_mapping(), o.fe_values.get_fe(), o.fe_values.get_quadrature(),
                    o.fe_face_values.get_quadrature())
    {}
  };

  /// One cell's contributions: the residual R, K = dR/dc, b = dR/dphi and
  /// g = dI/dc, and its share of I and dI/dphi.
  template <int dim, typename LA>
  struct TransportField<dim, LA>::CellCopy
  {
    FullMatrix<double>                   cell_matrix;
    FullMatrix<double>                   cell_flux_matrix; // K_cmu (mixed formulation)
    dealii::Vector<double>               cell_residual, cell_column, cell_row;
    std::vector<types::global_dof_index> dof_indices;
    double                               current = 0., d_current_d_phi = 0.;
    bool                                 active  = false;
  };

  // Volume terms of [T-weak] with the stress-coupled flux [J] and the split
  // potential s_used = s_k - L (c - c_k) [split] (docs/theory.md §3, §8):
  //   R_i += int N_i (c - c_old)/dt - N_i q_source + grad N_i . (D grad c - M grad s_used) dV.
  // Leaves the c values of the points in scratch.c_values (the crack sink uses them).
  template <int dim, typename LA>
  void TransportField<dim, LA>::integrate_volume(const typename DoFHandler<dim>::active_cell_iterator &cell,
                                                 const AssemblyInput &in, CellScratch &scratch, CellCopy &copy) const
  {
    FEValues<dim>     &fe_values     = scratch.fe_values;
    const unsigned int dofs_per_cell = fe.n_dofs_per_cell();
    const unsigned int n_points      = fe_values.n_quadrature_points;
    const bool         coupled       = stress_coupling.potential != nullptr;
    const double       c_max         = material.maximum_concentration;
    fe_values.get_function_values(in.c, scratch.c_values);
    fe_values.get_function_values(solution, scratch.c_old_values);
    fe_values.get_function_gradients(in.c, scratch.c_gradients);
    if (coupled)
      {
        fe_values.get_function_gradients(*stress_coupling.potential, scratch.potential_gradients);
        fe_values.get_function_values(*stress_coupling.stabilisation, scratch.stabilisation_values);
        fe_values.get_function_gradients(*stress_coupling.stabilisation, scratch.stabilisation_gradients);
        fe_values.get_function_values(*stress_coupling.reference_concentration, scratch.reference_values);
        fe_values.get_function_gradients(*stress_coupling.reference_concentration, scratch.reference_gradients);
      }
    if (volume_source)
      volume_source->value_list(fe_values.get_quadrature_points(), scratch.source_values);

    for (unsigned int q = 0; q < n_points; ++q)
      {
        const double         c_q  = scratch.c_values[q];
        const double         x    = clamp_fraction(c_q / c_max);
        const Tensor<2, dim> D    = diffusivity_at(cell, q, x, false);
        const Tensor<1, dim> flux = D * scratch.c_gradients[q]; // -J
        const double         JxW  = fe_values.JxW(q);
        const double         rate = (c_q - scratch.c_old_values[q]) / in.dt;
        Tensor<1, dim>       d_flux_dx;
        if (in.with_jacobian)
          d_flux_dx = diffusivity_at(cell, q, x, true) * scratch.c_gradients[q] / c_max;
        Tensor<1, dim> flux_with_stress  = flux;
        Tensor<2, dim> shape_flux_tensor = D;
        if (coupled)
          {
            // -J = D grad c - M grad s_used, M = m(x) D ([M], thermodynamic or ideal solution).
            const auto           mobility = mobility_factor_at(cell, q, x, in.with_jacobian);
            const Tensor<2, dim> M        = mobility.value * D;
            const double         dc     = c_q - scratch.reference_values[q];
            const double         L      = scratch.stabilisation_values[q];
            const Tensor<1, dim> g      = scratch.potential_gradients[q] -
                                     L * (scratch.c_gradients[q] - scratch.reference_gradients[q]) -
                                     dc * scratch.stabilisation_gradients[q];
            flux_with_stress -= M * g;
            if (in.with_jacobian)
              {
                const Tensor<2, dim> dM_dx = mobility.value * diffusivity_at(cell, q, x, true) + mobility.derivative * D;
                d_flux_dx += -(dM_dx * g) / c_max + M * scratch.stabilisation_gradients[q];
                shape_flux_tensor += L * M;
              }
          }
        if (in.with_jacobian)
          for (unsigned int j = 0; j < dofs_per_cell; ++j)
            {
              scratch.shape_values[j]  = fe_values.shape_value(j, q);
              scratch.flux_of_shape[j] = shape_flux_tensor * fe_values.shape_grad(j, q);
            }
        const double source = volume_source ? scratch.source_values[q] : 0.;
        for (unsigned int i = 0; i < dofs_per_cell; ++i)
          {
            const double         N_i      = fe_values.shape_value(i, q);
            const Tensor<1, dim> grad_N_i = fe_values.shape_grad(i, q);
            copy.cell_residual(i) += (N_i * (rate - source) + grad_N_i * flux_with_stress) * JxW;
            if (in.with_jacobian)
              {
                // d/dc_j of the mass, diffusion and D'(x) terms.
                const double mass_i = N_i / in.dt + grad_N_i * d_flux_dx;
                for (unsigned int j = 0; j < dofs_per_cell; ++j)
                  copy.cell_matrix(i, j) +=
                    (mass_i * scratch.shape_values[j] + grad_N_i * scratch.flux_of_shape[j]) * JxW;
              }
          }
      }
  }

  // Volume terms of the mixed formulation (docs/theory.md §3.3, [CH-weak]):
  //   R_i += int N_i (c - c_old)/dt - N_i q_source + grad N_i . M(x) grad mu dV,
  // with K_cc = dR/dc at fixed mu and K_cmu = dR/dmu = int grad N_i . M grad N_j.
  template <int dim, typename LA>
  void TransportField<dim, LA>::integrate_mixed_volume(const typename DoFHandler<dim>::active_cell_iterator &cell,
                                                       const AssemblyInput &in, CellScratch &scratch,
                                                       CellCopy &copy) const
  {
    FEValues<dim>     &fe_values     = scratch.fe_values;
    const unsigned int dofs_per_cell = fe.n_dofs_per_cell();
    const unsigned int n_points      = fe_values.n_quadrature_points;
    const double       c_max         = material.maximum_concentration;
    fe_values.get_function_values(in.c, scratch.c_values);
    fe_values.get_function_values(solution, scratch.c_old_values);
    fe_values.get_function_gradients(mu, scratch.mu_gradients);
    if (volume_source)
      volume_source->value_list(fe_values.get_quadrature_points(), scratch.source_values);
    if (in.with_jacobian)
      copy.cell_flux_matrix.reinit(dofs_per_cell, dofs_per_cell);
    for (unsigned int q = 0; q < n_points; ++q)
      {
        const double         c_q      = scratch.c_values[q];
        const double         x        = clamp_fraction(c_q / c_max);
        const Tensor<2, dim> D        = diffusivity_at(cell, q, x, false);
        const auto           mobility = mobility_factor_at(cell, q, x, in.with_jacobian);
        const Tensor<2, dim> M        = mobility.value * D;
        const Tensor<1, dim> flux     = M * scratch.mu_gradients[q]; // -J
        const double         JxW      = fe_values.JxW(q);
        const double         rate     = (c_q - scratch.c_old_values[q]) / in.dt;
        const double         source   = volume_source ? scratch.source_values[q] : 0.;
        Tensor<1, dim>       d_flux_dc;
        if (in.with_jacobian)
          {
            const Tensor<2, dim> dM_dx = mobility.value * diffusivity_at(cell, q, x, true) + mobility.derivative * D;
            d_flux_dc                  = dM_dx * scratch.mu_gradients[q] / c_max;
            for (unsigned int j = 0; j < dofs_per_cell; ++j)
              {
                scratch.shape_values[j]  = fe_values.shape_value(j, q);
                scratch.flux_of_shape[j] = M * fe_values.shape_grad(j, q);
              }
          }
        for (unsigned int i = 0; i < dofs_per_cell; ++i)
          {
            const double         N_i      = fe_values.shape_value(i, q);
            const Tensor<1, dim> grad_N_i = fe_values.shape_grad(i, q);
            copy.cell_residual(i) += (N_i * (rate - source) + grad_N_i * flux) * JxW;
            if (in.with_jacobian)
              {
                const double mass_i = N_i / in.dt + grad_N_i * d_flux_dc;
                for (unsigned int j = 0; j < dofs_per_cell; ++j)
                  {
                    copy.cell_matrix(i, j) += mass_i * scratch.shape_values[j] * JxW;
                    copy.cell_flux_matrix(i, j) += grad_N_i * scratch.flux_of_shape[j] * JxW;
                  }
              }
          }
      }
  }

  // The chemical potential of the mixed formulation (docs/theory.md §3.3,
  // [CH-mu]): m_i mu_i = int N_i (mu_0(c) - s_used) + kappa grad N_i . grad c dV
  // (- kappa int_S N_i grad g . n dA with a Dirichlet concentration g), with
  // the lumped mass m_i, and A = d(m mu)/dc.
  template <int dim, typename LA>
  void TransportField<dim, LA>::compute_chemical_potential(const Vector &c, const bool with_jacobian)
  {
    const double          kappa   = material.gradient_energy_coefficient;
    const double          c_max   = material.maximum_concentration;
    const bool            coupled = stress_coupling.potential != nullptr;
    const QGauss<dim>     quadrature(fe.degree + 1);
    const QGauss<dim - 1> face_quadrature(fe.degree + 1);
    FEValues<dim>         fe_values(mapping, fe, quadrature, update_values | update_gradients | update_JxW_values);
    FEFaceValues<dim>     fe_face_values(mapping, fe, face_quadrature,
                                     update_values | update_normal_vectors | update_quadrature_points |
                                       update_JxW_values);
    const unsigned int    n = fe.n_dofs_per_cell(), n_q = quadrature.size();
    std::vector<double>   c_values(n_q), s_values(n_q), L_values(n_q), reference_values(n_q);
    std::vector<Tensor<1, dim>>          c_gradients(n_q);
    FullMatrix<double>                   local_matrix(n, n);
    dealii::Vector<double>               local_rhs(n);
    std::vector<types::global_dof_index> dofs(n);
    Vector                               rhs(locally_owned_dofs, mpi_communicator);
    if (with_jacobian)
      mu_jacobian = 0.;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && stores_lithium(cell))
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(c, c_values);
          fe_values.get_function_gradients(c, c_gradients);
          if (coupled)
            {
              fe_values.get_function_values(*stress_coupling.potential, s_values);
              fe_values.get_function_values(*stress_coupling.stabilisation, L_values);
              fe_values.get_function_values(*stress_coupling.reference_concentration, reference_values);
            }
          local_matrix = 0.;
          local_rhs    = 0.;
          for (unsigned int q = 0; q < n_q; ++q)
            {
              const double x      = clamp_fraction(c_values[q] / c_max);
              const auto   mu_0   = material_field ? material_field->chemical_potential(point_materials[cell->active_cell_index() * n_q + q], x) :
                                                     material.chemical_potential(x);
              const double s_used = coupled ? s_values[q] - L_values[q] * (c_values[q] - reference_values[q]) : 0.;
              const double value  = mu_0.value - s_used;
              const double slope  = mu_0.derivative / c_max + (coupled ? L_values[q] : 0.);
              const double JxW    = fe_values.JxW(q);
              for (unsigned int i = 0; i < n; ++i)
                {
                  const double N_i = fe_values.shape_value(i, q);
                  local_rhs(i) += (N_i * value + kappa * (fe_values.shape_grad(i, q) * c_gradients[q])) * JxW;
                  if (with_jacobian)
                    for (unsigned int j = 0; j < n; ++j)
                      local_matrix(i, j) += (N_i * slope * fe_values.shape_value(j, q) +
                                             kappa * (fe_values.shape_grad(i, q) * fe_values.shape_grad(j, q))) *
                                            JxW;
                }
            }
          if (dirichlet_concentration)
            for (const unsigned int f : cell->face_indices())
              if (cell->at_boundary(f) && cell->face(f)->boundary_id() == ParticleGeometry::surface_boundary_id)
                {
                  fe_face_values.reinit(cell, f);
                  for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                    {
                      const double dg_dn = dirichlet_concentration->gradient(fe_face_values.quadrature_point(q)) *
                                           fe_face_values.normal_vector(q);
                      for (unsigned int i = 0; i < n; ++i)
                        local_rhs(i) -= kappa * dg_dn * fe_face_values.shape_value(i, q) * fe_face_values.JxW(q);
                    }
                }
          cell->get_dof_indices(dofs);
          mu_constraints.distribute_local_to_global(local_rhs, dofs, rhs);
          if (with_jacobian)
            mu_constraints.distribute_local_to_global(local_matrix, dofs, constraints, dofs, mu_jacobian);
        }
    rhs.compress(VectorOperation::add);
    if (with_jacobian)
      mu_jacobian.compress(VectorOperation::add);
    for (const auto i : locally_owned_dofs)
      mu_owned[i] = double(rhs[i]) * double(inverse_lumped_mass[i]);
    mu_owned.compress(VectorOperation::insert);
    mu_constraints.distribute(mu_owned);
    mu = mu_owned;
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::form_mixed_jacobian()
  {
    // K_cc + K_cmu diag(1/m) A. The product has no entries in the rows of
    // constrained DoFs (Dirichlet, hanging, outside the particle), where K_cc
    // holds the diagonal: the sum gets the union of both sparsity patterns,
    // built once per mesh (it is the same at every Newton step), so that the
    // values are copied into the same matrix and its AMG stays valid.
    Matrix product;
    mu_flux_matrix.mmult(product, mu_jacobian, inverse_lumped_mass);
    if (!mixed_jacobian_ready)
      {
        DynamicSparsityPattern dsp(jacobian.m(), jacobian.n(), locally_owned_dofs);
        for (const auto row : locally_owned_dofs)
          {
            // end(row) is evaluated once: for Trilinos it visits the next row.
            for (auto entry = product.begin(row), end = product.end(row); entry != end; ++entry)
              dsp.add(row, entry->column());
            for (auto entry = jacobian.begin(row), end = jacobian.end(row); entry != end; ++entry)
              dsp.add(row, entry->column());
          }
        mixed_jacobian.reinit(locally_owned_dofs, locally_owned_dofs, dsp, mpi_communicator);
        mixed_jacobian_ready = true;
      }
    else
      mixed_jacobian = 0.;
    mixed_jacobian.add(1., product);
    mixed_jacobian.add(1., jacobian);
  }

  template <int dim, typename LA>
  void TransportField<dim, LA>::assemble_mass_and_laplacian()
  {
    const QGauss<dim>                    quadrature(fe.degree + 1);
    FEValues<dim>                        fe_values(mapping, fe, quadrature, update_values | update_gradients | update_JxW_values);
    const unsigned int                   n = fe.n_dofs_per_cell();
    FullMatrix<double>                   local_mass(n, n), local_laplace(n, n);
    std::vector<types::global_dof_index> dofs(n);
    mass_matrix    = 0.;
    laplace_matrix = 0.;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && stores_lithium(cell))
        {
          fe_values.reinit(cell);
          local_mass    = 0.;
          local_laplace = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            for (unsigned int i = 0; i < n; ++i)
              for (unsigned int j = 0; j < n; ++j)
                {
                  local_mass(i, j) += fe_values.shape_value(i, q) * fe_values.shape_value(j, q) * fe_values.JxW(q);
                  local_laplace(i, j) += fe_values.shape_grad(i, q) * fe_values.shape_grad(j, q) * fe_values.JxW(q);
                }
          cell->get_dof_indices(dofs);
          constraints.distribute_local_to_global(local_mass, dofs, mass_matrix);
          constraints.distribute_local_to_global(local_laplace, dofs, laplace_matrix);
        }
    mass_matrix.compress(VectorOperation::add);
    laplace_matrix.compress(VectorOperation::add);
  }

  // The factored preconditioner (docs/theory.md §3.3 "solver"). For constant
  // coefficients the Jacobian is s (M/dt + K_M M_L^-1 (mu_0' M + kappa K)),
  // and P = H1 (s M_L)^-1 H2 = s (M + a K_M) M_L^-1 (M/dt + (kappa/a) K)
  // reproduces its mass and fourth-order parts exactly for any a. a is chosen
  // so that P's second-order part a K_M/dt + (kappa/a) K matches the
  // Jacobian's mu_0' K_M where that has a real solution (P = J), and
  // minimises it otherwise (the spectrum of P^-1 J lies in [1/2, 1] for
  // mu_0' <= 2 sqrt(kappa/(m dt))). m and mu_0' are the representative
  // values from the diagonals of the assembled blocks.
  template <int dim, typename LA>
  typename LinearSolver<LA>::ProductFactors TransportField<dim, LA>::preconditioner_factors()
  {
    const double kappa = material.gradient_energy_coefficient;
    const double dt    = assembled_dt;
    const double s     = assembled_row_scale;
    double       sums[4] = {0., 0., 0., 0.}; // diag K_M, diag K, diag (A - kappa K), diag M
    for (const auto i : locally_owned_dofs)
      if (double(inverse_lumped_mass[i]) > 0. && !constraints.is_constrained(i))
        {
          const double laplace = laplace_matrix.diag_element(i);
          sums[0] += mu_flux_matrix.diag_element(i) / s;
          sums[1] += laplace;
          sums[2] += mu_jacobian.diag_element(i) - kappa * laplace;
          sums[3] += mass_matrix.diag_element(i);
        }
    Utilities::MPI::sum(ArrayView<const double>(sums, 4), mpi_communicator, ArrayView<double>(sums, 4));
    const double mobility = sums[1] > 0. ? sums[0] / sums[1] : 0.;    // m
    const double slope    = sums[3] > 0. ? sums[2] / sums[3] : 0.;    // mu_0' + L
    const double p        = mobility * slope, q = mobility * kappa; // [m^2/s], [m^4/s]
    double       a        = mobility > 0. ? std::sqrt(kappa * dt / mobility) : 1.;
    if (mobility > 0. && p > 0. && p * p * dt >= 4. * q)
      a = dt * (p + std::sqrt(p * p - 4. * q / dt)) / (2. * mobility);

    factor_first = 0.;
    factor_first.add(a, mu_flux_matrix);
    factor_first.add(s, mass_matrix);
    factor_second = 0.;
    factor_second.add(s / dt, mass_matrix);
    factor_second.add(s * kappa / a, laplace_matrix);
    if (material_field) // collective: rows of the DoFs outside the particle
      {
        for (const auto i : inactive_dofs)
          if (locally_owned_dofs.is_element(i))
            {
              factor_first.set(i, i, 1.);
              factor_second.set(i, i, 1.);
            }
        factor_first.compress(VectorOperation::insert);
        factor_second.compress(VectorOperation::insert);
      }
    // w = s m; rows of constrained DoFs are decoupled in every matrix, and
    // there w makes P's diagonal the Jacobian's.
    for (const auto i : locally_owned_dofs)
      {
        const double inverse_mass = inverse_lumped_mass[i];
        double       w            = 0.;
        if (inverse_mass > 0. && !constraints.is_constrained(i))
          w = s / inverse_mass;
        else if (const double diagonal = mixed_jacobian.diag_element(i); diagonal != 0.)
          w = factor_first.diag_element(i) * factor_second.diag_element(i) / diagonal;
        factor_weights[i] = w;
      }
    factor_weights.compress(VectorOperation::insert);
    return {&factor_first, &factor_weights, &factor_second};
  }

  // Infiltrated crack faces (docs/theory.md §11.7): the volumetric sink
  //   R_i += int N_i a i_BV(c, phi)/F dV,   I += int a i_BV dV,
  // with a = 2 gamma(d) the crack area per volume at the point.
  template <int dim, typename LA>
  void TransportField<dim, LA>::integrate_crack_faces(const typename DoFHandler<dim>::active_cell_iterator &cell,
                                                      const AssemblyInput &in, CellScratch &scratch,
                                                      CellCopy &copy) const
  {
    if (crack_surface_density.empty() || !settings.butler_volmer)
      return;
    const FEValues<dim> &fe_values     = scratch.fe_values;
    const unsigned int   dofs_per_cell = fe.n_dofs_per_cell();
    const unsigned int   n_points      = fe_values.n_quadrature_points;
    const double         c_max         = material.maximum_concentration;
    for (unsigned int q = 0; q < n_points; ++q)
      {
        const double area_density = crack_surface_density[cell->active_cell_index() * n_points + q];
        if (!(area_density > 0.))
          continue;
        const double JxW = fe_values.JxW(q);
        const double x   = clamp_fraction(scratch.c_values[q] / c_max);
        const double cs  = x * c_max;
        const auto   bv  = butler_volmer(in.potential - surface_ocp(x), surface_exchange_current(cs),
                                      material.transfer_coefficient, material.thermal_voltage(), material.film_resistance);
        const double flux    = area_density * bv.current_density / constants::faraday;
        const double flux_dc = area_density *
                               (-bv.d_current_d_potential * surface_ocp_derivative(x) / c_max +
                                bv.d_current_d_exchange * surface_exchange_current_derivative(cs)) /
                               constants::faraday;
        const double flux_dphi = area_density * bv.d_current_d_potential / constants::faraday;
        copy.current += area_density * bv.current_density * JxW;
        copy.d_current_d_phi += area_density * bv.d_current_d_potential * JxW;
        for (unsigned int i = 0; i < dofs_per_cell; ++i)
          {
            const double N_i = fe_values.shape_value(i, q);
            copy.cell_residual(i) += N_i * flux * JxW;
            if (in.with_jacobian)
              {
                copy.cell_column(i) += N_i * flux_dphi * JxW;
                copy.cell_row(i) += N_i * flux_dc * constants::faraday * JxW;
                for (unsigned int j = 0; j < dofs_per_cell; ++j)
                  copy.cell_matrix(i, j) += N_i * flux_dc * fe_values.shape_value(j, q) * JxW;
              }
          }
      }
  }

  // Reaction faces (docs/theory.md [T-weak], [BV]): R_i += int_S N_i i(c_s, phi)/F dA
  // and I += int_S i dA; a uniform prescribed flux without Butler–Volmer.
  template <int dim, typename LA>
  void TransportField<dim, LA>::integrate_reaction_faces(const typename DoFHandler<dim>::active_cell_iterator &cell,
                                                         const AssemblyInput &in, CellScratch &scratch,
                                                         CellCopy &copy) const
  {
    FEFaceValues<dim> &fe_face_values = scratch.fe_face_values;
    const unsigned int dofs_per_cell  = fe.n_dofs_per_cell();
    const unsigned int n_points       = fe_face_values.n_quadrature_points;
    const double       c_max          = material.maximum_concentration;
    for (const unsigned int f : cell->face_indices())
      if (is_reaction_face(cell, f))
        {
          fe_face_values.reinit(cell, f);
          fe_face_values.get_function_values(in.c, scratch.face_values);
          for (unsigned int q = 0; q < n_points; ++q)
            {
              const double JxW        = fe_face_values.JxW(q);
              double       molar_flux = in.flux_value, d_flux_dc = 0., d_flux_dphi = 0.;
              if (settings.butler_volmer)
                {
                  const double x  = clamp_fraction(scratch.face_values[q] / c_max);
                  const double cs = x * c_max;
                  const auto   bv = butler_volmer(in.potential - surface_ocp(x), surface_exchange_current(cs),
                                                material.transfer_coefficient, material.thermal_voltage(),
                                                material.film_resistance);
                  const double di_dc = -bv.d_current_d_potential * surface_ocp_derivative(x) / c_max +
                                       bv.d_current_d_exchange * surface_exchange_current_derivative(cs);
                  molar_flux  = bv.current_density / constants::faraday;
                  d_flux_dc   = di_dc / constants::faraday;
                  d_flux_dphi = bv.d_current_d_potential / constants::faraday;
                  copy.current += bv.current_density * JxW;
                  copy.d_current_d_phi += bv.d_current_d_potential * JxW;
                }
              for (unsigned int i = 0; i < dofs_per_cell; ++i)
                {
                  const double N_i = fe_face_values.shape_value(i, q);
                  copy.cell_residual(i) += N_i * molar_flux * JxW;
                  if (in.with_jacobian && settings.butler_volmer)
                    {
                      copy.cell_column(i) += N_i * d_flux_dphi * JxW;
                      copy.cell_row(i) += N_i * d_flux_dc * constants::faraday * JxW;
                      for (unsigned int j = 0; j < dofs_per_cell; ++j)
                        copy.cell_matrix(i, j) += N_i * d_flux_dc * fe_face_values.shape_value(j, q) * JxW;
                    }
                }
            }
        }
  }

  // Residual R_i = int N_i (c - c_old)/dt + grad N_i . D(x) grad c dV + int_S N_i i/F dA
  // (docs/theory.md eq. (T-weak)) and its derivatives.
  template <int dim, typename LA>
  typename TransportField<dim, LA>::Assembly TransportField<dim, LA>::assemble(const Vector &c,
                                                                              const double  potential,
                                                                              const double  dt,
                                                                              const double  applied_flux_current,
                                                                              const bool    with_jacobian)
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, with_jacobian ? "transport: assemble Jacobian" :
                                                                           "transport: assemble residual");
    residual = 0.;
    if (gradient_energy())
      compute_chemical_potential(c, with_jacobian);
    if (with_jacobian)
      {
        if (gradient_energy())
          mu_flux_matrix = 0.;
        jacobian      = 0.;
        border_column = 0.;
        border_row    = 0.;
      }

    const QGauss<dim>     quadrature(fe.degree + 1);
    const QGauss<dim - 1> face_quadrature(fe.degree + 1);
    const unsigned int    dofs_per_cell = fe.n_dofs_per_cell();
    // Row scaling: makes the mass part of the matrix O(1) whatever the
    // particle size and dt (raw entries are ~1e-20 for micron particles,
    // which hypre's absolute thresholds treat as zero).
    const double        row_scale = dt * triangulation.n_global_active_cells() / mesh_volume;
    assembled_dt                  = dt;
    assembled_row_scale           = row_scale;
    const AssemblyInput in{c, potential, dt, applied_flux_current / (mesh_surface_area * constants::faraday),
                           with_jacobian};
    Assembly            totals;

    // Threaded assembly (WorkStream): each worker fills a cell's copy, the
    // copier adds them in cell order, so the result does not depend on the
    // number of threads.
    const auto worker = [&](const typename DoFHandler<dim>::active_cell_iterator &cell, CellScratch &scratch,
                            CellCopy &copy) {
      copy.active          = false;
      copy.current         = 0.;
      copy.d_current_d_phi = 0.;
      if (!stores_lithium(cell))
        return;
      copy.active = true;
      copy.cell_matrix.reinit(dofs_per_cell, dofs_per_cell);
      copy.cell_residual.reinit(dofs_per_cell);
      copy.cell_column.reinit(dofs_per_cell);
      copy.cell_row.reinit(dofs_per_cell);
      copy.dof_indices.resize(dofs_per_cell);
      scratch.fe_values.reinit(cell);
      if (gradient_energy())
        integrate_mixed_volume(cell, in, scratch, copy);
      else
        integrate_volume(cell, in, scratch, copy);
      integrate_crack_faces(cell, in, scratch, copy);
      integrate_reaction_faces(cell, in, scratch, copy);
      copy.cell_residual *= row_scale;
      copy.cell_matrix *= row_scale;
      if (gradient_energy() && with_jacobian)
        copy.cell_flux_matrix *= row_scale;
      copy.cell_column *= row_scale;
      cell->get_dof_indices(copy.dof_indices);
    };
    const auto copier = [&](const CellCopy &copy) {
      if (!copy.active)
        return;
      totals.current += copy.current;
      totals.d_current_d_phi += copy.d_current_d_phi;
      if (with_jacobian)
        {
          constraints.distribute_local_to_global(copy.cell_matrix, copy.cell_residual, copy.dof_indices, jacobian,
                                                 residual);
          if (gradient_energy())
            constraints.distribute_local_to_global(copy.cell_flux_matrix, copy.dof_indices, mu_constraints,
                                                   copy.dof_indices, mu_flux_matrix);
          constraints.distribute_local_to_global(copy.cell_column, copy.dof_indices, border_column);
          constraints.distribute_local_to_global(copy.cell_row, copy.dof_indices, border_row);
        }
      else
        constraints.distribute_local_to_global(copy.cell_residual, copy.dof_indices, residual);
    };
    using CellFilter = FilteredIterator<typename DoFHandler<dim>::active_cell_iterator>;
    WorkStream::run(CellFilter(IteratorFilters::LocallyOwnedCell(), dof_handler.begin_active()),
                    CellFilter(IteratorFilters::LocallyOwnedCell(), dof_handler.end()), worker, copier,
                    CellScratch(mapping, fe, quadrature, face_quadrature), CellCopy());

    residual.compress(VectorOperation::add);
    if (with_jacobian)
      {
        jacobian.compress(VectorOperation::add);
        // Rows of the DoFs outside the particle (c = 0 there) are empty: put a
        // scaled identity there so that the solvers see a regular matrix.
        if (material_field) // collective: the same on every rank
          {
            for (const auto i : inactive_dofs)
              if (locally_owned_dofs.is_element(i))
                jacobian.set(i, i, 1.);
            jacobian.compress(VectorOperation::insert);
          }
        border_column.compress(VectorOperation::add);
        border_row.compress(VectorOperation::add);
        if (gradient_energy())
          {
            mu_flux_matrix.compress(VectorOperation::add);
            form_mixed_jacobian();
          }
      }
    if (settings.butler_volmer)
      {
        totals.current         = Utilities::MPI::sum(totals.current, mpi_communicator);
        totals.d_current_d_phi = Utilities::MPI::sum(totals.d_current_d_phi, mpi_communicator);
      }
    else
      totals.current = applied_flux_current;
    return totals;
  }

  template <int dim, typename LA>
  typename TransportField<dim, LA>::Linearization
  TransportField<dim, LA>::linearize(const Vector &c, const double potential, const double dt, const bool with_jacobian)
  {
    const Assembly a = assemble(c, potential, dt, 0., with_jacobian);
    return {a.current, a.d_current_d_phi};
  }

  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(TransportField);
} // namespace camfrac
