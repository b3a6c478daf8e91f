// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// PhaseField<dim, LA>: AT1/AT2 phase-field fracture (docs/theory.md §11).

#include <camfrac/io/errors.h>
#include <camfrac/io/field_output.h>
#include <camfrac/physics/phase_field.h>

#include "../instantiation.h"

#include <deal.II/base/work_stream.h>
#include <deal.II/grid/filtered_iterator.h>
#include <deal.II/base/function.h>
#include <deal.II/base/utilities.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/vector_tools.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace camfrac
{
  using namespace dealii;

  // -------------------------------------------------------- FractureSettings
  void FractureSettings::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Fracture");
    prm.declare_entry("Enabled", "false", Patterns::Bool(),
                      "Phase-field fracture (needs Mechanics/Enabled = true). docs/theory.md §11.");
    prm.declare_entry("Model", "AT2", Patterns::Selection("AT1|AT2"),
                      "AT2: w(d) = d^2, c_w = 2, irreversibility by the history field H = max_t psi+. "
                      "AT1: w(d) = d, c_w = 8/3, an elastic stage up to the critical stress, irreversibility by "
                      "the bound d >= d_old (primal-dual active set).");
    prm.declare_entry("Fracture toughness", "1.0", Patterns::Double(0.),
                      "Critical energy release rate G_c of the grain interiors [J/m^2], > 0. "
                      "G_c ~ K_IC^2 (1 - nu^2)/E.");
    prm.declare_entry("Length scale", "5e-7", Patterns::Double(0.),
                      "Regularisation length ell [m], > 0. The mesh is refined until h <= ell/2 in the "
                      "cracking region.");
    prm.declare_entry("Residual stiffness", "1e-6", Patterns::Double(0.),
                      "k in g(d) = (1-d)^2 + k [-], in [0, 0.1).");
    prm.declare_entry("Energy split", "none",
                      Patterns::Selection("none|volumetric-deviatoric|spectral|anisotropic"),
                      "Which part psi+ of the elastic energy drives the crack: none (all of it), "
                      "volumetric-deviatoric (Amor 2009, isotropic stiffness only), spectral (Miehe 2010, "
                      "isotropic only), anisotropic (He & Shao 2019, spectral split of C^(1/2) : eps_e, any "
                      "stiffness).");
    prm.declare_entry("Stress degradation", "split", Patterns::Selection("split|hybrid"),
                      "How d degrades the stress (docs/theory.md §11.2). split: sigma = g(d) d psi+/d eps + "
                      "d psi-/d eps, the derivative of the energy whose psi+ drives the crack, so a crack carries "
                      "compression and closes on discharge, and the staggered scheme alternately minimises one "
                      "functional; equilibrium is nonlinear (Newton, Mechanics/Newton tolerance). hybrid (Ambati "
                      "2015): sigma = g(d) C : eps_e, linear and cheaper, but a crack carries no compression and "
                      "its faces interpenetrate; psi+ drives the crack only where psi+ >= psi-. With 'Energy "
                      "split = none' the two coincide.");
    prm.declare_entry("Grain boundary toughness factor", "1.0", Patterns::Double(0.),
                      "f_gb: the toughness of a grain boundary is f_gb G_c [-], > 0. With 'Grain boundary band "
                      "correction' the band of width Microstructure/Grain boundary width gets the toughness that "
                      "makes a crack along the boundary dissipate f_gb G_c per unit area (docs/theory.md §11.4).");
    prm.declare_entry("Grain boundary band correction", "true", Patterns::Bool(),
                      "Correct the band's toughness for its width relative to the length scale: a band narrower "
                      "than the crack profile (about 2 ell) holds only part of it, so a band of f_gb G_c would "
                      "give a boundary tougher than f_gb G_c. false: the band gets f_gb G_c itself.");
    prm.declare_entry("Cleavage anisotropy", "0.0", Patterns::Double(0.),
                      "beta in A = I + beta (I - m m), m the grain's c-axis [-], >= 0. beta > 0 makes "
                      "cracks along (003) planes cheaper than across them.");
    prm.declare_entry("Degrade diffusivity", "true", Patterns::Bool(),
                      "D_eff = [(1-d)^2 + k_D] D: the crack blocks Li transport through the bulk.");
    prm.declare_entry("Residual diffusivity", "1e-3", Patterns::Double(0.), "k_D [-], in (0, 1].");
    prm.declare_entry("Electrolyte infiltration", "false", Patterns::Bool(),
                      "The crack faces react like the outer surface (Butler-Volmer, same kinetics and OCP): a "
                      "volumetric sink a i/F with the face area per volume a = 2 gamma(d, grad d), gamma the "
                      "density of the crack measure. Needs Butler-Volmer kinetics. Connectivity to the outer "
                      "surface is not checked.");
    prm.declare_entry("Staggered tolerance", "1e-4", Patterns::Double(0.),
                      "The staggered (c,u)-d iteration of a time step stops when the equilibrium residual with "
                      "the updated d, relative to the internal forces, is below this [-] ...");
    prm.declare_entry("Damage tolerance", "1e-3", Patterns::Double(0.),
                      "... and max |d_k+1 - d_k| is below this [-].");
    prm.declare_entry("Maximum staggered iterations", "300", Patterns::Integer(1),
                      "Without convergence after this many iterations the time step is cut back [-], >= 1. A crack "
                      "that runs unstably needs hundreds of iterations at any time step.");
    prm.declare_entry("Cells per length scale", "2", Patterns::Double(0.5, 16.),
                      "The cracking region (or, with adaptive refinement, the cracked and predicted cells) is "
                      "refined until h <= ell/n for this n [-], in [0.5, 16]. 2 is the usual choice; the crack "
                      "measure converges as h^2 (docs/verification.md §I.3).");
    prm.declare_entry("Maximum resolution refinements", "4", Patterns::Integer(0, 8),
                      "The cracking region is refined until h <= ell/n, with at most this many extra levels [-], "
                      "in [0, 8]; a run whose mesh still does not resolve ell stops with an error.");
    LinearSolverSettings::declare_parameters(prm, FractureSettings().linear_solver, "CG");
    prm.declare_entry("Crack region inner radius", "0", Patterns::Double(0.),
                      "The cracking region (resolved mesh) is the particle beyond this radius [m]; 0: all of it.");
    prm.leave_subsection();
  }

  void FractureSettings::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Fracture");
    enabled                          = prm.get_bool("Enabled");
    model                            = model_from_string(prm.get("Model"));
    toughness                        = prm.get_double("Fracture toughness");
    length_scale                     = prm.get_double("Length scale");
    residual_stiffness               = prm.get_double("Residual stiffness");
    split                            = StrainEnergySplit::from_string(prm.get("Energy split"));
    stress_degradation = prm.get("Stress degradation") == "hybrid" ? StressDegradation::hybrid : StressDegradation::split;
    grain_boundary_toughness_factor  = prm.get_double("Grain boundary toughness factor");
    grain_boundary_band_correction   = prm.get_bool("Grain boundary band correction");
    cleavage_anisotropy              = prm.get_double("Cleavage anisotropy");
    degrade_diffusivity              = prm.get_bool("Degrade diffusivity");
    residual_diffusivity             = prm.get_double("Residual diffusivity");
    electrolyte_infiltration         = prm.get_bool("Electrolyte infiltration");
    staggered_tolerance              = prm.get_double("Staggered tolerance");
    damage_tolerance                 = prm.get_double("Damage tolerance");
    maximum_staggered_iterations     = prm.get_integer("Maximum staggered iterations");
    maximum_resolution_refinements   = prm.get_integer("Maximum resolution refinements");
    crack_region_inner_radius        = prm.get_double("Crack region inner radius");
    linear_solver.parse_parameters(prm);
    cells_per_length_scale           = prm.get_double("Cells per length scale");
    prm.leave_subsection();
    if (!enabled)
      return;
    if (!(toughness > 0.))
      throw InputError("Fracture/Fracture toughness must be > 0 J/m^2");
    if (!(length_scale > 0.))
      throw InputError("Fracture/Length scale must be > 0 m");
    if (!(residual_stiffness < 0.1))
      throw InputError("Fracture/Residual stiffness must be in [0, 0.1)");
    if (!(grain_boundary_toughness_factor > 0.))
      throw InputError("Fracture/Grain boundary toughness factor must be > 0");
    if (!(residual_diffusivity > 0. && residual_diffusivity <= 1.))
      throw InputError("Fracture/Residual diffusivity must be in (0, 1]");
    if (!(staggered_tolerance > 0.) || !(damage_tolerance > 0.))
      throw InputError("Fracture/Staggered tolerance and Damage tolerance must be > 0");
  }

  double FractureSettings::band_toughness_ratio(const double half_width) const
  {
    if (!grain_boundary_band_correction)
      return grain_boundary_toughness_factor;
    return band_toughness_for_boundary(model, grain_boundary_toughness_factor, half_width / length_scale);
  }

  double FractureSettings::homogeneous_strength(const double E, const double Gc) const
  {
    return model == Model::AT1 ? std::sqrt(3. * E * Gc / (8. * length_scale)) :
                                 9. / 16. * std::sqrt(E * Gc / (3. * length_scale));
  }

  double effective_band_toughness(const FractureSettings::Model model, const double rho, const double t)
  {
    AssertThrow(rho > 0. && t >= 0., ExcMessage("effective_band_toughness: rho > 0 and t >= 0"));
    if (model == FractureSettings::Model::AT2)
      {
        // d = alpha e^(-x/ell) + beta e^(x/ell) in the band, gamma e^(-x/ell) outside; continuity
        // of d and of G d' at x = h; the energy of the optimum is G_band (alpha - beta).
        const double q = (rho - 1.) / (rho + 1.) * std::exp(-2. * t);
        return rho * (1. - q) / (1. + q);
      }
    // AT1: in each region G (ell^2 d'^2 - d) is constant (first integral); outside d' = -sqrt(d)/ell
    // down to d = 0; inside ell^2 d'^2 = d + C with C = d_h (rho^-2 - 1) from G d' continuous at h.
    // Beyond half the support (t >= 2) the profile lies in the band.
    if (t >= 2.)
      return rho;
    const double r2 = 1. / (rho * rho) - 1.;
    // s = sqrt(d_h) solves h/(2 ell) = sqrt(1 + C) - sqrt(d_h + C).
    const auto gap = [&](const double s) { return std::sqrt(1. + s * s * r2) - s / rho - 0.5 * t; };
    double lo = 0., hi = 1.; // gap(0) = 1 - t/2 > 0, gap(1) = -t/2 <= 0
    for (int k = 0; k < 200 && hi - lo > 1e-15; ++k)
      (gap(0.5 * (lo + hi)) > 0. ? lo : hi) = 0.5 * (lo + hi);
    const double s = 0.5 * (lo + hi), C = s * s * r2;
    // Energy density (3/8) G (d/ell + ell d'^2) = (3/8) G (2d + C)/ell, dx = ell dd/sqrt(d + C);
    // int (2u - C)/sqrt(u) du = 4/3 u^(3/2) - 2 C u^(1/2) with u = d + C.
    const auto primitive = [&](const double u) { return 4. / 3. * std::pow(u, 1.5) - 2. * C * std::sqrt(u); };
    const double inside  = rho * 3. / 8. * (primitive(1. + C) - primitive(s * s + C));
    const double outside = 0.5 * s * s * s;
    return 2. * (inside + outside);
  }

  double band_toughness_for_boundary(const FractureSettings::Model model, const double f, const double t)
  {
    // effective_band_toughness rises monotonically in rho: bisection in log(rho).
    double lo = std::log(1e-12), hi = std::log(1e6);
    if (!(effective_band_toughness(model, std::exp(lo), t) < f) || !(effective_band_toughness(model, std::exp(hi), t) > f))
      {
        std::ostringstream message;
        message << "parameter 'Fracture/Grain boundary toughness factor' = " << f
                << " cannot be reached by a grain-boundary band of half-width " << t
                << " ell: widen Microstructure/Grain boundary width or set 'Fracture/Grain boundary band correction' "
                   "to false";
        throw InputError(message.str());
      }
    for (int k = 0; k < 200 && hi - lo > 1e-14; ++k)
      {
        const double mid = 0.5 * (lo + hi);
        (effective_band_toughness(model, std::exp(mid), t) < f ? lo : hi) = mid;
      }
    return std::exp(0.5 * (lo + hi));
  }

  FractureSettings::Model FractureSettings::model_from_string(const std::string &name)
  {
    if (name == "AT1")
      return Model::AT1;
    if (name == "AT2")
      return Model::AT2;
    throw InputError("unknown phase-field model '" + name + "' (AT1 or AT2)");
  }

  std::string FractureSettings::model_name(const Model model) { return model == Model::AT1 ? "AT1" : "AT2"; }

  // -------------------------------------------------------------- PhaseField
  template <int dim, typename LA>
  PhaseField<dim, LA>::PhaseField(const parallel::distributed::Triangulation<dim> &triangulation,
                                  const FractureSettings                           &settings,
                                  TimerOutput                                      *timer)
    : mpi_communicator(triangulation.get_communicator())
    , triangulation(triangulation)
    , settings(settings)
    , timer(timer)
    , fe(1)
    , quadrature(2)
    , mapping(2)
    , dof_handler(triangulation)
  {}

  template <int dim, typename LA>
  PhaseField<dim, LA>::~PhaseField()
  {
    linear_solver.reset();
    dof_handler.clear();
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::setup()
  {
    distribute_dofs();
    rebuild_operators();
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::distribute_dofs()
  {
    mapping.initialize(MappingQ<dim>(2), triangulation);
    dof_handler.distribute_dofs(fe);
    locally_owned_dofs = dof_handler.locally_owned_dofs();
    DoFTools::extract_locally_relevant_dofs(dof_handler, locally_relevant_dofs);

    base_constraints.clear();
    base_constraints.reinit(locally_relevant_dofs);
    DoFTools::make_hanging_node_constraints(dof_handler, base_constraints);
    if (initial_crack)
      {
        std::map<types::global_dof_index, Point<dim>> support_points;
        DoFTools::map_dofs_to_support_points(mapping, dof_handler, support_points);
        for (const auto &[dof, p] : support_points)
          if (locally_relevant_dofs.is_element(dof) && initial_crack(p) && !base_constraints.is_constrained(dof))
            {
              base_constraints.add_line(dof);
              base_constraints.set_inhomogeneity(dof, 1.);
            }
      }
    base_constraints.close();

    system_rhs.reinit(locally_owned_dofs, mpi_communicator);
    solution.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    accepted.reinit(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);

    Vector owned(locally_owned_dofs, mpi_communicator);
    base_constraints.distribute(owned);
    accepted = owned;
    solution = owned;

    const std::size_t n = triangulation.n_active_cells() * quadrature.size();
    history_accepted.assign(n, 0.);
    history_trial.assign(n, 0.);
    compute_point_data(); // G_c, A and the band flag per point: cheap, and the crack measure needs them
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::rebuild_operators()
  {
    DynamicSparsityPattern dsp(locally_relevant_dofs);
    DoFTools::make_sparsity_pattern(dof_handler, dsp, base_constraints, false);
    SparsityTools::distribute_sparsity_pattern(dsp, locally_owned_dofs, mpi_communicator, locally_relevant_dofs);
    system_matrix.reinit(locally_owned_dofs, locally_owned_dofs, dsp, mpi_communicator);
    // AMG for the SPD reaction-diffusion operator (2H + G_c/(c_w ell)) M +
    // G_c ell/c_w K, mass-dominated where H is large; kept between staggered
    // iterations and time steps while it works. CG starts from the given d.
    LinearOperatorTraits traits;
    traits.krylov                     = LinearOperatorTraits::Krylov::cg;
    traits.warm_start                 = true;
    traits.boomeramg_strong_threshold = dim == 3 ? 0.5 : 0.25;
    linear_solver = std::make_unique<LinearSolver<LA>>(mpi_communicator, settings.linear_solver, traits, "phase field", timer);
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::register_state(StateRegistry<dim, LA> &registry)
  {
    registry.add(typename StateRegistry<dim, LA>::Lifecycle{
      "phase field", [this]() { distribute_dofs(); }, [this]() { rebuild_operators(); }});
    registry.add(typename StateRegistry<dim, LA>::NodalState{
      "d", &dof_handler, [this]() { return std::vector<const Vector *>{&accepted}; },
      [this](const std::vector<Vector> &v) { set_accepted_state(v[0], history_accepted); }});
    registry.add(typename StateRegistry<dim, LA>::PointState{
      "history field H", quadrature.size(), [this]() -> const std::vector<double> & { return history_accepted; },
      [this](std::vector<double> &&history) {
        AssertThrow(history.size() == history_accepted.size(), ExcMessage("history of the wrong size"));
        history_accepted = std::move(history);
        history_trial    = history_accepted;
      }});
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::compute_point_data()
  {
    const std::size_t n_q = quadrature.size();
    point_toughness.assign(triangulation.n_active_cells() * n_q, settings.toughness);
    point_anisotropy.assign(triangulation.n_active_cells() * n_q, Tensor<2, dim>(unit_symmetric_tensor<dim>()));
    point_in_band.assign(triangulation.n_active_cells() * n_q, false);
    if (!material_field)
      return;
    const bool    polycrystal = material_field->microstructure().is_polycrystal();
    const double  half_width  = material_field->microstructure().boundary_half_width();
    const double  band_ratio  = polycrystal ? settings.band_toughness_ratio(half_width) : 1.;
    FEValues<dim> fe_values(mapping, fe, quadrature, update_quadrature_points);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() && material_field->stores_lithium(cell))
        {
          fe_values.reinit(cell);
          for (unsigned int q = 0; q < n_q; ++q)
            {
              const std::size_t    k     = cell->active_cell_index() * n_q + q;
              const MaterialPoint  point = material_field->point(cell, fe_values.quadrature_point(q));
              if (polycrystal && point.grain.neighbour_grain != point.grain.grain &&
                  point.grain.boundary_distance <= half_width)
                {
                  point_in_band[k] = true;
                  point_toughness[k] *= band_ratio;
                }
              if (settings.cleavage_anisotropy > 0.)
                {
                  // m = R e_3, the c-axis in sample axes.
                  Tensor<2, dim> A;
                  for (unsigned int i = 0; i < dim; ++i)
                    for (unsigned int j = 0; j < dim; ++j)
                      A[i][j] = (i == j ? 1. + settings.cleavage_anisotropy : 0.) -
                                settings.cleavage_anisotropy * point.rotation[i][2] * point.rotation[j][2];
                  point_anisotropy[k] = A;
                }
            }
        }
  }

  template <int dim, typename LA>
  double PhaseField<dim, LA>::toughness(const typename Triangulation<dim>::active_cell_iterator &cell,
                                        const unsigned int                                      q) const
  {
    return point_toughness[cell->active_cell_index() * quadrature.size() + q];
  }

  template <int dim, typename LA>
  double PhaseField<dim, LA>::critical_driving_force(const typename Triangulation<dim>::active_cell_iterator &cell,
                                                     const unsigned int                                      q) const
  {
    const double gc = toughness(cell, q);
    return settings.model == FractureSettings::Model::AT1 ? 3. * gc / (16. * settings.length_scale) :
                                                            gc / (6. * settings.length_scale);
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::reset_trial()
  {
    solution      = accepted;
    history_trial = history_accepted;
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::accept()
  {
    accepted         = solution;
    history_accepted = history_trial;
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::set_damage(const Function<dim> &d)
  {
    Vector owned(locally_owned_dofs, mpi_communicator);
    VectorTools::interpolate(mapping, dof_handler, d, owned);
    base_constraints.distribute(owned);
    solution = owned;
    accepted = owned;
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::update_history()
  {
    AssertThrow(driving_force, ExcMessage("PhaseField: no driving force set"));
    const std::size_t   n_q = quadrature.size();
    std::vector<double> psi(n_q);
    const bool          at2 = settings.model == FractureSettings::Model::AT2;
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          driving_force(cell, quadrature, psi);
          for (unsigned int q = 0; q < n_q; ++q)
            {
              const std::size_t k = cell->active_cell_index() * n_q + q;
              const double      p = std::max(psi[q], 0.);
              history_trial[k]    = at2 ? std::max(history_accepted[k], p) : p;
            }
        }
  }

  // The Euler-Lagrange equation of the d-functional (docs/theory.md eq. (F-weak)):
  //   int alpha d phi + kappa A grad d . grad phi = int f phi,
  // AT2: alpha = G_c/ell + 2H, kappa = G_c ell, f = 2H;
  // AT1: alpha = 2H, kappa = 3/4 G_c ell, f = 2H - 3 G_c/(8 ell).
  template <int dim, typename LA>
  void PhaseField<dim, LA>::assemble(const AffineConstraints<double> &constraints)
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "phase field: assemble");
    system_matrix = 0.;
    system_rhs    = 0.;
    const unsigned int n   = fe.n_dofs_per_cell();
    const unsigned int n_q = quadrature.size();
    const double       ell = settings.length_scale;
    const bool         at2 = settings.model == FractureSettings::Model::AT2;
    // Threaded assembly (WorkStream); the copier adds in cell order.
    struct Scratch
    {
      FEValues<dim> fe_values;
      Scratch(const Mapping<dim> &m, const FiniteElement<dim> &f, const Quadrature<dim> &q)
        : fe_values(m, f, q, update_values | update_gradients | update_JxW_values)
      {}
      Scratch(const Scratch &o)
        : Scratch(o.fe_values.get_mapping(), o.fe_values.get_fe(), o.fe_values.get_quadrature())
      {}
    };
    struct Copy
    {
      FullMatrix<double>                   cell_matrix;
      dealii::Vector<double>               cell_rhs;
      std::vector<types::global_dof_index> dofs;
    };
    const auto worker = [&](const typename DoFHandler<dim>::active_cell_iterator &cell, Scratch &scratch, Copy &copy) {
      FEValues<dim> &fe_values = scratch.fe_values;
      fe_values.reinit(cell);
      copy.cell_matrix.reinit(n, n);
      copy.cell_rhs.reinit(n);
      copy.dofs.resize(n);
      for (unsigned int q = 0; q < n_q; ++q)
        {
          const std::size_t     k     = cell->active_cell_index() * n_q + q;
          const double          H     = history_trial[k];
          const double          Gc    = point_toughness[k];
          const double          alpha = at2 ? Gc / ell + 2. * H : 2. * H;
          const double          kappa = at2 ? Gc * ell : 0.75 * Gc * ell;
          const double          f     = at2 ? 2. * H : 2. * H - 3. * Gc / (8. * ell);
          const Tensor<2, dim> &A     = point_anisotropy[k];
          const double          JxW   = fe_values.JxW(q);
          for (unsigned int i = 0; i < n; ++i)
            {
              const Tensor<1, dim> A_grad_i = A * fe_values.shape_grad(i, q);
              for (unsigned int j = 0; j < n; ++j)
                copy.cell_matrix(i, j) += (alpha * fe_values.shape_value(i, q) * fe_values.shape_value(j, q) +
                                           kappa * A_grad_i * fe_values.shape_grad(j, q)) *
                                          JxW;
              copy.cell_rhs(i) += f * fe_values.shape_value(i, q) * JxW;
            }
        }
      cell->get_dof_indices(copy.dofs);
    };
    const auto copier = [&](const Copy &copy) {
      constraints.distribute_local_to_global(copy.cell_matrix, copy.cell_rhs, copy.dofs, system_matrix, system_rhs);
    };
    using CellFilter = FilteredIterator<typename DoFHandler<dim>::active_cell_iterator>;
    WorkStream::run(CellFilter(IteratorFilters::LocallyOwnedCell(), dof_handler.begin_active()),
                    CellFilter(IteratorFilters::LocallyOwnedCell(), dof_handler.end()), worker, copier,
                    Scratch(mapping, fe, quadrature), Copy());
    system_matrix.compress(VectorOperation::add);
    system_rhs.compress(VectorOperation::add);
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::assemble_unconstrained()
  {
    AffineConstraints<double> none;
    none.close();
    assemble(none);
  }

  template <int dim, typename LA>
  double PhaseField<dim, LA>::energy(const Vector &d) const
  {
    const unsigned int          n_q = quadrature.size();
    const double                ell = settings.length_scale, cw = settings.normalisation();
    const bool                  at2 = settings.model == FractureSettings::Model::AT2;
    FEValues<dim>               fe_values(mapping, fe, quadrature, update_values | update_gradients | update_JxW_values);
    std::vector<double>         values(n_q);
    std::vector<Tensor<1, dim>> gradients(n_q);
    double                      total = 0.;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(d, values);
          fe_values.get_function_gradients(d, gradients);
          for (unsigned int q = 0; q < n_q; ++q)
            {
              const std::size_t k = cell->active_cell_index() * n_q + q;
              const double      g = (1. - values[q]) * (1. - values[q]);
              const double      w = at2 ? values[q] * values[q] : values[q];
              total += (g * history_trial[k] +
                        point_toughness[k] / cw * (w / ell + ell * gradients[q] * (point_anisotropy[k] * gradients[q]))) *
                       fe_values.JxW(q);
            }
        }
    return Utilities::MPI::sum(total, mpi_communicator);
  }

  template <int dim, typename LA>
  unsigned int PhaseField<dim, LA>::solve_linear(Vector &x)
  {
    try
      {
        linear_solver->update_preconditioner(system_matrix);
        return linear_solver->solve(system_matrix, x, system_rhs);
      }
    catch (const LinearSolverFailure &failure)
      {
        throw PhaseFieldSolveFailure(failure.what());
      }
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::set_accepted_state(const Vector &d, const std::vector<double> &history)
  {
    Vector owned(locally_owned_dofs, mpi_communicator);
    owned = d;
    base_constraints.distribute(owned);
    accepted = owned;
    solution = owned;
    AssertThrow(history.size() == history_accepted.size(), ExcMessage("history of the wrong size"));
    history_accepted = history;
    history_trial    = history;
  }

  template <int dim, typename LA>
  double PhaseField<dim, LA>::solve()
  {
    update_history();
    Vector previous(locally_owned_dofs, mpi_communicator);
    previous = solution;
    Vector d_owned(locally_owned_dofs, mpi_communicator);
    d_owned           = solution;
    linear_iterations = 0;
    if (settings.model == FractureSettings::Model::AT2)
      {
        assemble(base_constraints);
        linear_iterations += solve_linear(d_owned);
        base_constraints.distribute(d_owned);
      }
    else
      solve_bound_constrained(d_owned);
    solution = d_owned;
    previous -= d_owned;
    return previous.linfty_norm();
  }

  // Primal-dual active set for d_old <= d <= 1 (AT1): with the unconstrained
  // operator K and load F, lambda = K d - F; a node is active at its lower
  // bound if lambda_i/K_ii + (d_old,i - d_i) > 0, at its upper bound if
  // -lambda_i/K_ii + (d_i - 1) > 0. Repeat until the active set settles.
  template <int dim, typename LA>
  void PhaseField<dim, LA>::solve_bound_constrained(Vector &d_owned)
  {
    Vector lower_owned(locally_owned_dofs, mpi_communicator);
    lower_owned = accepted;
    // Start inside the bounds.
    for (const auto i : locally_owned_dofs)
      d_owned[i] = std::min(std::max(double(d_owned[i]), double(lower_owned[i])), 1.);
    d_owned.compress(VectorOperation::insert);

    Vector lambda(locally_owned_dofs, mpi_communicator);
    Vector status_owned(locally_owned_dofs, mpi_communicator); // 0 free, 1 lower, 2 upper
    Vector status(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    Vector lower(locally_owned_dofs, locally_relevant_dofs, mpi_communicator);
    lower = lower_owned;
    std::vector<double> previous_status;
    AffineConstraints<double> active_constraints;
    for (unsigned int iteration = 0; iteration < 50; ++iteration)
      {
        assemble(base_constraints);
        system_matrix.vmult(lambda, d_owned);
        lambda -= system_rhs;
        unsigned int changes = 0;
        std::vector<double> current_status;
        current_status.reserve(locally_owned_dofs.n_elements());
        for (const auto i : locally_owned_dofs)
          {
            double s = 0.;
            if (!base_constraints.is_constrained(i))
              {
                const double diagonal = system_matrix.diag_element(i);
                if (lambda[i] / diagonal + (lower_owned[i] - d_owned[i]) > 0.)
                  s = 1.;
                else if (-lambda[i] / diagonal + (d_owned[i] - 1.) > 0.)
                  s = 2.;
              }
            status_owned[i] = s;
            current_status.push_back(s);
          }
        status_owned.compress(VectorOperation::insert);
        if (iteration > 0)
          for (std::size_t k = 0; k < current_status.size(); ++k)
            changes += current_status[k] != previous_status[k];
        changes         = Utilities::MPI::sum(changes, mpi_communicator);
        previous_status = current_status;
        if (iteration > 0 && changes == 0)
          return;
        status = status_owned;

        active_constraints.clear();
        active_constraints.reinit(locally_relevant_dofs);
        active_constraints.merge(base_constraints);
        for (const auto i : locally_relevant_dofs)
          if (!active_constraints.is_constrained(i) && status[i] > 0.5)
            {
              active_constraints.add_line(i);
              active_constraints.set_inhomogeneity(i, status[i] > 1.5 ? 1. : double(lower[i]));
            }
        active_constraints.close();
        assemble(active_constraints);
        linear_iterations += solve_linear(d_owned);
        active_constraints.distribute(d_owned);
      }
    throw PhaseFieldSolveFailure("phase field: the active set did not settle in 50 iterations");
  }

  template <int dim, typename LA>
  double PhaseField<dim, LA>::max_change_from_accepted() const
  {
    double change = 0.;
    for (const auto i : locally_owned_dofs)
      change = std::max(change, std::abs(double(solution[i]) - double(accepted[i])));
    return Utilities::MPI::max(change, mpi_communicator);
  }

  template <int dim, typename LA>
  CrackSummary PhaseField<dim, LA>::crack_summary() const
  {
    FEValues<dim> fe_values(mapping, fe, quadrature, update_values | update_gradients | update_JxW_values);
    const unsigned int          n_q = quadrature.size();
    std::vector<double>         d(n_q);
    std::vector<Tensor<1, dim>> grad(n_q);
    const double                ell = settings.length_scale, cw = settings.normalisation();
    const bool                  at2 = settings.model == FractureSettings::Model::AT2;
    double                      sums[2] = {0., 0.};
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(solution, d);
          fe_values.get_function_gradients(solution, grad);
          for (unsigned int q = 0; q < n_q; ++q)
            {
              const double w       = at2 ? d[q] * d[q] : d[q];
              const double density = (w / ell + ell * grad[q] * grad[q]) / cw;
              sums[point_in_band[cell->active_cell_index() * n_q + q] ? 0 : 1] += density * fe_values.JxW(q);

            }
        }
    CrackSummary summary;
    summary.intergranular = Utilities::MPI::sum(sums[0], mpi_communicator);
    summary.intragranular = Utilities::MPI::sum(sums[1], mpi_communicator);
    summary.crack_measure = summary.intergranular + summary.intragranular;
    double max_d          = 0.;
    for (const auto i : locally_owned_dofs)
      max_d = std::max(max_d, double(solution[i]));
    summary.max_damage = Utilities::MPI::max(max_d, mpi_communicator);
    return summary;
  }

  template <int dim, typename LA>
  void PhaseField<dim, LA>::write_fields(const std::string &directory, const unsigned int index, const double time,
                                         std::vector<XDMFEntry> &xdmf_entries) const
  {
    std::unique_ptr<TimerOutput::Scope> scope;
    if (timer != nullptr)
      scope = std::make_unique<TimerOutput::Scope>(*timer, "output");
    // Cell means of the history field and the toughness (DG0).
    const unsigned int    n_q = quadrature.size();
    dealii::Vector<float> history(triangulation.n_active_cells()), toughness_field(triangulation.n_active_cells());
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          double h = 0., g = 0.;
          for (unsigned int q = 0; q < n_q; ++q)
            {
              h += history_accepted[cell->active_cell_index() * n_q + q] / n_q;
              g += point_toughness[cell->active_cell_index() * n_q + q] / n_q;
            }
          history(cell->active_cell_index())         = h;
          toughness_field(cell->active_cell_index()) = g;
        }
    DataOut<dim> data_out;
    data_out.attach_dof_handler(dof_handler);
    data_out.add_data_vector(accepted, "damage");
    data_out.add_data_vector(history, "history_field");
    data_out.add_data_vector(toughness_field, "fracture_toughness");
    data_out.build_patches(mapping, 1);
    write_fields_xdmf(data_out, directory, "fracture", index, time, false, xdmf_entries, mpi_communicator);
  }

  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(PhaseField);
} // namespace camfrac
