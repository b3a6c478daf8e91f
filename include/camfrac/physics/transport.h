// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/electrode_material.h>
#include <camfrac/microstructure/material_field.h>
#include <camfrac/physics/linear_algebra.h>
#include <camfrac/physics/linear_solver.h>
#include <camfrac/physics/state_registry.h>
#include <camfrac/physics/summaries.h>

#include <deal.II/base/data_out_base.h>
#include <deal.II/base/function.h>
#include <deal.II/base/index_set.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/timer.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/mapping_q.h>
#include <deal.II/fe/mapping_q_cache.h>
#include <deal.II/lac/affine_constraints.h>

#include <memory>
#include <string>

namespace camfrac
{
  /// Discretisation and solver settings of the transport field.
  struct TransportSettings
  {
    unsigned int fe_degree = 1;
    /// Surface condition: Butler–Volmer, or a uniform flux from the protocol current.
    /// Not read by parse_parameters(): it is ElectrodeMaterial::butler_volmer
    /// (section "Electrochemistry"), which Simulation copies here.
    bool         butler_volmer = true;
    /// Uniform initial Li fraction [-]: ElectrodeMaterial::initial_stoichiometry, copied likewise.
    double       initial_stoichiometry = 0.9;
    /// Newton: converged when max|dx| and |dphi| [V] fall below this.
    double       newton_tolerance = 1e-9;
    unsigned int maximum_newton_iterations = 12;
    /// GMRES with AMG (kept across Newton iterations and time steps while
    /// it works), or MUMPS: subsection Transport/Linear solver.
    LinearSolverSettings linear_solver{LinearSolverSettings::Method::amg, 1e-10, 500, true};
    /// Gradient energy (kappa > 0) with AMG: precondition the Jacobian with
    /// its factorisation into two second-order operators (docs/theory.md
    /// §3.3 "solver"); false: AMG of the Jacobian itself.
    bool factored_preconditioner = true;

    static void declare_parameters(dealii::ParameterHandler &prm);
    void        parse_parameters(dealii::ParameterHandler &prm);
  };

  /**
   * Li transport in one particle with surface electrochemistry
   * (docs/theory.md §2–4). The unknowns are the nodal concentrations c and,
   * in galvanostatic steps, the particle potential phi. Implicit Euler in time;
   * each step is solved by Newton with a backtracking line search on the
   * bordered system
   *
   *   [ K   b ] [dc  ]     [ R ]
   *   [ g^T h ] [dphi] = - [ r ],
   *
   * where K = dR/dc, b = dR/dphi, and r = I(c, phi) - I_applied is the
   * galvanostatic constraint with g = dI/dc, h = dI/dphi. The border is
   * eliminated by two solves with K (Schur complement of one scalar), so phi
   * is not lagged and the distributed matrix keeps its sparsity.
   *
   * @tparam LA PETScBackend or TrilinosBackend.
   */
  template <int dim, typename LA>
  class TransportField
  {
  public:
    using Vector = typename LA::Vector;
    using Matrix = typename LA::SparseMatrix;

    TransportField(const dealii::parallel::distributed::Triangulation<dim> &triangulation,
                   const ElectrodeMaterial                                  &material,
                   const TransportSettings                                  &settings,
                   double                                                    nominal_volume,
                   dealii::TimerOutput                                      *timer = nullptr);
    ~TransportField();

    /// distribute_dofs(), rebuild_operators(), then the uniform initial
    /// concentration and phi = U(x_0).
    void setup();
    /// DoFs, constraints (hanging nodes, cells without Li, Dirichlet),
    /// vectors, mesh volume and surface: what restoring a state needs. Keeps phi.
    void distribute_dofs();
    /// The Jacobian's sparsity, the material per quadrature point and the
    /// linear solver (with a fresh AMG).
    void rebuild_operators();
    /// Register c, the Li inventory and the two setup halves (ModelState).
    void register_state(StateRegistry<dim, LA> &registry);

