// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Small-strain mechanics with an anisotropic chemical eigenstrain, for the
// PETSc and Trilinos backends. Equations: docs/theory.md §6.

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

  // ------------------------------------------------------- MechanicsSettings
  void MechanicsSettings::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Mechanics");
    prm.declare_entry("Enabled", "false", Patterns::Bool(),
                      "Solve the mechanics (stress from the chemical strain) together with Li transport.");
    // The spelling before 0.2 ('Enable'), so that older parameter files still run.
    prm.declare_alias("Enabled", "Enable");
    prm.declare_entry("Polynomial degree", "0", Patterns::Integer(0, 2),
                      "Degree of the vector Q_k displacement elements [-]: 1, 2, or 0 for the concentration degree + 1 "
                      "(at most 2). Concentration Q1 with displacement Q2 converges optimally; equal order loses one "
                      "order in the stress-coupled flux (docs/verification.md).");
    prm.declare_entry("Out-of-plane condition", "plane strain", Patterns::Selection("plane strain|generalized plane strain"),
                      "2D only. plane strain: eps_zz = eps_xz = eps_yz = 0, so the out-of-plane chemical strain "
                      "is fully restrained (sigma_zz reported). generalized plane strain: uniform eps_zz, eps_xz, "
                      "eps_yz with zero net out-of-plane forces, the section of a long particle free to extend "
                      "and shear (recommended with fracture, where a restrained out-of-plane strain would drive "
                      "damage that a 2D crack cannot represent). Free particles only.");
    prm.declare_entry("Stress-coupled diffusion", "true", Patterns::Bool(),
                      "Two-way coupling: the flux carries M grad(sigma : d eps_ch/dc) (docs/theory.md eq. (J)). "
                      "false: stress follows the concentration but does not act back (one-way).");
    prm.declare_entry("Coupling tolerance", "1e-8", Patterns::Double(1e-14, 1e-2),
                      "The c-u iteration of each time step stops when the change of x between iterations is below "
                      "this everywhere [-], in [1e-14, 1e-2].");
    prm.declare_entry("Maximum coupling iterations", "25", Patterns::Integer(1, 1000),
                      "c-u iterations before a time step counts as failed and is cut back [-], in [1, 1000].");
    prm.declare_entry("Stabilisation factor", "1", Patterns::Double(0., 10.),
                      "Scales the stabilisation modulus of the fixed-stress-type split, K_s = 4KG/(3K+4G) "
                      "(docs/theory.md §7) [-], in [0, 10]. 1 is optimal for an isotropic sphere; 0 gives the plain "
                      "staggered scheme, which diverges for realistic NMC data.");
    prm.declare_entry("External pressure", "0", Patterns::Double(-1e10, 1e10),
                      "Uniform pressure on the particle surface [Pa]; positive compresses.");
    LinearSolverSettings::declare_parameters(prm, MechanicsSettings().linear_solver, "CG");
    prm.leave_subsection();
  }

  void MechanicsSettings::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Mechanics");
    enabled                     = prm.get_bool("Enabled");
    fe_degree                   = prm.get_integer("Polynomial degree");
    stress_coupled_diffusion    = prm.get_bool("Stress-coupled diffusion");
    generalized_plane_strain    = prm.get("Out-of-plane condition") == "generalized plane strain";
    coupling_tolerance          = prm.get_double("Coupling tolerance");
    maximum_coupling_iterations = prm.get_integer("Maximum coupling iterations");
    stabilisation_factor        = prm.get_double("Stabilisation factor");
    external_pressure           = prm.get_double("External pressure");
    linear_solver.parse_parameters(prm);
    prm.leave_subsection();
  }

  namespace
  {
    template <int dim>
    SymmetricTensor<2, 3> embed(const SymmetricTensor<2, dim> &t)
    {
      SymmetricTensor<2, 3> result;
      for (unsigned int i = 0; i < dim; ++i)
        for (unsigned int j = i; j < dim; ++j)
          result[i][j] = t[i][j];
      return result;
    }

    // Rigid-body mode m at point p: translations, then rotations.
    template <int dim>
    Tensor<1, dim> rigid_body_mode(const unsigned int m, const Point<dim> &p)
    {
      Tensor<1, dim> r;
      if (m < dim)
        r[m] = 1.;
      else if (dim == 2)
        {
          r[0] = -p[1];
          r[1] = p[0];
        }
      else
        {
          // rotations about z, x, y
          const unsigned int axis = (m - dim + 2) % 3, a = (axis + 1) % 3, b = (axis + 2) % 3;
          r[a]                    = -p[b];
          r[b]                    = p[a];
        }
      return r;
    }

  } // namespace

  // ---------------------------------------------------------- MechanicsField
  template <int dim, typename LA>
  MechanicsField<dim, LA>::MechanicsField(const parallel::distributed::Triangulation<dim> &triangulation,
                                          const MechanicalMaterial                         &material,
                                          const MechanicsSettings                          &settings,
                                          const unsigned int                                fe_degree,
                                          TimerOutput                                      *timer)
    : mpi_communicator(triangulation.get_communicator())
    , triangulation(triangulation)
    , material(material)
    , settings(settings)
    , timer(timer)
    , fe(FE_Q<dim>(fe_degree), dim)
    // Isoparametric: rigid-body rotations must lie in the discrete space so
    // that the 3-2-1 support and their removal add no stress.
    , mapping(fe_degree)
    , dof_handler(triangulation)
    , uniform_rotation(unit_symmetric_tensor<3>())
  {
    AssertThrow(fe_degree >= 1 && fe_degree <= 2, ExcMessage("displacement degree must be 1 or 2"));
  }

  template <int dim, typename LA>
  MechanicsField<dim, LA>::~MechanicsField()
  {
    evaluation_values.clear();
    linear_solver.reset();
    dof_handler.clear();
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::set_orientation(const Tensor<2, 3> &rotation)
  {
    uniform_rotation     = rotation;
    orientation_function = nullptr;
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::set_orientation_function(const OrientationFunction &orientation)
  {
    orientation_function = orientation;
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::set_dirichlet_boundary(std::shared_ptr<const Function<dim>> displacement)
  {
    dirichlet_displacement = std::move(displacement);
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::add_dirichlet_boundary(const types::boundary_id                   id,
                                                       std::shared_ptr<const Function<dim>> displacement,
                                                       const ComponentMask                        &mask)
  {
    boundary_conditions.push_back({id, std::move(displacement), mask});
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::update_boundary_values()
  {
    // Same constrained DoFs, new values: the matrix stays, the lifting changes.
    make_constraints();
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::set_damage(const DamageView &view, const bool rebuild)
  {
    damage = view;
    damage_values_cache.clear();
    if (rebuild && dof_handler.has_active_dofs())
      {
        assemble_matrix();
        build_preconditioner();
        compute_unit_response();
      }
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::degradation_at(const typename Triangulation<dim>::active_cell_iterator &cell,
                                               const Quadrature<dim> &quadrature, std::vector<double> &g) const
  {
    g.assign(quadrature.size(), 1.);
    if (damage.values == nullptr)
      return;
    FEValues<dim> *cached = nullptr;
    for (const auto &values : damage_values_cache)
      if (values->get_quadrature().get_points() == quadrature.get_points())
        cached = values.get();
    if (cached == nullptr)
      {
        damage_values_cache.push_back(
          std::make_unique<FEValues<dim>>(mapping, damage.dof_handler->get_fe(), quadrature, update_values));
        cached = damage_values_cache.back().get();
      }
    cached->reinit(typename DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(), cell->index(),
                                                                  damage.dof_handler));
    cached->get_function_values(*damage.values, g);
    for (double &value : g)
      {
        const double d = std::min(std::max(value, 0.), 1.);
        value          = (1. - d) * (1. - d) + damage.residual_stiffness;
      }
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::set_body_force(std::shared_ptr<const Function<dim>> force)
  {
    body_force = std::move(force);
  }

  template <int dim, typename LA>
  typename MechanicsField<dim, LA>::LocalMaterial
  MechanicsField<dim, LA>::compute_local_material(const typename Triangulation<dim>::active_cell_iterator &cell,
                                                  const Point<dim>                                         &p) const
  {
    LocalMaterial local;
    if (material_field)
      {
        local.point     = material_field->point(cell, p);
        local.stiffness = material_field->stiffness(local.point);
      }
    else
      {
        local.point.rotation = orientation_function ? orientation_function(p) : uniform_rotation;
        local.stiffness      = orientation_function ? material.stiffness(local.point.rotation) : uniform_stiffness;
      }
    if (split_type != StrainEnergySplit::Type::none && (material_field || orientation_function))
      local.split = std::make_shared<StrainEnergySplit>(split_type, local.stiffness);
    return local;
  }

  template <int dim, typename LA>
  const typename MechanicsField<dim, LA>::LocalMaterial &
  MechanicsField<dim, LA>::local_material(const typename Triangulation<dim>::active_cell_iterator &cell,
                                          const FEValues<dim>                                      &fe_values,
                                          const unsigned int                                        q) const
  {
    const auto &points = fe_values.get_quadrature().get_points();
    if (!material_field && !orientation_function)
      {
        uncached_material = compute_local_material(cell, fe_values.quadrature_point(q));
        return uncached_material;
      }
    MaterialCache *cache = nullptr;
    for (auto &candidate : material_caches)
      if (candidate.reference_points == points)
        cache = &candidate;
    if (cache == nullptr && material_caches.size() < 3)
      {
        material_caches.emplace_back();
        cache                   = &material_caches.back();
        cache->reference_points = points;
        cache->values.resize(triangulation.n_active_cells() * points.size());
        cache->filled.assign(cache->values.size(), false);
      }
    if (cache == nullptr)
      {
        uncached_material = compute_local_material(cell, fe_values.quadrature_point(q));
        return uncached_material;
      }
    const std::size_t index = cell->active_cell_index() * points.size() + q;
    if (!cache->filled[index])
      {
        cache->values[index] = compute_local_material(cell, fe_values.quadrature_point(q));
        cache->filled[index] = true;
      }
    return cache->values[index];
  }

  template <int dim, typename LA>
  SymmetricTensor<2, 3> MechanicsField<dim, LA>::chemical_strain_at(const LocalMaterial &local, const double c) const
  {
    return material_field ? material_field->chemical_strain(local.point, c) :
                            material.chemical_strain(c, local.point.rotation);
  }

  template <int dim, typename LA>
  SymmetricTensor<2, 3> MechanicsField<dim, LA>::chemical_strain_derivative_at(const LocalMaterial &local,
                                                                               const double         c) const
  {
    return material_field ? material_field->chemical_strain_derivative(local.point, c) :
                            material.chemical_strain_derivative(c, local.point.rotation);
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::setup()
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "mechanics: setup");
    uniform_stiffness = material.stiffness(uniform_rotation);
    material_caches.clear();
    damage_values_cache.clear();
    uniform_split.reset();
    if (split_type != StrainEnergySplit::Type::none && !material_field && !orientation_function)
      uniform_split = std::make_shared<StrainEnergySplit>(split_type, uniform_stiffness);
    {
      // Eshelby tensor S of a sphere (3D) or of a circular cylinder along z
      // (2D plane strain) in the isotropic-equivalent solid (Mura 1987, §11).
      const double K = material.bulk_modulus(), G = material.shear_modulus();
      const double nu     = (3. * K - 2. * G) / (2. * (3. * K + G));
      const double lambda = K - 2. / 3. * G;
      SymmetricTensor<4, 3> S;
      if (dim == 3)
        S = (5. * nu - 1.) / (15. * (1. - nu)) * outer_product(unit_symmetric_tensor<3>(), unit_symmetric_tensor<3>()) +
            2. * (4. - 5. * nu) / (15. * (1. - nu)) * identity_tensor<3>();
      else
        {
          const double f = 1. / (8. * (1. - nu));
          S[0][0][0][0] = S[1][1][1][1] = (5. - 4. * nu) * f;
          S[0][0][1][1] = S[1][1][0][0] = (4. * nu - 1.) * f;
          S[0][0][2][2] = S[1][1][2][2] = nu / (2. * (1. - nu));
          S[0][1][0][1]                 = (3. - 4. * nu) * f;
          S[0][2][0][2] = S[1][2][1][2] = 0.25;
        }
      const SymmetricTensor<4, 3> C_iso =
        lambda * outer_product(unit_symmetric_tensor<3>(), unit_symmetric_tensor<3>()) + 2. * G * identity_tensor<3>();
      split_tensor = C_iso * (identity_tensor<3>() - S);
    }
    mapping.initialize(MappingQ<dim>(mapping.get_degree()), triangulation);
    dof_handler.distribute_dofs(fe);
    locally_owned_dofs = dof_handler.locally_owned_dofs();
    DoFTools::extract_locally_relevant_dofs(dof_handler, locally_relevant_dofs);

    make_constraints();

    DynamicSparsityPattern dsp(locally_relevant_dofs);
    DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
    SparsityTools::distribute_sparsity_pattern(dsp, locally_owned_dofs, mpi_communicator, locally_relevant_dofs);
    stiffness_matrix.reinit(locally_owned_dofs, locally_owned_dofs, dsp, mpi_communicator);
    solution.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    accepted.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    solution_owned.reinit(locally_owned_dofs, mpi_communicator);
    right_hand_side.reinit(locally_owned_dofs, mpi_communicator);

    assemble_matrix();
    build_preconditioner();
    compute_unit_response();
  }

  // The stiffness does not depend on c: the preconditioner is rebuilt only
  // when the matrix changes (setup, a new damage field). The near-null space
  // is all rigid-body modes (docs/theory.md §6, "solver").
  template <int dim, typename LA>
  void MechanicsField<dim, LA>::build_preconditioner()
  {
    if (!linear_solver)
      {
        LinearOperatorTraits traits;
        traits.krylov                   = LinearOperatorTraits::Krylov::cg;
        traits.warm_start               = true; // the rigid part is fixed by the supports
        traits.reuse_growth             = std::numeric_limits<double>::infinity();
        traits.higher_order_elements    = fe.degree > 1;
        traits.ml_aggregation_threshold = 1e-4; // 0.02 doubled the iterations per refinement level
        traits.gamg_threshold           = 0.02;
        linear_solver = std::make_unique<LinearSolver<LA>>(mpi_communicator, settings.linear_solver, traits, "mechanics", timer);
      }
    try
      {
        linear_solver->set_near_null_space(rigid_body_modes, dim);
        linear_solver->update_preconditioner(stiffness_matrix);
      }
    catch (const LinearSolverFailure &failure)
      {
        throw MechanicsSolveFailure(failure.what());
      }
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::make_constraints()
  {
    constraints.clear();
    constraints.reinit(locally_relevant_dofs);
    DoFTools::make_hanging_node_constraints(dof_handler, constraints);

    // Support points of all locally relevant DoFs, with their component.
    const Quadrature<dim> support(fe.get_unit_support_points());
    FEValues<dim>         fe_values(mapping, fe, support, update_quadrature_points);
    std::vector<types::global_dof_index> dofs(fe.n_dofs_per_cell());
    std::map<types::global_dof_index, std::pair<unsigned int, Point<dim>>> points;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (!cell->is_artificial())
        {
          fe_values.reinit(cell);
          cell->get_dof_indices(dofs);
          for (unsigned int i = 0; i < dofs.size(); ++i)
            points[dofs[i]] = {fe.system_to_component_index(i).first, fe_values.quadrature_point(i)};
        }

    // Rigid-body modes interpolated at the support points (exact: the
    // mapping is isoparametric), for the AMG and for their removal.
    rigid_body_modes.assign(dim == 2 ? 3 : 6, Vector());
    for (unsigned int m = 0; m < rigid_body_modes.size(); ++m)
      {
        rigid_body_modes[m].reinit(locally_owned_dofs, mpi_communicator);
        for (const auto &[dof, point] : points)
          if (locally_owned_dofs.is_element(dof))
            rigid_body_modes[m][dof] = rigid_body_mode<dim>(m, point.second)[point.first];
        rigid_body_modes[m].compress(VectorOperation::insert);
      }

    if (supported())
      {
        if (dirichlet_displacement)
          VectorTools::interpolate_boundary_values(mapping, dof_handler, ParticleGeometry::surface_boundary_id,
                                                   *dirichlet_displacement, constraints);
        for (const auto &condition : boundary_conditions)
          VectorTools::interpolate_boundary_values(mapping, dof_handler, condition.id, *condition.displacement,
                                                   constraints, condition.mask);
        constraints.close();
        return;
      }

    // Statically determinate support: the DoF nearest the centre fixed in
    // all directions, one on the x-axis in y (and z), one on the y-axis in z.
    double radius = 0.;
    for (const auto &[dof, point] : points)
      radius = std::max(radius, point.second.norm());
    radius = Utilities::MPI::max(radius, mpi_communicator);
    const unsigned int this_rank = Utilities::MPI::this_mpi_process(mpi_communicator);
    std::vector<std::pair<Point<dim>, std::vector<unsigned int>>> supports;
    supports.push_back({Point<dim>(), dim == 2 ? std::vector<unsigned int>{0, 1} : std::vector<unsigned int>{0, 1, 2}});
    Point<dim> on_x, on_y;
    on_x[0] = 0.5 * radius;
    on_y[1] = 0.5 * radius;
    supports.push_back({on_x, dim == 2 ? std::vector<unsigned int>{1} : std::vector<unsigned int>{1, 2}});
    if (dim == 3)
      supports.push_back({on_y, std::vector<unsigned int>{2}});
    for (const auto &[target, components] : supports)
      {
        // Nearest owned support point, then the global winner (lowest rank on ties).
        double     best = std::numeric_limits<double>::max();
        Point<dim> best_point;
        for (const auto &[dof, point] : points)
          if (locally_owned_dofs.is_element(dof) && point.second.distance(target) < best)
            {
              best       = point.second.distance(target);
              best_point = point.second;
            }
        const double global_best = Utilities::MPI::min(best, mpi_communicator);
        const unsigned int owner =
          Utilities::MPI::min(best == global_best ? this_rank : std::numeric_limits<unsigned int>::max(),
                              mpi_communicator);
        const Point<dim> chosen = Utilities::MPI::broadcast(mpi_communicator, best_point, owner);
        for (const auto &[dof, point] : points)
          if (point.second.distance(chosen) < 1e-10 * radius &&
              std::find(components.begin(), components.end(), point.first) != components.end() &&
              !constraints.is_constrained(dof))
            constraints.add_line(dof);
      }
    constraints.close();
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::assemble_matrix()
  {
    stiffness_matrix = 0.;
    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     fe_values(mapping, fe, quadrature, update_gradients | update_quadrature_points | update_JxW_values);
    const FEValuesExtractors::Vector displacement(0);
    const unsigned int               n = fe.n_dofs_per_cell();
    FullMatrix<double>               cell_matrix(n, n);
    std::vector<types::global_dof_index> dofs(n);
    std::vector<SymmetricTensor<2, 3>>   strain(n), stress_of_shape(n);
    std::vector<double>                  g;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          degradation_at(cell, quadrature, g);
          cell_matrix = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const SymmetricTensor<4, 3> tangent =
                stress_response(local_material(cell, fe_values, q).stiffness, g[q], {}).tangent;
              for (unsigned int i = 0; i < n; ++i)
                {
                  strain[i]          = embed<dim>(fe_values[displacement].symmetric_gradient(i, q));
                  stress_of_shape[i] = tangent * strain[i];
                }
              const double JxW = fe_values.JxW(q);
              for (unsigned int i = 0; i < n; ++i)
                for (unsigned int j = 0; j <= i; ++j)
                  cell_matrix(i, j) += strain[i] * stress_of_shape[j] * JxW;
            }
          for (unsigned int i = 0; i < n; ++i)
            for (unsigned int j = i + 1; j < n; ++j)
              cell_matrix(i, j) = cell_matrix(j, i);
          cell->get_dof_indices(dofs);
          constraints.distribute_local_to_global(cell_matrix, dofs, stiffness_matrix);
        }
    stiffness_matrix.compress(VectorOperation::add);
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
          cell_rhs = 0.;
          cell_matrix = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const LocalMaterial &local = local_material(cell, fe_values, q);
              // The stress of u = 0 is -g C : eps_ch: its negative is the load.
              const StressResponse law = stress_response(
                local.stiffness, g[q], -(unit ? unit_eigenstrain : chemical_strain_at(local, c_values[q])));
              const SymmetricTensor<4, 3> &C           = law.tangent;
              const SymmetricTensor<2, 3>  eigenstress = -law.stress;
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
            for (const auto &face : cell->face_iterators())
              if (face->at_boundary() && face->boundary_id() == ParticleGeometry::surface_boundary_id)
                {
                  fe_face_values.reinit(cell, face);
                  for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                    for (unsigned int i = 0; i < n; ++i)
                      cell_rhs(i) -= settings.external_pressure *
                                     (fe_face_values[displacement].value(i, q) * fe_face_values.normal_vector(q)) *
                                     fe_face_values.JxW(q);
                }
          cell->get_dof_indices(dofs);
          if (lifting)
            constraints.distribute_local_to_global(cell_rhs, dofs, right_hand_side, cell_matrix);
          else
            constraints.distribute_local_to_global(cell_rhs, dofs, right_hand_side);
        }
    right_hand_side.compress(VectorOperation::add);
  }

  template <int dim, typename LA>
  unsigned int MechanicsField<dim, LA>::solve_linear(Vector &x, const Vector &rhs)
  {
    try
      {
        return linear_solver->solve(stiffness_matrix, x, rhs);
      }
    catch (const LinearSolverFailure &failure)
      {
        throw MechanicsSolveFailure(failure.what());
      }
  }

  template <int dim, typename LA>
  unsigned int MechanicsField<dim, LA>::solve(const ConcentrationView &c)
  {
    {
      std::unique_ptr<TimerOutput::Scope> scope;
      if (timer != nullptr)
        scope = std::make_unique<TimerOutput::Scope>(*timer, "mechanics: assemble");
      assemble_rhs(&c);
    }
    const unsigned int iterations = solve_linear(solution_owned, right_hand_side);
    constraints.distribute(solution_owned);
    Vector displacement_owned = solution_owned;
    if (uses_generalized_plane_strain())
      {
        // Zero net out-of-plane forces: N_kl a_l = -N_0k.
        Vector u0(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
        u0                     = solution_owned;
        const auto forces      = out_of_plane_forces(u0, SymmetricTensor<2, 3>(), &c);
        out_of_plane_strain    = SymmetricTensor<2, 3>();
        for (unsigned int k = 0; k < 3; ++k)
          {
            double a = 0.;
            for (unsigned int l = 0; l < 3; ++l)
              a -= unit_forces_inverse(k, l) * forces[l];
            out_of_plane_strain += a * out_of_plane_mode(k);
            displacement_owned.add(a, unit_responses[k]);
          }
      }
    if (!supported())
      remove_rigid_body_motion(displacement_owned);
    solution = displacement_owned;
    return iterations;
  }

  template <int dim, typename LA>
  SymmetricTensor<2, 3> MechanicsField<dim, LA>::out_of_plane_mode(const unsigned int k)
  {
    SymmetricTensor<2, 3> E;
    if (k == 0)
      E[2][2] = 1.;
    else
      E[k - 1][2] = 0.5; // eps_xz, eps_yz = 1/2: an engineering shear of 1
    return E;
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::compute_unit_response()
  {
    if (!uses_generalized_plane_strain())
      return;
    if (supported())
      throw InputError("generalized plane strain (Mechanics/Out-of-plane condition) needs a free particle");
    FullMatrix<double> forces(3, 3);
    for (unsigned int k = 0; k < 3; ++k)
      {
        assemble_rhs(nullptr, -out_of_plane_mode(k));
        unit_responses[k].reinit(locally_owned_dofs, mpi_communicator);
        solve_linear(unit_responses[k], right_hand_side);
        constraints.distribute(unit_responses[k]);
        Vector uk(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
        uk                 = unit_responses[k];
        const auto columns = out_of_plane_forces(uk, out_of_plane_mode(k), nullptr);
        for (unsigned int l = 0; l < 3; ++l)
          forces(l, k) = columns[l];
      }
    unit_forces_inverse.reinit(3, 3);
    unit_forces_inverse.invert(forces);
  }

  template <int dim, typename LA>
  std::array<double, 3> MechanicsField<dim, LA>::out_of_plane_forces(const Vector                &u,
                                                                      const SymmetricTensor<2, 3> &extra,
                                                                      const ConcentrationView     *c) const
  {
    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     fe_values(mapping, fe, quadrature, update_gradients | update_quadrature_points | update_JxW_values);
    std::unique_ptr<FEValues<dim>> c_values_fe;
    if (c != nullptr)
      c_values_fe = std::make_unique<FEValues<dim>>(mapping, c->dof_handler->get_fe(), quadrature, update_values);
    std::vector<Tensor<2, dim>> gradients(quadrature.size());
    std::vector<double>         c_values(quadrature.size(), 0.), g;
    std::array<double, 3>       forces = {0., 0., 0.};
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
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const LocalMaterial  &local  = local_material(cell, fe_values, q);
              SymmetricTensor<2, 3> strain = embed<dim>(symmetrize(gradients[q])) + extra;
              if (c != nullptr)
                strain -= chemical_strain_at(local, c_values[q]);
              const SymmetricTensor<2, 3> stress = stress_response(local.stiffness, g[q], strain).stress;
              for (unsigned int k = 0; k < 3; ++k)
                forces[k] += stress * out_of_plane_mode(k) * fe_values.JxW(q);
            }
        }
    for (double &f : forces)
      f = Utilities::MPI::sum(f, mpi_communicator);
    return forces;
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::remove_rigid_body_motion(Vector &u_owned) const
  {
    // a = G^{-1} b with G_mn = int r_m . r_n, b_m = int r_m . u: the L2
    // projection of u onto the rigid-body modes, subtracted exactly.
    Vector u(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    u = u_owned;
    const unsigned int n_modes = rigid_body_modes.size();
    const QGauss<dim>  quadrature(fe.degree + 1);
    FEValues<dim> fe_values(mapping, fe, quadrature, update_values | update_quadrature_points | update_JxW_values);
    std::vector<Tensor<1, dim>> u_values(quadrature.size());
    const FEValuesExtractors::Vector displacement(0);
    std::vector<double> moments(n_modes * n_modes + n_modes, 0.);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values[displacement].get_function_values(u, u_values);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            for (unsigned int m = 0; m < n_modes; ++m)
              {
                const auto rm = rigid_body_mode<dim>(m, fe_values.quadrature_point(q));
                for (unsigned int k = 0; k < n_modes; ++k)
                  moments[m * n_modes + k] += rm * rigid_body_mode<dim>(k, fe_values.quadrature_point(q)) * fe_values.JxW(q);
                moments[n_modes * n_modes + m] += rm * u_values[q] * fe_values.JxW(q);
              }
        }
    Utilities::MPI::sum(moments, mpi_communicator, moments);
    FullMatrix<double>     G(n_modes, n_modes);
    dealii::Vector<double> b(n_modes), a(n_modes);
    for (unsigned int m = 0; m < n_modes; ++m)
      {
        for (unsigned int k = 0; k < n_modes; ++k)
          G(m, k) = moments[m * n_modes + k];
        b(m) = moments[n_modes * n_modes + m];
      }
    G.gauss_jordan();
    G.vmult(a, b);
    for (unsigned int m = 0; m < n_modes; ++m)
      u_owned.add(-a(m), rigid_body_modes[m]);
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::accept()
  {
    accepted = solution;
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::set_accepted_displacement(const Vector &u)
  {
    solution_owned = u;
    constraints.distribute(solution_owned);
    solution = solution_owned;
    accepted = solution_owned;
  }

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
    std::vector<double> g;
    degradation_at(tria_cell, quadrature, g);
    states.resize(quadrature.size());
    for (unsigned int q = 0; q < quadrature.size(); ++q)
      {
        const LocalMaterial &local = local_material(tria_cell, fe_values, q);
        auto                &s     = states[q];
        s.chemical_strain      = chemical_strain_at(local, c_values[q]);
        s.chemical_strain_rate = chemical_strain_derivative_at(local, c_values[q]);
        SymmetricTensor<2, 3> elastic_strain = embed<dim>(symmetrize(gradients[q])) - s.chemical_strain;
        if (dim == 2)
          elastic_strain += out_of_plane_strain; // generalized plane strain (0 otherwise)
        // Hybrid formulation (Ambati et al. 2015): the whole stress is
        // degraded, psi+ of the split drives the crack (docs/theory.md §11).
        const StressResponse         law        = stress_response(local.stiffness, g[q], elastic_strain);
        const SymmetricTensor<2, 3> &undegraded = law.undegraded;
        s.degradation              = g[q];
        s.stress                   = law.stress;
        s.chemical_stress          = -stress_response(local.stiffness, g[q], -s.chemical_strain).stress;
        s.elastic_energy_density   = 0.5 * (s.stress * elastic_strain);
        const StrainEnergySplit *split = local.split ? local.split.get() : uniform_split.get();
        s.positive_energy_density =
          split ? split->evaluate(elastic_strain).positive_energy : 0.5 * (undegraded * elastic_strain);
        s.volume_ratio           = determinant(Tensor<2, dim>(unit_symmetric_tensor<dim>()) + gradients[q]);
        // L: the Eshelby estimate eps' : C_iso : (I - S) : eps' of -ds/dc
        // for a spherical (3D) or cylindrical (2D, plane strain) region of
        // the isotropic-equivalent (Voigt) solid, but at least half the
        // frozen-strain value eps' : C : eps', which bounds -ds/dc from
        // above (docs/theory.md §7).
        // The curvature term sigma : d^2 eps_ch/dc^2 of ds/dc is local and
        // exact (central difference); L stays >= 0 so that the transport
        // operator keeps its ellipticity.
        const double h         = 1e-4 * material.maximum_concentration;
        const auto   curvature = (chemical_strain_derivative_at(local, c_values[q] + h) -
                                chemical_strain_derivative_at(local, c_values[q] - h)) / (2. * h);
        s.split_stiffness =
          std::max(g[q] * std::max(s.chemical_strain_rate * (split_tensor * s.chemical_strain_rate),
                                   0.5 * (s.chemical_strain_rate * (local.stiffness * s.chemical_strain_rate))) -
                     s.stress * curvature,
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

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::for_each_cell_force(
    const ConcentrationView                                                                         &c,
    const std::function<void(const typename DoFHandler<dim>::active_cell_iterator &, const dealii::Vector<double> &,
                             const dealii::Vector<double> &, const dealii::Vector<double> &)> &consumer) const
  {
    // Per cell: internal forces f_i = int eps(phi_i) : sigma dV and the
    // external ones (body force, pressure) with the last solution.
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
    std::vector<double>              c_values(quadrature.size());
    std::vector<MaterialPointState>  states;
    std::vector<dealii::Vector<double>> force(quadrature.size(), dealii::Vector<double>(dim));
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          c_values_fe.reinit(typename DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(),
                                                                            cell->index(), c.dof_handler));
          c_values_fe.get_function_values(*c.values, c_values);
          evaluate(cell, quadrature, c_values, states);
          if (body_force)
            body_force->vector_value_list(fe_values.get_quadrature_points(), force);
          internal = 0.;
          external = 0.;
          chemical = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            for (unsigned int i = 0; i < n; ++i)
              {
                const SymmetricTensor<2, 3> strain_i = embed<dim>(fe_values[displacement].symmetric_gradient(i, q));
                internal(i) += strain_i * states[q].stress * fe_values.JxW(q);
                chemical(i) += strain_i * states[q].chemical_stress * fe_values.JxW(q);
                if (body_force)
                  for (unsigned int d = 0; d < dim; ++d)
                    external(i) += fe_values[displacement].value(i, q)[d] * force[q][d] * fe_values.JxW(q);
              }
          if (settings.external_pressure != 0.)
            for (const auto &face : cell->face_iterators())
              if (face->at_boundary() && face->boundary_id() == ParticleGeometry::surface_boundary_id)
                {
                  fe_face_values.reinit(cell, face);
                  for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                    for (unsigned int i = 0; i < n; ++i)
                      external(i) -= settings.external_pressure *
                                     (fe_face_values[displacement].value(i, q) * fe_face_values.normal_vector(q)) *
                                     fe_face_values.JxW(q);
                }
          consumer(cell, internal, external, chemical);
        }
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
  double MechanicsField<dim, LA>::relative_residual(const ConcentrationView &c) const
  {
    Vector residual(locally_owned_dofs, mpi_communicator);
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
      constraints.distribute_local_to_global(r, dofs, residual);
    });
    residual.compress(VectorOperation::add);
    scale = std::sqrt(Utilities::MPI::sum(scale, mpi_communicator));
    const double norm = residual.l2_norm();
    return scale > 0. ? norm / scale : norm;
  }

  template <int dim, typename LA>
  MechanicalSummary MechanicsField<dim, LA>::summary(const ConcentrationView &c) const
  {
    const QGauss<dim> quadrature(fe.degree + 1);
    FEValues<dim>     fe_values(mapping, fe, quadrature, update_JxW_values | update_quadrature_points);
    FEValues<dim>     c_fe_values(mapping, c.dof_handler->get_fe(), quadrature, update_values);
    std::vector<double>             c_values(quadrature.size());
    std::vector<MaterialPointState> states;
    double max_principal = -std::numeric_limits<double>::max(), max_h = max_principal,
           min_h = std::numeric_limits<double>::max();
    double energy = 0., deformed = 0., volume = 0.;
    double centre_stress = 0., centre_volume = 0., hoop = 0., area = 0.;
    double max_gb_stress = -std::numeric_limits<double>::max(), misorientation = 0., band_volume = 0.;
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
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          evaluate_with_concentration(cell, quadrature, c, c_fe_values, c_values, states);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const auto &s = states[q];
              if (const auto band = grain_boundary_point(cell, fe_values, q, s.stress))
                {
                  max_gb_stress = std::max(max_gb_stress, band->first);
                  misorientation += band->second * fe_values.JxW(q);
                  band_volume += fe_values.JxW(q);
                }
              if (!stores_lithium(cell))
                continue;
              max_principal = std::max(max_principal, eigenvalues(s.stress)[0]);
              const double h = trace(s.stress) / 3.;
              max_h          = std::max(max_h, h);
              min_h          = std::min(min_h, h);
              energy += s.elastic_energy_density * fe_values.JxW(q);
              if (fe_values.quadrature_point(q).norm() < 0.2 * radius)
                {
                  centre_stress += h * fe_values.JxW(q);
                  centre_volume += fe_values.JxW(q);
                }
              deformed += s.volume_ratio * fe_values.JxW(q);
              volume += fe_values.JxW(q);
            }
          // Tangential normal stress on the surface, (tr_dim sigma - n.sigma.n)/(dim - 1).
          for (const unsigned int f : cell->face_indices())
            if (stores_lithium(cell) && (cell->face(f)->at_boundary() || !stores_lithium(cell->neighbor(f))))
              {
                const Quadrature<dim> &points = face_points[f];
                FEValues<dim>         &c_face = *c_face_values[f];
                c_face.reinit(typename DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(),
                                                                             cell->index(), c.dof_handler));
                face_values.reinit(cell, f);
                std::vector<double> c_surface(points.size());
                c_face.get_function_values(*c.values, c_surface);
                evaluate(cell, points, c_surface, states);
                for (unsigned int q = 0; q < points.size(); ++q)
                  {
                    const auto  &n  = face_values.normal_vector(q);
                    double       tr = 0., nsn = 0.;
                    for (unsigned int i = 0; i < dim; ++i)
                      {
                        tr += states[q].stress[i][i];
                        for (unsigned int j = 0; j < dim; ++j)
                          nsn += n[i] * states[q].stress[i][j] * n[j];
                      }
                    hoop += (tr - nsn) / (dim - 1) * face_values.JxW(q);
                    area += face_values.JxW(q);
                  }
              }
        }
    MechanicalSummary result;
    result.max_principal_stress   = Utilities::MPI::max(max_principal, mpi_communicator);
    result.max_hydrostatic_stress = Utilities::MPI::max(max_h, mpi_communicator);
    result.min_hydrostatic_stress = Utilities::MPI::min(min_h, mpi_communicator);
    result.elastic_energy         = Utilities::MPI::sum(energy, mpi_communicator);
    result.volume_change =
      Utilities::MPI::sum(deformed, mpi_communicator) / Utilities::MPI::sum(volume, mpi_communicator) - 1.;
    result.surface_hoop_stress = Utilities::MPI::sum(hoop, mpi_communicator) / Utilities::MPI::sum(area, mpi_communicator);
    const double v0 = Utilities::MPI::sum(centre_volume, mpi_communicator);
    result.center_hydrostatic_stress = v0 > 0. ? Utilities::MPI::sum(centre_stress, mpi_communicator) / v0 : 0.;
    const double band = Utilities::MPI::sum(band_volume, mpi_communicator);
    if (band > 0.)
      {
        result.max_gb_normal_stress = Utilities::MPI::max(max_gb_stress, mpi_communicator);
        result.mean_misorientation  = Utilities::MPI::sum(misorientation, mpi_communicator) / band * 180. / M_PI;
      }
    return result;
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
