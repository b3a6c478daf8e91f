// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Small-strain mechanics with an anisotropic chemical eigenstrain, for the
// PETSc and Trilinos backends: settings, setup, constraints and the solve.
// Assembly: mechanics_assembly.cc; evaluation and output: mechanics_output.cc.
// Equations: docs/theory.md §7.

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
    prm.declare_entry("Newton tolerance", "1e-10", Patterns::Double(1e-15, 1e-3),
                      "With the split stress of fracture (Fracture/Stress degradation = split) equilibrium is "
                      "nonlinear in u and solved by Newton's method with a line search. It stops when the "
                      "equilibrium residual relative to the internal, external and chemical-strain forces (and "
                      "in generalized plane strain the net out-of-plane forces relative to the integrated stress) "
                      "is below this [-], in [1e-15, 1e-3]. Keep it below Fracture/Staggered tolerance.");
    prm.declare_entry("Maximum Newton iterations", "25", Patterns::Integer(1, 200),
                      "Newton iterations of one split-stress solve before the time step counts as failed and is cut "
                      "back [-], in [1, 200].");
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
    newton_tolerance            = prm.get_double("Newton tolerance");
    maximum_newton_iterations   = prm.get_integer("Maximum Newton iterations");
    linear_solver.parse_parameters(prm);
    prm.leave_subsection();
  }

  namespace
  {
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
    if (!rebuild || !dof_handler.has_active_dofs())
      return;
    if (nonlinear())
      {
        // The next solve() assembles the tangent at its state. The AMG of an earlier tangent is
        // kept while the CG iterations stay low (the reuse policy; a failed solve rebuilds it).
        return;
      }
    assemble_matrix();
    build_preconditioner();
    compute_unit_response();
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::damage_at(const typename Triangulation<dim>::active_cell_iterator &cell,
                                          const Quadrature<dim> &quadrature, std::vector<double> &d) const
  {
    d.assign(quadrature.size(), 0.);
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
    cached->get_function_values(*damage.values, d);
    for (double &value : d)
      value = std::min(std::max(value, 0.), 1.);
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::degradation_at(const typename Triangulation<dim>::active_cell_iterator &cell,
                                               const Quadrature<dim> &quadrature, std::vector<double> &g) const
  {
    damage_at(cell, quadrature, g);
    if (damage.values == nullptr)
      {
        g.assign(quadrature.size(), 1.);
        return;
      }
    for (double &d : g)
      d = (1. - d) * (1. - d) + damage.residual_stiffness;
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::apply_stiffness_factor(const typename Triangulation<dim>::active_cell_iterator &cell,
                                                       const std::vector<double> *c_values,
                                                       std::vector<double>       &g) const
  {
    if (material.stiffness_softening == 0. || !stores_lithium(cell))
      return;
    if (c_values != nullptr)
      {
        for (unsigned int q = 0; q < g.size(); ++q)
          g[q] *= material.stiffness_factor((*c_values)[q] / material.maximum_concentration);
        return;
      }
    const std::size_t offset = cell->active_cell_index() * g.size();
    if (stiffness_factors.size() != triangulation.n_active_cells() * g.size())
      return; // no solve on this mesh yet
    for (unsigned int q = 0; q < g.size(); ++q)
      g[q] *= stiffness_factors[offset + q];
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::update_stiffness_factors(const ConcentrationView &c)
  {
    const QGauss<dim>   quadrature(fe.degree + 1);
    FEValues<dim>       c_values_fe(mapping, c.dof_handler->get_fe(), quadrature, update_values);
    std::vector<double> c_values(quadrature.size());
    stiffness_factors.assign(triangulation.n_active_cells() * quadrature.size(), 1.);
    for (const auto &cell : c.dof_handler->active_cell_iterators())
      if (cell->is_locally_owned() && stores_lithium(cell))
        {
          c_values_fe.reinit(cell);
          c_values_fe.get_function_values(*c.values, c_values);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            stiffness_factors[cell->active_cell_index() * quadrature.size() + q] =
              material.stiffness_factor(c_values[q] / material.maximum_concentration);
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
  SymmetricTensor<2, 3> MechanicsField<dim, LA>::chemical_strain_second_derivative_at(const LocalMaterial &local,
                                                                                      const double         c) const
  {
    return material_field ? material_field->chemical_strain_second_derivative(local.point, c) :
                            material.chemical_strain_second_derivative(c, local.point.rotation);
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::setup()
  {
    distribute_dofs();
    rebuild_operators();
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::distribute_dofs()
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
    solution.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    accepted.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    solution_owned.reinit(locally_owned_dofs, mpi_communicator);
    right_hand_side.reinit(locally_owned_dofs, mpi_communicator);
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::rebuild_operators()
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "mechanics: setup");
    DynamicSparsityPattern dsp(locally_relevant_dofs);
    DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
    SparsityTools::distribute_sparsity_pattern(dsp, locally_owned_dofs, mpi_communicator, locally_relevant_dofs);
    stiffness_matrix.reinit(locally_owned_dofs, locally_owned_dofs, dsp, mpi_communicator);
    assemble_matrix();
    build_preconditioner();
    compute_unit_response();
  }

  template <int dim, typename LA>
  void MechanicsField<dim, LA>::register_state(StateRegistry<dim, LA> &registry)
  {
    registry.add(typename StateRegistry<dim, LA>::Lifecycle{
      "mechanics", [this]() { distribute_dofs(); }, [this]() { rebuild_operators(); }});
    registry.add(typename StateRegistry<dim, LA>::NodalState{
      "u", &dof_handler, [this]() { return std::vector<const Vector *>{&accepted}; },
      [this](const std::vector<Vector> &v) { set_accepted_displacement(v[0]); }});
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
        // The split stress changes the tangent in every Newton iteration: keep the AMG while the
        // iterations stay low. Otherwise the matrix changes only with d (set_damage rebuilds).
        traits.reuse_growth = stress_degradation == StressDegradation::split && split_type != StrainEnergySplit::Type::none ?
                                1.5 :
                                std::numeric_limits<double>::infinity();
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
  unsigned int MechanicsField<dim, LA>::solve_linear(Vector &x, const Vector &rhs)
  {
    try
      {
        linear_solver->update_preconditioner(stiffness_matrix); // a no-op unless the matrix changed
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
    if (material.stiffness_softening != 0.)
      update_stiffness_factors(c);
    if (nonlinear())
      return solve_newton(c);
    if (material.stiffness_softening != 0.)
      {
        // C(x): the matrix (and the generalized-plane-strain unit responses) follow c.
        std::unique_ptr<TimerOutput::Scope> scope;
        if (timer != nullptr)
          scope = std::make_unique<TimerOutput::Scope>(*timer, "mechanics: assemble x-dependent stiffness");
        assemble_matrix();
        compute_unit_response();
      }
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
        // (entry 3 is the scale, not a force)
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

  // Newton's method for the split stress (docs/theory.md §11.2 [F-Newton]): the unknowns are u
  // (in the frame of the supports) and, in generalized plane strain, the uniform out-of-plane
  // strain a = sum_k a_k E_k. Each iteration solves the bordered system
  //   [K B; B^T D] [du; da] = -[R; N]
  // by K w_0 = -R, K w_k = -B_k, (D + B^T W) da = -(N + B^T w_0), du = w_0 + W da, with a line
  // search on the energy along (du, da). Converged when the merit
  // (|R|/scale)^2 + sum_k (N_k/scale_N)^2 is below the tolerance squared.
  template <int dim, typename LA>
  unsigned int MechanicsField<dim, LA>::solve_newton(const ConcentrationView &c)
  {
    const bool            gps = uses_generalized_plane_strain();
    Vector                u_owned = solution_owned, R, step(locally_owned_dofs, mpi_communicator);
    SymmetricTensor<2, 3> a = gps ? out_of_plane_strain : SymmetricTensor<2, 3>();
    constraints.distribute(u_owned); // the current boundary data
    std::array<Vector, 3> coupling, responses;
    FullMatrix<double>    coupling_diagonal;
    std::array<double, 4> forces = {0., 0., 0., 0.};

    // The merit of the state (u_owned, a), which becomes the current solution.
    const auto merit = [&](const Vector &u, const SymmetricTensor<2, 3> &strain) {
      std::unique_ptr<TimerOutput::Scope> scope;
      if (timer != nullptr)
        scope = std::make_unique<TimerOutput::Scope>(*timer, "mechanics: residual");
      solution            = u;
      out_of_plane_strain = strain;
      const auto [norm, scale] = residual(c, R, gps ? &forces : nullptr);
      double value = scale > 0. ? norm / scale : norm;
      if (gps)
        {
          double sum = value * value;
          for (unsigned int k = 0; k < 3; ++k)
            sum += std::pow(forces[3] > 0. ? forces[k] / forces[3] : forces[k], 2);
          value = std::sqrt(sum);
        }
      return value;
    };

    double       current           = merit(u_owned, a);
    unsigned int linear_iterations = 0, iteration = 0;
    for (; current > settings.newton_tolerance; ++iteration)
      {
        if (iteration == settings.maximum_newton_iterations || !std::isfinite(current))
          {
            std::ostringstream message;
            message << "mechanics: Newton's method for the split stress did not reach the relative residual "
                    << settings.newton_tolerance << " in " << iteration << " iterations (residual " << current << ")";
            throw MechanicsSolveFailure(message.str());
          }
        {
          std::unique_ptr<TimerOutput::Scope> scope;
          if (timer != nullptr)
            scope = std::make_unique<TimerOutput::Scope>(*timer, "mechanics: assemble tangent");
          assemble_matrix(&c, gps ? &coupling : nullptr, gps ? &coupling_diagonal : nullptr);
        }
        Vector minus_residual = R;
        minus_residual *= -1.;
        step = 0.;
        linear_iterations += solve_linear(step, minus_residual);
        SymmetricTensor<2, 3> da;
        std::array<double, 3> coefficients = {0., 0., 0.};
        if (gps)
          {
            FullMatrix<double>     schur(3, 3);
            dealii::Vector<double> rhs(3), x(3);
            for (unsigned int k = 0; k < 3; ++k)
              {
                Vector minus_b = coupling[k];
                minus_b *= -1.;
                responses[k].reinit(locally_owned_dofs, mpi_communicator);
                linear_iterations += solve_linear(responses[k], minus_b);
              }
            for (unsigned int l = 0; l < 3; ++l)
              {
                rhs(l) = -(forces[l] + (coupling[l] * step));
                for (unsigned int k = 0; k < 3; ++k)
                  schur(l, k) = coupling_diagonal(l, k) + (coupling[l] * responses[k]);
              }
            schur.gauss_jordan();
            schur.vmult(x, rhs);
            for (unsigned int k = 0; k < 3; ++k)
              {
                step.add(x(k), responses[k]);
                da += x(k) * out_of_plane_mode(k);
                coefficients[k] = x(k);
              }
          }
        // Line search on the energy Pi(u, a), convex in (u, a) for a fixed d: its slope along the
        // step is R . du + N . da (< 0 at alpha = 0, the tangent being positive definite). The full
        // step is kept while the slope at alpha = 1 is still <= 0; otherwise regula falsi (Illinois)
        // on the slope brackets the minimiser in (0, 1) until |slope| <= |slope(0)|/4.
        const auto slope = [&]() {
          double value = R * step;
          for (unsigned int k = 0; k < 3 && gps; ++k)
            value += forces[k] * coefficients[k];
          return value;
        };
        const double slope_0 = slope();
        double       alpha = 1., trial = 0.;
        Vector       u_trial;
        const auto   try_step = [&](const double length) {
          u_trial = u_owned;
          u_trial.add(length, step);
          constraints.distribute(u_trial);
          trial = merit(u_trial, a + length * da);
          return slope();
        };
        double slope_1 = try_step(1.);
        if (slope_0 < 0. && slope_1 > 0. && std::isfinite(trial))
          {
            double lo = 0., hi = 1., s_lo = slope_0, s_hi = slope_1;
            int    side = 0;
            for (unsigned int cut = 0; cut < 12; ++cut)
              {
                alpha = lo - s_lo * (hi - lo) / (s_hi - s_lo);
                alpha = std::min(std::max(alpha, lo + 0.01 * (hi - lo)), hi - 0.01 * (hi - lo));
                const double s_alpha = try_step(alpha);
                ++newton.line_search_cuts;
                if (std::abs(s_alpha) <= 0.25 * std::abs(slope_0))
                  break;
                if (s_alpha < 0.)
                  {
                    lo   = alpha;
                    s_lo = s_alpha;
                    if (side == -1)
                      s_hi *= 0.5;
                    side = -1;
                  }
                else
                  {
                    hi   = alpha;
                    s_hi = s_alpha;
                    if (side == 1)
                      s_lo *= 0.5;
                    side = 1;
                  }
              }
          }
        u_owned = u_trial;
        a += alpha * da;
        current = trial;
      }
    // The state is the solution (set by the last merit evaluation); remove the rigid-body part.
    solution_owned = u_owned;
    if (gps)
      out_of_plane_strain = a;
    Vector displacement_owned = u_owned;
    if (!supported())
      remove_rigid_body_motion(displacement_owned);
    solution = displacement_owned;
    newton.solves += 1;
    newton.iterations += iteration;
    newton.maximum = std::max(newton.maximum, iteration);
    newton.linear_iterations += linear_iterations;
    newton.last = iteration;
    return linear_iterations;
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
    if (!uses_generalized_plane_strain() || nonlinear()) // Newton linearises the out-of-plane forces itself
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


  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(MechanicsField);
} // namespace camfrac