    /// The 1C current [A]: F c_max V (x_max - x_min) per hour.
    double       one_c_current() const;
    /// Mean U(x_s) over the surface of the accepted state [V].
    double       open_circuit_voltage() const;
    /// min and max of the surface U(x) over 0 < x < 1 [V] (sampled at 1001 points).
    std::pair<double, double> open_circuit_range() const;
    /// False for a prescribed flux: the surface cannot hold a potential.
    bool         supports_voltage_control() const { return settings.butler_volmer; }
    /// One implicit step of length @p dt from the accepted state (collective).
    StepResult   advance(const double dt, const Control &control);
    /// Make the last trial step the accepted state.
    void         accept();
    /// Mean, extreme Li fractions and int c dV of the accepted state (collective).
    StateSummary summary() const;

    /// Accepted concentration (ghosted) and its discretisation, for output
    /// and post-processing.
    const Vector                       &concentration() const { return solution; }
    const dealii::DoFHandler<dim>      &get_dof_handler() const { return dof_handler; }
    const dealii::Mapping<dim>         &get_mapping() const { return mapping; }
    double                              potential() const { return phi; }
    double                              maximum_concentration() const { return material.maximum_concentration; }
    dealii::types::global_dof_index     n_dofs() const { return dof_handler.n_dofs(); }
    double                              particle_volume() const { return mesh_volume; }
    double                              surface_area() const { return mesh_surface_area; }
    MPI_Comm                            get_mpi_communicator() const { return mpi_communicator; }

    /// Overwrite the accepted state with a uniform value (tests, restarts).
    void set_uniform_concentration(const double c);
    /**
     * Adaptive refinement and restarts (docs/hpc.md): replace the accepted
     * state by @p c (owned entries, on the current DoFs, e.g. from a
     * SolutionTransfer) and the potential @p potential [V].
     */
    void set_accepted_state(const Vector &c, double potential);
    /// Replace the accepted potential [V] only (restarts: from the checkpoint).
    void set_accepted_potential(const double potential) { phi = trial_phi = potential; }
    /**
     * After a mesh change: shift c uniformly over the Li-storing DoFs so
     * that int c dV equals @p lithium_mol again (docs/theory.md §12.2).
     * Returns the relative change of int c dV that was corrected.
     */
    double restore_lithium_inventory(double lithium_mol);
    /// Overwrite the accepted state with the interpolant of @p c [mol/m^3].
    void set_concentration(const dealii::Function<dim> &c);

    /**
     * The mechanical part of the chemical potential, handed over by the
     * coupling scheme (docs/theory.md §7): nodal fields on this field's DoFs
     * (ghosted) of s_k = sigma : d eps_ch/dc [J/mol] at the coupling iterate
     * c_k, and the stabilisation L [J m^3/mol^2]. The flux then uses
     * s(c) = s_k - L (c - c_k). Null pointers: no stress coupling.
     */
    struct StressCoupling
    {
      const Vector *potential               = nullptr;
      const Vector *stabilisation           = nullptr;
      const Vector *reference_concentration = nullptr;
    };
    void set_stress_coupling(const StressCoupling &coupling);
    /// Start Newton from the last trial state (c, phi) instead of the accepted one.
    void set_warm_start(const bool warm) { warm_start = warm; }
    /// Last trial concentration (ghosted).
    const Vector &trial_concentration() const { return trial; }

    /**
     * The mixed (c, mu) Cahn–Hilliard formulation (docs/theory.md §3.3) is
     * used when the material's gradient-energy coefficient kappa > 0:
     * mu = mu_0(c) - kappa lap c - s with grad c . n = 0, and
     * dc/dt = div(M grad mu). mu is eliminated with the lumped mass of its
     * equation, so Newton's unknowns stay (c, phi) and the restart and AMR
     * state stays c.
     */
    bool gradient_energy() const { return material.gradient_energy_coefficient > 0.; }
    /// Whether the mixed Jacobian is preconditioned by its factorisation.
    bool factored_preconditioner() const
    {
      return gradient_energy() && settings.factored_preconditioner && !settings.linear_solver.direct();
    }
    /// mu [J/mol] at the c of the last assembly (ghosted; kappa > 0 only).
    const Vector &chemical_potential() const { return mu; }

