// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/mechanical_material.h>
#include <camfrac/microstructure/material_field.h>
#include <camfrac/physics/transport.h>

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

#include <deal.II/fe/fe_values.h>

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
    /// Uniform pressure on the particle surface [Pa] (positive compresses).
    double       external_pressure = 0.;
    bool         direct_solver = false;
    double       linear_tolerance = 1e-10;
    unsigned int maximum_linear_iterations = 1000;

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
    dealii::SymmetricTensor<2, 3> chemical_strain_rate;   ///< d eps_ch / dc [m^3/mol]
    double                        elastic_energy_density = 0.; ///< psi_el [J/m^3]
    double                        volume_ratio = 1.;      ///< det(I + grad u) (in-plane in 2D)
    /// Local stiffness of s = sigma : d eps_ch/dc against c, L [J m^3/mol^2],
    /// for the stabilisation of the c-u split (docs/theory.md §7).
    double                        split_stiffness = 0.;
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
    /// Verification: a body force b(X) [N/m^3] (dim components).
    void set_body_force(std::shared_ptr<const dealii::Function<dim>> force);

    /// DoFs, constraints, stiffness matrix and its preconditioner.
    void setup();

    /// Solve equilibrium for the concentration @p c; returns CG iterations.
    unsigned int solve(const ConcentrationView &c);
    /// Make the last solution the accepted one.
    void accept();

    /// Material-point states at the points @p quadrature of @p cell (a cell
    /// of the common triangulation), for concentrations @p c_values there.
    void evaluate(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                  const dealii::Quadrature<dim>                                 &quadrature,
                  const std::vector<double>                                     &c_values,
                  std::vector<MaterialPointState>                               &states) const;

    /// Particle-wide indicators of the last solution (collective).
    MechanicalSummary summary(const ConcentrationView &c) const;


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

    class Solver;
    std::unique_ptr<Solver> linear_solver;
    // FEValues reused by evaluate(), one per distinct set of points.
    mutable std::vector<std::unique_ptr<dealii::FEValues<dim>>> evaluation_values;

    /// The material point and its rotated (blended) stiffness.
    struct LocalMaterial
    {
      MaterialPoint                 point;
      dealii::SymmetricTensor<4, 3> stiffness;
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
    void                          make_constraints();
    void                          assemble_matrix();
    void                          assemble_rhs(const ConcentrationView &c);
    void                          remove_rigid_body_motion(Vector &u) const;
  };
} // namespace camfrac
