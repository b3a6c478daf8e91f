// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/energy_split.h>
#include <camfrac/microstructure/material_field.h>
#include <camfrac/physics/constitutive_law.h>
#include <camfrac/physics/linear_solver.h>
#include <camfrac/physics/state_registry.h>
#include <camfrac/physics/linear_algebra.h>
#include <camfrac/physics/summaries.h>

#include <deal.II/base/data_out_base.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/tensor.h>
#include <deal.II/base/timer.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/mapping_q_cache.h>
#include <deal.II/lac/affine_constraints.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace camfrac
{
  /// Phase-field fracture settings (section "Fracture"), docs/theory.md §11.
  struct FractureSettings
  {
    enum class Model
    {
      AT1,
      AT2
    };
    bool   enabled = false;
    Model  model   = Model::AT2;
    /// Critical energy release rate G_c of the bulk (grain interiors) [J/m^2].
    double toughness = 1.;
    /// Regularisation length ell [m]; the mesh must resolve it (h <= ell/2).
    double length_scale = 5e-7;
    /// k in the degradation g(d) = (1-d)^2 + k [-], keeps a broken solid's stiffness positive.
    double residual_stiffness = 1e-6;
    /// Split of the elastic energy into the part that drives the crack and the rest.
    StrainEnergySplit::Type split = StrainEnergySplit::Type::none;
    /// The split stress (cracks close) or the hybrid one (docs/theory.md §11.2).
    StressDegradation stress_degradation = StressDegradation::split;
    /// f_gb: the grain boundary's toughness is f_gb G_c [-]. With the band
    /// correction on, the band (Microstructure/Grain boundary width) gets the
    /// toughness that makes a crack along it dissipate f_gb G_c per unit area
    /// (band_toughness_ratio()); otherwise the band gets f_gb G_c itself.
    double grain_boundary_toughness_factor = 1.;
    bool   grain_boundary_band_correction  = true;
    /// beta in A = I + beta (I - m (x) m), m the grain's c-axis: > 0 favours cracks on (003) planes [-].
    double cleavage_anisotropy = 0.;
    /// Crack effect on transport: D_eff = [(1-d)^2 + k_D] D.
    bool   degrade_diffusivity = true;
    /// k_D [-].
    double residual_diffusivity = 1e-3;
    /// Electrolyte infiltration: the crack faces react like the outer surface, with the
    /// reactive area per volume a = 2 gamma(d, grad d) (two faces; gamma the density of Gamma).
    bool   electrolyte_infiltration = false;
    /// The staggered (c,u)-d loop of a step stops when the relative equilibrium residual
    /// with the updated d is below this and ...
    double staggered_tolerance = 1e-4;
    /// ... max |d_k+1 - d_k| is below this [-].
    double damage_tolerance = 1e-3;
    /// Not converged after this many iterations: the time step is cut back.
    unsigned int maximum_staggered_iterations = 300;
    /// Pre-refinement: refine the cracking region until h <= ell/2, at most this many extra levels.
    unsigned int maximum_resolution_refinements = 4;
    /// Cells of the particle with vertices beyond this radius form the cracking region [m].
    double crack_region_inner_radius = 0.;
    /// The resolved mesh has h = diameter/sqrt(dim) <= ell/n for this n [-].
    double cells_per_length_scale = 2.;
    /// CG with AMG (kept across staggered iterations while it works), or
    /// MUMPS: subsection Fracture/Linear solver.
    LinearSolverSettings linear_solver{LinearSolverSettings::Method::amg, 1e-12, 1000, true};

    static void declare_parameters(dealii::ParameterHandler &prm);
    /// Throws InputError for nonphysical values.
    void parse_parameters(dealii::ParameterHandler &prm);

    static Model       model_from_string(const std::string &name);
    static std::string model_name(Model model);
    /// G_band / G_c for a band of half-width @p half_width [m]: the corrected
    /// ratio (band_toughness_for_boundary) or f_gb without the correction.
    double band_toughness_ratio(double half_width) const;
    /// The tensile strength of an undamaged homogeneous bar of Young's modulus
    /// @p youngs_modulus and toughness @p toughness at this length scale [Pa]:
    /// sqrt(3 E G_c/(8 ell)) (AT1) or (9/16) sqrt(E G_c/(3 ell)) (AT2).
    double homogeneous_strength(double youngs_modulus, double toughness) const;
    /// c_w of the crack density: 2 (AT2) or 8/3 (AT1).
    double normalisation() const { return model == Model::AT2 ? 2. : 8. / 3.; }
  };

  /**
   * The toughness a fully developed straight crack along the middle of a band
   * of half-width h dissipates per unit area, G_eff, when the band has
   * toughness rho G_c and its surroundings G_c: the exact optimum of the 1D
   * crack profile with d = 1 on the crack (docs/theory.md §11.4). Returns
   * G_eff / G_c for @p rho = G_band/G_c and @p t = h/ell. For AT2,
   * G_eff/G_c = rho (1 - q)/(1 + q) with q = (rho - 1)/(rho + 1) exp(-2t).
   */
  double effective_band_toughness(FractureSettings::Model model, double rho, double t);
  /**
   * The band toughness ratio rho = G_band/G_c for which the band's effective
   * toughness is @p f G_c (the inverse of effective_band_toughness in rho).
   * Throws InputError when no positive rho reaches it.
   */
  double band_toughness_for_boundary(FractureSettings::Model model, double f, double t);

  /// The phase-field solve failed (linear solver or active set): cut back.
  class PhaseFieldSolveFailure : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /**
   * The phase field d of regularised brittle fracture (docs/theory.md §11):
   * with the driving force H (the history max_t psi+ for AT2, psi+ itself for
   * AT1), d minimises
   *
   *   int g(d) H + G_c/c_w (w(d)/ell + ell grad d . A grad d) dV,
   *
   * g = (1-d)^2 + k, w = d^2 (AT2) or d (AT1). For AT2 this is one linear
   * solve; for AT1 the bounds d_old <= d <= 1 are imposed by a primal-dual
   * active-set iteration (Hintermüller, Ito & Kunisch 2002; step-41).
   * Scalar Q1, CG with AMG (Trilinos ML or hypre BoomerAMG).
   *
   * G_c and A vary per quadrature point: f_gb G_c in the grain-boundary band,
   * A = I + beta (I - m (x) m) with the grain's c-axis m.
   */
  template <int dim, typename LA>
  class PhaseField
  {
  public:
    using Vector = typename LA::Vector;
    using Matrix = typename LA::SparseMatrix;
    /// psi+ [J/m^3] at the points @p quadrature of @p cell (a cell of the common triangulation).
    using DrivingForce = std::function<void(const typename dealii::Triangulation<dim>::active_cell_iterator &,
                                            const dealii::Quadrature<dim> &, std::vector<double> &)>;

    PhaseField(const dealii::parallel::distributed::Triangulation<dim> &triangulation,
               const FractureSettings                                   &settings,
               dealii::TimerOutput                                      *timer = nullptr);
    ~PhaseField();

    /// Grains and grain-boundary band, for G_c and A. Call before setup().
    void set_material_field(std::shared_ptr<const MaterialField<dim>> field) { material_field = std::move(field); }
    /// A pre-existing crack: d = 1 at the nodes where @p cracked is true, always. Call before setup().
    void set_initial_crack(std::function<bool(const dealii::Point<dim> &)> cracked) { initial_crack = std::move(cracked); }
    /// Where the driving force comes from (mechanics).
    void set_driving_force(DrivingForce force) { driving_force = std::move(force); }

    /// distribute_dofs(), then rebuild_operators().
    void setup();
    /// DoFs, constraints (with the initial crack), vectors, the history
    /// field's storage and the toughness, anisotropy and band per point.
    void distribute_dofs();
    /// The matrix's sparsity and the linear solver (with a fresh AMG).
    void rebuild_operators();
    /// Register d, the history field H (with its quadrature) and the two
    /// setup halves (ModelState).
    void register_state(StateRegistry<dim, LA> &registry);

    /// Start a new trial step from the accepted state.
    void reset_trial();
    /// Update the driving force of the trial state from the current mechanics
    /// and solve for d. Returns max |d_new - d_previous| (collective).
    double solve();
    void   accept();

    /// max |d_trial - d_accepted| over the DoFs (collective).
    double max_change_from_accepted() const;
    /// Crack measures of the trial state (collective).
    CrackSummary crack_summary() const;

    /// Trial (current) and accepted d, ghosted.
    const Vector &damage() const { return solution; }
    const Vector &accepted_damage() const { return accepted; }
    const dealii::DoFHandler<dim> &get_dof_handler() const { return dof_handler; }
    const dealii::Mapping<dim>    &get_mapping() const { return mapping; }
    dealii::types::global_dof_index n_dofs() const { return dof_handler.n_dofs(); }
    const FractureSettings        &get_settings() const { return settings; }
    /// Degradation g(d) = (1-d)^2 + k.
    double degradation(const double d) const
    {
      const double dc = std::min(std::max(d, 0.), 1.);
      return (1. - dc) * (1. - dc) + settings.residual_stiffness;
    }
    /// G_c at point @p q of the volume quadrature of @p cell [J/m^2].
    double toughness(const typename dealii::Triangulation<dim>::active_cell_iterator &cell, unsigned int q) const;
    /// Linear iterations of the last solve (summed over active-set iterations).
    unsigned int last_linear_iterations() const { return linear_iterations; }

    /// Overwrite the accepted and trial d (verification, restart).
    void set_damage(const dealii::Function<dim> &d);

    /**
     * Adaptive refinement and restarts (docs/hpc.md): replace the accepted
     * state by @p d (owned entries on the current DoFs) and the history
     * field @p history per (active cell, q) of quadrature_formula().
     */
    void set_accepted_state(const Vector &d, const std::vector<double> &history);
    /// The accepted history field H per (active cell, q) (0 on cells not owned).
    const std::vector<double> &accepted_history() const { return history_accepted; }
    /// The volume quadrature of the history field (QGauss(2)).
    const dealii::Quadrature<dim> &quadrature_formula() const { return quadrature; }
    /// psi_c: the H at which a homogeneous bar reaches its strength, 3 G_c/(16 ell)
    /// for AT1 (damage onset) and G_c/(6 ell) for AT2 (peak stress, d = 1/4),
    /// at (cell, q); the predictor of adaptive refinement compares H with it.
    double critical_driving_force(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                                  unsigned int q) const;

    /**
     * Verification of the assembled system (tests/unit/test_jacobians.cc):
     * the functional E(d) = int g(d) H + G_c/c_w (w(d)/ell + ell grad d . A
     * grad d) dV of the trial driving force (without the residual stiffness
     * k), evaluated directly, whose gradient the system K d - F is. Collective.
     */
    double energy(const Vector &d) const;
    /// Assemble K and F for the trial driving force without any constraint
    /// (after solve(), which updated it); read them with the accessors below.
    void          assemble_unconstrained();
    const Matrix &assembled_matrix() const { return system_matrix; }
    const Vector &assembled_rhs() const { return system_rhs; }

    /// Write d and the history field to HDF5 + XDMF ("fracture" files; collective).
    void write_fields(const std::string &directory, unsigned int index, double time,
                      std::vector<dealii::XDMFEntry> &xdmf_entries) const;

  private:
    MPI_Comm                                                 mpi_communicator;
    const dealii::parallel::distributed::Triangulation<dim> &triangulation;
    const FractureSettings                                   settings;
    dealii::TimerOutput                                     *timer;

    dealii::FE_Q<dim>          fe;
    dealii::QGauss<dim>        quadrature;
    dealii::MappingQCache<dim> mapping;
    dealii::DoFHandler<dim>    dof_handler;
    dealii::IndexSet           locally_owned_dofs, locally_relevant_dofs;
    dealii::AffineConstraints<double> base_constraints; // hanging nodes + initial crack

    Matrix system_matrix;
    Vector solution, accepted;       // ghosted
    Vector system_rhs;
    std::shared_ptr<const MaterialField<dim>> material_field;
    std::function<bool(const dealii::Point<dim> &)> initial_crack;
    DrivingForce driving_force;

    // Per (active cell, q): history (accepted and trial), G_c, A, band flag.
    std::vector<double>                 history_accepted, history_trial;
    std::vector<double>                 point_toughness;
    std::vector<dealii::Tensor<2, dim>> point_anisotropy;
    std::vector<bool>                   point_in_band;
    unsigned int                        linear_iterations = 0;

    void compute_point_data();
    void update_history();
    /// Assemble the linear system with @p constraints.
    void assemble(const dealii::AffineConstraints<double> &constraints);
    /// Solve the assembled system into @p x (owned); returns iterations.
    unsigned int solve_linear(Vector &x);
    std::unique_ptr<LinearSolver<LA>> linear_solver;
    /// The AT1 bound-constrained solve by primal-dual active sets.
    void solve_bound_constrained(Vector &d_owned);
  };
} // namespace camfrac