    /// Verification: a volumetric Li source f(X) [mol/m^3/s] in dc/dt + div J = f.
    void set_volume_source(std::shared_ptr<const dealii::Function<dim>> source);
    /// Verification: c = g(X) on the surface instead of the flux condition
    /// (and, for kappa > 0, grad c . n = grad g . n). Call before setup().
    void set_dirichlet_boundary(std::shared_ptr<const dealii::Function<dim>> concentration);

    /**
     * Local material: orientation per grain, composition blend, and the
     * regions without Li (coating, matrix), where c is constrained to 0 and
     * the reaction acts on the particle surface instead. Call before setup().
     */
    void set_material_field(std::shared_ptr<const MaterialField<dim>> field) { material_field = std::move(field); }
    /**
     * The crack's effect on transport (docs/theory.md §11): D_eff = f D with
     * f per (active cell, q) of the volume quadrature QGauss(degree + 1),
     * index active_cell_index * n_q + q. Empty: f = 1.
     */
    void set_diffusivity_factors(std::vector<double> factors) { diffusivity_factors = std::move(factors); }
    /**
     * Electrolyte infiltration of cracks (docs/theory.md §11.7): the
     * reactive crack-face area per volume a [1/m] per (active cell, q) of the
     * volume quadrature. There the Butler–Volmer reaction of the outer
     * surface acts as a volumetric sink a i/F, and its current counts in the
     * particle current. Empty: no infiltration. Butler–Volmer mode only.
     */
    void set_crack_surface_density(std::vector<double> density) { crack_surface_density = std::move(density); }
    /// M/D at point q of the volume quadrature QGauss(degree + 1) of @p cell
    /// (ElectrodeMaterial::mobility_factor, blended in a composition gradient).
    ElectrodeMaterial::Mobility mobility_factor_at(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                                                   unsigned int q, double x, bool with_derivative = true) const;
    /// Whether Li is transported in @p cell (false in coating and matrix).
    bool stores_lithium(const typename dealii::Triangulation<dim>::active_cell_iterator &cell) const
    {
      return !material_field || material_field->stores_lithium(cell);
    }
    /// DoFs (of locally owned cells) outside the particle, where c = 0.
    const dealii::IndexSet &dofs_outside_particle() const { return inactive_dofs; }

    /**
     * Verification of the hand-written Jacobian (tests/unit/test_jacobians.cc):
     * assemble, for a step of length @p dt from the accepted state, the
     * (row-scaled) residual R(c, phi) of docs/theory.md eq. (T-weak) and, with
     * @p with_jacobian, K = dR/dc, b = dR/dphi and g = dI/dc, as the Newton
     * solver uses them. Returns I(c, phi) [A] and h = dI/dphi [A/V]
     * (Butler–Volmer mode). @p c ghosted. Collective.
     */
    struct Linearization
    {
      double current         = 0.;
      double d_current_d_phi = 0.;
    };
    Linearization linearize(const Vector &c, double potential, double dt, bool with_jacobian);
    const Vector &assembled_residual() const { return residual; }
    /// K = dR/dc; for kappa > 0 the total derivative K_cc + K_cmu dmu/dc.
    const Matrix &assembled_jacobian() const { return gradient_energy() ? mixed_jacobian : jacobian; }
    const Vector &assembled_potential_derivative() const { return border_column; }
    const Vector &assembled_current_derivative() const { return border_row; }

    /// Write c and x to HDF5 + XDMF in @p directory (collective).
    void write_fields(const std::string &directory, unsigned int index, double time,
                      std::vector<dealii::XDMFEntry> &xdmf_entries) const;

