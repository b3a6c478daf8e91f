// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/energy_split.h>
#include <camfrac/material/mechanical_material.h>
#include <camfrac/microstructure/material_field.h>
#include <camfrac/physics/constitutive_law.h>
#include <camfrac/physics/linear_solver.h>
#include <camfrac/physics/state_registry.h>
#include <camfrac/physics/summaries.h>

#include <deal.II/base/data_out_base.h>
#include <deal.II/base/function.h>
#include <deal.II/base/quadrature.h>
#include <deal.II/base/symmetric_tensor.h>
#include <deal.II/base/timer.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_system.h>
#include <deal.II/fe/mapping_q_cache.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/full_matrix.h>

#include <deal.II/fe/fe_values.h>

#include <array>
#include <functional>
#include <map>
#include <stdexcept>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace camfrac
{
  /// Discretisation, coupling and solver settings of the mechanics (section "Mechanics").
  struct MechanicsSettings
  {
    bool         enabled = false;
    /// Degree of the vector Q_k displacement elements, 1 or 2; 0: concentration degree + 1, at most 2.
    unsigned int fe_degree = 0;
    /// Two-way coupling: the stress term of the chemical potential in the Li flux.
    bool         stress_coupled_diffusion = true;
    /// The c-u iteration of a time step stops when max|x_k+1 - x_k| falls below this [-].
    double       coupling_tolerance = 1e-8;
    unsigned int maximum_coupling_iterations = 25;
    /// Scales the stabilisation L of the fixed-stress-type split (docs/theory.md §7).
    double       stabilisation_factor = 1.;
    /// 2D only: generalized plane strain, uniform out-of-plane strains eps_zz, eps_xz, eps_yz with
    /// zero net axial force and out-of-plane shear force (a section of a long body free to extend
    /// and shear), instead of eps_zz = eps_xz = eps_yz = 0.
    bool         generalized_plane_strain = false;
    /// Uniform pressure on the particle surface [Pa] (positive compresses).
    double       external_pressure = 0.;
    /// Newton's method for the split stress: relative residual tolerance and iteration limit.
    double       newton_tolerance          = 1e-10;
    unsigned int maximum_newton_iterations = 25;
    /// CG with smoothed-aggregation AMG given the rigid-body modes, rebuilt
    /// when the stiffness changes, or MUMPS: subsection Mechanics/Linear solver.
    LinearSolverSettings linear_solver{LinearSolverSettings::Method::amg, 1e-10, 1000, true};

    static void declare_parameters(dealii::ParameterHandler &prm);
    void        parse_parameters(dealii::ParameterHandler &prm);
  };

  /// A linear solve of the mechanics failed (non-finite data or no convergence):
  /// the time step is cut back.
  class MechanicsSolveFailure : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /// Stress and strain at one material point, in sample axes (3 x 3 also in 2D).
  struct MaterialPointState
  {
    dealii::SymmetricTensor<2, 3> stress;                 ///< sigma [Pa]
    dealii::SymmetricTensor<2, 3> chemical_strain;        ///< eps_ch [-]
    dealii::SymmetricTensor<2, 3> elastic_strain;         ///< eps_e = eps(u) - eps_ch [-]
    dealii::SymmetricTensor<2, 3> chemical_strain_rate;   ///< d eps_ch / dc [m^3/mol]
    double                        elastic_energy_density = 0.; ///< psi_el [J/m^3]
    double                        volume_ratio = 1.;      ///< det(I + grad u) (in-plane in 2D)
    /// Local stiffness of s = sigma : d eps_ch/dc against c, L [J m^3/mol^2],
    /// for the stabilisation of the c-u split (docs/theory.md §7).
    double                        split_stiffness = 0.;
    /// -ds/dc at fixed strain, g eps' : C : eps' - sigma : eps'' [J m^3/mol^2]
    /// (eps' = d eps_ch/dc): the local stress contribution to the effective
    /// diffusivity D + M (-ds/dc) (docs/theory.md §3, well-posedness monitor).
    double                        fixed_strain_stiffness = 0.;
    /// Undegraded crack-driving energy psi+ of the energy split [J/m^3] (docs/theory.md §11).
    double                        positive_energy_density = 0.;
    /// g(d) at the point (1 without fracture).
    double                        degradation = 1.;
    /// d at the point, in [0, 1] (0 without fracture).
    double                        damage = 0.;
    /// s = -d psi/dc at fixed strain [J/mol]: sigma : d eps_ch/dc, minus
    /// (phi'/(phi c_max)) psi_el with an x-dependent stiffness phi(x) C. The
    /// chemical potential carries -s (docs/theory.md §7, [C-x]).
    double                        stress_potential = 0.;
    /// g(d) C : eps_ch [Pa], the load of the chemical strain (scale of residuals).
    dealii::SymmetricTensor<2, 3> chemical_stress;
  };

  /**
   * Quasi-static small-strain mechanics of one particle with a chemical
   * eigenstrain (docs/theory.md §6): div sigma + b = 0 with
   * sigma = C(R) : (eps(u) - eps_ch(c, R)), vector Q_k elements, plane strain
   * in 2D (sigma_zz reported). The stiffness does not depend on c, so the
   * matrix and its AMG (with the rigid-body modes as near-null space) are
   * built once; each solve assembles a right-hand side.
   *
   * A free particle is held by a statically determinate 3-2-1 support
   * (2-1 in 2D): the loads are self-equilibrated, so the support reactions
   * vanish and add no stress; the rigid-body part of u is then removed by
   * L2 projection. Alternatively a Dirichlet boundary value can be set
   * (verification).
   *
   * The concentration is read from another field through a
   * ConcentrationView; orientations through an optional function of position.
   */
  template <int dim, typename LA>
  class MechanicsField
  {
  public:
    using Vector = typename LA::Vector;
    using Matrix = typename LA::SparseMatrix;
    using OrientationFunction = std::function<dealii::Tensor<2, 3>(const dealii::Point<dim> &)>;

    /// The concentration [mol/m^3] as a finite-element field on the same mesh.
    struct ConcentrationView
    {
      const dealii::DoFHandler<dim> *dof_handler = nullptr;
      const Vector                  *values      = nullptr; ///< ghosted
    };

    MechanicsField(const dealii::parallel::distributed::Triangulation<dim> &triangulation,
                   const MechanicalMaterial                                 &material,
                   const MechanicsSettings                                  &settings,
                   unsigned int                                              fe_degree,
                   dealii::TimerOutput                                      *timer = nullptr);
    ~MechanicsField();

    /// Crystal orientation per point (default: @p uniform_rotation everywhere). Call before setup().
    void set_orientation(const dealii::Tensor<2, 3> &uniform_rotation);
    void set_orientation_function(const OrientationFunction &orientation);
    /// Local material from a microstructure: per-grain orientation,
    /// composition blend, coating and matrix. Overrides the orientation. Call
    /// before setup().
    void set_material_field(std::shared_ptr<const MaterialField<dim>> field) { material_field = std::move(field); }
    /// Verification: prescribe u on the whole surface instead of a free particle.
    void set_dirichlet_boundary(std::shared_ptr<const dealii::Function<dim>> displacement);
    /// Prescribe the components @p mask of u = @p displacement on boundary @p id (specimens, verification).
    /// The free-particle support is then not used. Call before setup(); update_boundary_values()
    /// re-reads time-dependent functions.
    void add_dirichlet_boundary(dealii::types::boundary_id id, std::shared_ptr<const dealii::Function<dim>> displacement,
                                const dealii::ComponentMask &mask);
    void update_boundary_values();
    /// Verification: a body force b(X) [N/m^3] (dim components).
    void set_body_force(std::shared_ptr<const dealii::Function<dim>> force);

    /// The phase field d degrading the stiffness, g(d) = (1-d)^2 + k (docs/theory.md §11).
    struct DamageView
    {
      const dealii::DoFHandler<dim> *dof_handler = nullptr;
      const Vector                  *values      = nullptr; ///< ghosted
      double                         residual_stiffness = 0.;
    };
    /// Which part of the elastic energy drives fracture (psi+ in MaterialPointState), and whether
    /// the stress is the split one (nonlinear, cracks close) or the hybrid one (docs/theory.md
    /// §11.2). Call before setup(), which throws InputError for a split the stiffness does not allow.
    void set_energy_split(StrainEnergySplit::Type type, StressDegradation degradation = StressDegradation::split)
    {
      split_type         = type;
      stress_degradation = degradation;
    }
    /// Degrade the stiffness by d. Hybrid stress: reassembles the matrix and rebuilds the
    /// preconditioner; split stress: the next solve() assembles the tangent.
    /// @p rebuild false: only record the view (setup() will assemble with it).
    void set_damage(const DamageView &damage, bool rebuild = true);
    /// Whether equilibrium is nonlinear in u: the split stress with a damage field.
    bool nonlinear() const
    {
      return stress_degradation == StressDegradation::split && split_type != StrainEnergySplit::Type::none &&
             damage.values != nullptr;
    }
    /// Newton's method of the split stress, summed over the solves so far.
    struct NewtonStatistics
    {
      unsigned int solves = 0, iterations = 0, maximum = 0, line_search_cuts = 0, linear_iterations = 0;
      unsigned int last = 0; ///< iterations of the last solve
    };
    const NewtonStatistics &newton_statistics() const { return newton; }

    /// distribute_dofs(), then rebuild_operators().
    void setup();
    /// Materials, DoFs, the 3-2-1 or Dirichlet constraints, rigid-body modes
    /// and vectors: what restoring u needs.
    void distribute_dofs();
    /// The stiffness matrix (degraded by the damage view), its AMG and the
    /// unit responses of generalized plane strain.
    void rebuild_operators();
    /// Register u and the two setup halves (ModelState).
    void register_state(StateRegistry<dim, LA> &registry);

    /// Solve equilibrium for the concentration @p c; returns CG iterations.
    unsigned int solve(const ConcentrationView &c);
    /// Make the last solution the accepted one.
    void accept();
    /// Adaptive refinement and restarts (docs/hpc.md): the accepted (and
    /// warm-start) displacement, owned entries on the current DoFs.
    void set_accepted_displacement(const Vector &u);
    const Vector &accepted_displacement() const { return accepted; }

    /// Material-point states at the points @p quadrature of @p cell (a cell
    /// of the common triangulation), for concentrations @p c_values there.
    void evaluate(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                  const dealii::Quadrature<dim>                                 &quadrature,
                  const std::vector<double>                                     &c_values,
                  std::vector<MaterialPointState>                               &states) const;

    /// Reaction force on boundary @p id [N] (per metre of thickness in 2D): the sum of the internal
    /// forces of the last solution at the DoFs of that boundary (collective).
    dealii::Tensor<1, dim> boundary_reaction(dealii::types::boundary_id id, const ConcentrationView &c) const;
    /// Equilibrium residual of the last solution with the current stiffness (after set_damage()),
    /// relative to the internal forces (collective).
    double relative_residual(const ConcentrationView &c) const;

    /// Particle-wide indicators of the last solution (collective).
    MechanicalSummary summary(const ConcentrationView &c) const;
    /// The virtual operando XRD of the last solution: the volume distributions
    /// of a, c and the (003), (104) spacings from the local x and elastic strain
    /// (docs/theory.md [XRD]). Needs 'Chemical strain model = lattice' (collective).
    XrdPattern virtual_xrd(const ConcentrationView &c, const XrdSettings &settings) const;


    const Vector                  &displacement() const { return solution; }
    const dealii::DoFHandler<dim> &get_dof_handler() const { return dof_handler; }
    const dealii::Mapping<dim>    &get_mapping() const { return mapping; }
    dealii::types::global_dof_index n_dofs() const { return dof_handler.n_dofs(); }
    unsigned int                    get_fe_degree() const { return fe.degree; }

    /// Write u, the stress tensor, von Mises, hydrostatic, maximum principal
    /// stress and the chemical strain (projected onto continuous Q_k) to HDF5 + XDMF.
    void write_fields(const ConcentrationView &c, const std::string &directory, unsigned int index, double time,
                      std::vector<dealii::XDMFEntry> &xdmf_entries) const;

  private:
    MPI_Comm                                                 mpi_communicator;
    const dealii::parallel::distributed::Triangulation<dim> &triangulation;
    const MechanicalMaterial                                &material;
    const MechanicsSettings                                  settings;
    dealii::TimerOutput                                     *timer;

    dealii::FESystem<dim>      fe;
    dealii::MappingQCache<dim> mapping;
    dealii::DoFHandler<dim>    dof_handler;
    dealii::IndexSet           locally_owned_dofs, locally_relevant_dofs;
    dealii::AffineConstraints<double> constraints;

    Matrix stiffness_matrix;
    Vector solution;       // ghosted, last solve
    Vector accepted;       // ghosted
    Vector solution_owned; // warm start
    Vector right_hand_side;
    std::vector<Vector> rigid_body_modes; // owned, interpolated
    dealii::SymmetricTensor<4, 3> uniform_stiffness;
    dealii::SymmetricTensor<4, 3> split_tensor; // C_iso : (I - S_Eshelby), for the split's L
    dealii::Tensor<2, 3>          uniform_rotation;
    OrientationFunction           orientation_function;
    std::shared_ptr<const MaterialField<dim>> material_field;
    std::shared_ptr<const dealii::Function<dim>> dirichlet_displacement, body_force;
    struct BoundaryCondition
    {
      dealii::types::boundary_id                   id;
      std::shared_ptr<const dealii::Function<dim>> displacement;
      dealii::ComponentMask                        mask;
    };
    std::vector<BoundaryCondition>           boundary_conditions;
    StrainEnergySplit::Type                  split_type = StrainEnergySplit::Type::none;
    StressDegradation                        stress_degradation = StressDegradation::split;
    NewtonStatistics                         newton;
    std::shared_ptr<const StrainEnergySplit> uniform_split;
    DamageView                               damage;
    // FE_Q(1) values of d, one per distinct point set.
    mutable std::vector<std::unique_ptr<dealii::FEValues<dim>>> damage_values_cache;
    /// phi(x) of the x-dependent stiffness at the volume quadrature points for the
    /// concentration of the last solve() (empty, or of another mesh: 1).
    std::vector<double> stiffness_factors;
    /// With an x-dependent stiffness: g *= phi(x) from @p c_values, or from the
    /// cache (volume quadrature) when @p c_values is null. Li-free cells keep g.
    void apply_stiffness_factor(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                                const std::vector<double> *c_values, std::vector<double> &g) const;
    void update_stiffness_factors(const ConcentrationView &c);
    /// d, clipped to [0, 1], at the points @p quadrature of @p cell (0 without damage).
    void damage_at(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                   const dealii::Quadrature<dim> &quadrature, std::vector<double> &d) const;
    /// g(d) at the points @p quadrature of @p cell (1 without damage).
    void degradation_at(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                        const dealii::Quadrature<dim> &quadrature, std::vector<double> &g) const;
    /// Whether u is held by Dirichlet conditions (no rigid-body removal).
    bool supported() const { return dirichlet_displacement || !boundary_conditions.empty(); }
    void build_preconditioner();
    // Generalized plane strain: u = u_0 + sum_k a_k u_k and the uniform strain
    // sum_k a_k E_k (E_k = e_z e_z, sym(e_x e_z), sym(e_y e_z)), with u_k the response
    // to a unit E_k and N_kl a_l = -N_0k from the forces N_k = int sigma : E_k dA = 0.
    dealii::SymmetricTensor<2, 3>   out_of_plane_strain;
    std::array<Vector, 3>           unit_responses; // owned
    dealii::FullMatrix<double>      unit_forces_inverse;
    bool   uses_generalized_plane_strain() const { return dim == 2 && settings.generalized_plane_strain; }
    static dealii::SymmetricTensor<2, 3> out_of_plane_mode(unsigned int k);
    void   compute_unit_response();
    /// int sigma : E_k dA, k = 0..2, for the displacement @p u (ghosted) with the uniform extra
    /// strain @p extra; c null: no chemical strain. Entry 3: int |sigma| + |g phi C : eps_ch| dA,
    /// the scale of the first three.
    std::array<double, 4> out_of_plane_forces(const Vector &u, const dealii::SymmetricTensor<2, 3> &extra,
                                             const ConcentrationView *c) const;
    /// Solve K x = rhs (the configured solver) into @p x; returns iterations.
    unsigned int solve_linear(Vector &x, const Vector &rhs);
    /// Call @p consumer(cell, internal forces, external forces, chemical-strain load) for each
    /// locally owned cell.
    void for_each_cell_force(
      const ConcentrationView &c,
      const std::function<void(const typename dealii::DoFHandler<dim>::active_cell_iterator &,
                               const dealii::Vector<double> &, const dealii::Vector<double> &,
                               const dealii::Vector<double> &)> &consumer,
      std::array<double, 4> *out_of_plane = nullptr) const;

    std::unique_ptr<LinearSolver<LA>> linear_solver;
    // FEValues reused by evaluate(), one per distinct set of points.
    mutable std::vector<std::unique_ptr<dealii::FEValues<dim>>> evaluation_values;

    /// The material point and its rotated (blended) stiffness.
    struct LocalMaterial
    {
      MaterialPoint                 point;
      dealii::SymmetricTensor<4, 3> stiffness;
      std::shared_ptr<const StrainEnergySplit> split; ///< per point when C varies, else null
    };
    struct MaterialCache
    {
      std::vector<dealii::Point<dim>> reference_points;
      std::vector<LocalMaterial>      values;
      std::vector<bool>               filled;
    };
    // Local materials per (active cell, point) for the few point sets used
    // repeatedly (assembly, transport quadrature); rebuilt by setup().
    mutable std::vector<MaterialCache> material_caches;
    mutable LocalMaterial              uncached_material;

    LocalMaterial compute_local_material(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                                         const dealii::Point<dim>                                         &p) const;
    /// The local material at point @p q of @p fe_values (reinit on @p cell).
    const LocalMaterial &local_material(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                                        const dealii::FEValues<dim> &fe_values, unsigned int q) const;
    bool stores_lithium(const typename dealii::Triangulation<dim>::active_cell_iterator &cell) const
    {
      return !material_field || material_field->stores_lithium(cell);
    }
    /// For a point inside the grain-boundary band: (n.sigma.n [Pa], misorientation [rad]).
    std::optional<std::pair<double, double>>
    grain_boundary_point(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                         const dealii::FEValues<dim> &fe_values, unsigned int q,
                         const dealii::SymmetricTensor<2, 3> &stress) const;
    /// evaluate() with c interpolated from @p c by @p c_fe_values (a FEValues of c's element on @p quadrature).
    void evaluate_with_concentration(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                                     const dealii::Quadrature<dim> &quadrature, const ConcentrationView &c,
                                     dealii::FEValues<dim> &c_fe_values, std::vector<double> &c_values,
                                     std::vector<MaterialPointState> &states) const;
    /// Rank 0 writes gb_stress-NNNNN.csv: every grain-boundary band point (collective).
    void write_grain_boundary_samples(const ConcentrationView &c, const std::string &directory,
                                      unsigned int index) const;
    dealii::SymmetricTensor<2, 3> chemical_strain_at(const LocalMaterial &local, double c) const;
    dealii::SymmetricTensor<2, 3> chemical_strain_derivative_at(const LocalMaterial &local, double c) const;
    dealii::SymmetricTensor<2, 3> chemical_strain_second_derivative_at(const LocalMaterial &local, double c) const;
    void                          make_constraints();
    /// The stiffness g phi C (no @p c, or a linear problem), or the tangent of the split stress at
    /// the current solution and out-of-plane strain for the concentration @p c; then also the
    /// coupling vectors B_k = int eps(phi_i) : C_T : E_k and D_kl = int E_k : C_T : E_l of
    /// generalized plane strain when @p coupling is given.
    void                          assemble_matrix(const ConcentrationView *c = nullptr,
                                                  std::array<Vector, 3>  *coupling = nullptr,
                                                  dealii::FullMatrix<double> *coupling_diagonal = nullptr);
    /// Newton's method with a backtracking line search for the split stress; returns the linear
    /// iterations.
    unsigned int                  solve_newton(const ConcentrationView &c);
    /// The equilibrium residual R = f_int - f_ext of the current solution (owned, constrained
    /// rows 0) and the scale of relative_residual(). Collective.
    /// With @p out_of_plane also out_of_plane_forces() of the current solution and out-of-plane strain.
    std::pair<double, double>     residual(const ConcentrationView &c, Vector &R,
                                           std::array<double, 4> *out_of_plane = nullptr) const;
    /// The local law at a point: the split stress in nonlinear(), else g phi C.
    StressResponse law(const LocalMaterial &local, double g, double phi, const dealii::SymmetricTensor<2, 3> &eps,
                       bool with_tangent, const dealii::SymmetricTensor<2, 3> *direction = nullptr) const;
    /// F for the chemical strain of @p c, or (c null) for the uniform eigenstrain @p eigenstrain alone.
    void                          assemble_rhs(const ConcentrationView *c,
                                               const dealii::SymmetricTensor<2, 3> &eigenstrain = {});
    void                          remove_rigid_body_motion(Vector &u) const;
  };
} // namespace camfrac