  private:
    MPI_Comm                                                 mpi_communicator;
    const dealii::parallel::distributed::Triangulation<dim> &triangulation;
    const ElectrodeMaterial                                 &material;
    const TransportSettings                                  settings;
    const double                                             nominal_volume;
    dealii::TimerOutput                                     *timer;

    dealii::FE_Q<dim>         fe;
    // Curved cells: support points are computed once from the manifolds
    // (transfinite interpolation is costly) and cached.
    dealii::MappingQCache<dim> mapping;
    dealii::DoFHandler<dim>   dof_handler;
    dealii::IndexSet          locally_owned_dofs;
    dealii::IndexSet          locally_relevant_dofs;
    dealii::AffineConstraints<double> constraints;

    Matrix jacobian;
    // The mixed formulation (kappa > 0): mu = (lumped mass)^-1 r_mu(c), the
    // flux block K_cmu = dR/dmu, A = d r_mu/dc, and the total Jacobian
    // K_cc + K_cmu diag(1/m) A (same object across Newton steps, so that its
    // AMG can be reused).
    dealii::AffineConstraints<double> mu_constraints; // hanging nodes, 0 outside the particle
    Matrix mu_flux_matrix;
    Matrix mu_jacobian;
    Matrix mixed_jacobian;
    bool   mixed_jacobian_ready = false;
    Vector mu;            // ghosted
    Vector mu_owned;
    Vector inverse_lumped_mass; // 1 / int N_i dV; 0 where mu is constrained
    /// mu(c) (and, with @p with_jacobian, A) for the iterate @p c.
    void compute_chemical_potential(const Vector &c, bool with_jacobian);
    /// mixed_jacobian = K_cc + K_cmu diag(1/m) A from the assembled blocks.
    void form_mixed_jacobian();
    // The factored preconditioner of the mixed Jacobian (docs/theory.md §3.3
    // "solver"): P = H1 diag(w)^-1 H2 with H1 = s (M + a K_M), w = s m,
    // H2 = s (M/dt + (kappa/a) K), from the mass M and Laplacian K of the
    // mesh, the flux block s K_M and the row scale s of the last assembly.
    Matrix mass_matrix;
    Matrix laplace_matrix;
    Matrix factor_first;
    Matrix factor_second;
    Vector factor_weights;
    double assembled_dt        = 0.;
    double assembled_row_scale = 1.;
    /// M and K on the pattern of the mixed blocks (once per mesh).
    void assemble_mass_and_laplacian();
    /// H1, w, H2 at the last assembly (collective).
    typename LinearSolver<LA>::ProductFactors preconditioner_factors();
    Vector solution;          // accepted c, ghosted
    Vector old_solution_owned;
    Vector trial;             // trial c, ghosted
    Vector trial_owned;
    Vector residual;
    Vector border_column;     // b = dR/dphi
    Vector border_row;        // g = dI/dc
    double phi = 0.;          // accepted potential
    double trial_phi = 0.;
    double trial_current = 0.;
    double mesh_volume = 0.;
    double mesh_surface_area = 0.;
    StressCoupling stress_coupling;
    bool           warm_start = false;
    std::shared_ptr<const dealii::Function<dim>> volume_source, dirichlet_concentration;
    std::shared_ptr<const MaterialField<dim>>     material_field;
    std::vector<MaterialPoint>                   point_materials; // per (active cell, q) of Li cells
    dealii::IndexSet                             inactive_dofs;   // locally relevant DoFs outside the particle
    std::vector<double>                          diffusivity_factors; // per (active cell, q); empty: 1
    std::vector<double>                          crack_surface_density; // a [1/m] per (active cell, q); empty: none
    /// Call integrand(c_q, a_q JxW) at every volume point with crack-face area (local cells).
    template <typename Integrand>
    void for_each_crack_point(const Vector &c, Integrand &&integrand) const;

    /// Faces where the electrode reaction acts: the outer surface, or the
    /// particle's interface with its coating or matrix.
    bool is_reaction_face(const typename dealii::Triangulation<dim>::active_cell_iterator &cell, unsigned int f) const;
    dealii::Tensor<2, dim> diffusivity_at(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                                          unsigned int q, double x, bool derivative) const;
    double surface_ocp(double x) const;
    double surface_ocp_derivative(double x) const;
    double surface_exchange_current(double cs) const;
    double surface_exchange_current_derivative(double cs) const;

    struct Assembly
    {
      double current = 0.;          // I = int_S i dA [A]
      double d_current_d_phi = 0.;  // h
    };
    /// Residual (and, if @p with_jacobian, K, b, g) at (c, phi) for step dt
    /// (src/physics/transport_assembly.cc).
    Assembly assemble(const Vector &c, double potential, double dt, double applied_flux_current,
                      bool with_jacobian);
    // The local integrators of assemble(), one per term of docs/theory.md:
    // the volume terms of [T-weak] with [J] and [split], the infiltrated
    // crack faces (§11.7) and the reaction faces ([T-weak], [BV]).
    struct AssemblyInput;
    struct CellScratch;
    struct CellCopy;
    using CellIterator = typename dealii::DoFHandler<dim>::active_cell_iterator;
    void integrate_volume(const CellIterator &cell, const AssemblyInput &in, CellScratch &scratch, CellCopy &copy) const;
    /// The volume terms of the mixed formulation: R_i += int N_i (c - c_old)/dt + grad N_i . M grad mu.
    void integrate_mixed_volume(const CellIterator &cell, const AssemblyInput &in, CellScratch &scratch,
                                CellCopy &copy) const;
    void integrate_crack_faces(const CellIterator &cell, const AssemblyInput &in, CellScratch &scratch,
                               CellCopy &copy) const;
    void integrate_reaction_faces(const CellIterator &cell, const AssemblyInput &in, CellScratch &scratch,
                                  CellCopy &copy) const;
    /// One time step's Newton problem: its control and the scales of its merit function.
    struct StepProblem
    {
      double dt              = 0.;
      bool   galvanostatic   = false; ///< phi is an unknown (bordered system)
      double applied_current = 0.;    ///< [A]
      double flux_current    = 0.;    ///< prescribed-flux current (no Butler–Volmer) [A]
      double residual_scale  = 1.;    ///< |R| of the first Newton iteration
      double current_scale   = 1.;    ///< [A]
      /// hypot(|R|/residual_scale, (I - I_applied)/current_scale).
      double merit(double residual_norm, double current) const;
    };
    /// Newton from the accepted state, or (@p warm) from the last trial.
    StepResult solve_step(double dt, const Control &control, bool warm);
    /// A potentiostatic step that Newton could not solve directly: continuation
    /// in phi from the accepted potential to @p target.
    StepResult continue_in_potential(double dt, double target, const StepResult &failed);
    /// Newton on phi alone at the trial c, to meet the applied current.
    void predict_potential(double applied_current);
    /// Backtracking line search along (update, dphi) from the trial state.
    void line_search(const StepProblem &problem, const Vector &update, double dphi, double merit);
    /// The current, potential and change of a converged trial.
    void record_trial(const StepProblem &problem, StepResult &result);
    /// Solve K x = rhs; returns linear iterations. Rebuilds a reused AMG
    /// that fails or needs too many iterations.
    unsigned int solve_linear(Vector &x, const Vector &rhs);
    std::unique_ptr<LinearSolver<LA>> linear_solver;

    void compute_geometry();
    /// I = int_S i dA and dI/dphi at (c, phi) (Butler–Volmer mode).
    std::pair<double, double> surface_current(const Vector &c, double potential) const;
    /// Call integrand(c_q, JxW) at every surface quadrature point (local cells).
    template <typename Integrand>
    void for_each_surface_point(const Vector &c, Integrand &&integrand) const;
    /// Mean U(x_s) over the surface [V].
    double mean_surface_ocp(const Vector &c) const;
  };
} // namespace camfrac
