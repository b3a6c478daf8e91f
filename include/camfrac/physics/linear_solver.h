// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/io/parameter_file.h>
#include <camfrac/physics/linear_algebra.h>
#include <camfrac/physics/preconditioner_reuse.h>

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/timer.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace camfrac
{
  /**
   * The settings of one field's linear solver, read from the subsection
   * `Linear solver` of that field's section (docs/hpc.md "Solvers"). Each
   * field passes its own defaults, so that the declared default and the
   * struct's default are one value.
   */
  struct LinearSolverSettings
  {
    enum class Method
    {
      amg,   ///< a Krylov method preconditioned by algebraic multigrid
      direct ///< MUMPS (PETSc, or Trilinos Amesos)
    };
    Method       method = Method::amg;
    double       tolerance = 1e-10;        ///< relative residual reduction [-]
    unsigned int maximum_iterations = 500; ///< Krylov iteration limit [-]
    /// Keep the AMG across solves with changed matrices while the iteration
    /// count stays low (PreconditionerReuse); false: rebuild for every solve.
    bool reuse_preconditioner = true;

    bool direct() const { return method == Method::direct; }

    /// Declare subsection `Linear solver` inside the current section;
    /// @p krylov names the field's method in the documentation.
    static void declare_parameters(dealii::ParameterHandler &prm, const LinearSolverSettings &defaults,
                                   const std::string &krylov);
    /// Read subsection `Linear solver` inside the current section.
    void parse_parameters(dealii::ParameterHandler &prm);

    /// The entries `Linear solver`, `Linear tolerance`, `Maximum linear
    /// iterations` and `Reuse preconditioner` that older files set directly in
    /// @p section: parse_parameter_input() moves them into the subsection.
    static std::vector<MovedEntry> moved_entries(const std::string &section);
  };

  /// A linear solve that failed (no convergence, breakdown, AMG setup on NaN).
  class LinearSolverFailure : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /**
   * What a field tells the solver about its operator: the Krylov method, the
   * AMG parameters per backend, and whether the solve starts from the given
   * vector. These are properties of the discrete operator, not user input.
   */
  struct LinearOperatorTraits
  {
    enum class Krylov
    {
      cg,
      gmres
    };
    enum class Preconditioner
    {
      amg,    ///< algebraic multigrid (ML, BoomerAMG or GAMG)
      jacobi, ///< point Jacobi, for well-conditioned operators such as mass matrices
      /// H2^-1 diag(w) H1^-1 for an operator close to the product
      /// H1 diag(w)^-1 H2 of two second-order operators (the Cahn–Hilliard
      /// Jacobian, docs/theory.md §3.3 "solver"), each inverse an
      /// AMG-preconditioned CG solve to product_inner_tolerance, inside
      /// flexible GMRES. The field supplies the factors (set_product_factors).
      product
    };
    Krylov         krylov         = Krylov::cg;
    Preconditioner preconditioner = Preconditioner::amg;
    unsigned int gmres_restart = 50;
    /// Relative residual reduction of the inner solves of the product preconditioner.
    double product_inner_tolerance = 1e-2;
    /// Start the Krylov method from the vector passed in (else from zero).
    bool warm_start = false;
    /// Growth factor of the reuse policy; infinity for a matrix that stays
    /// the same between rebuilds.
    double reuse_growth = 1.5;
    // Trilinos ML
    bool         higher_order_elements    = false;
    unsigned int ml_smoother_sweeps       = 2;
    double       ml_aggregation_threshold = 0.02;
    // hypre BoomerAMG (PETSc, scalar fields)
    double       boomeramg_strong_threshold              = 0.25;
    unsigned int boomeramg_aggressive_coarsening_levels  = 0;
    // GAMG (PETSc, fields with a near-null space)
    double gamg_threshold = 0.02;
  };

  /**
   * One field's linear solver (docs/architecture.md "One solver component"):
   * AMG-preconditioned CG or GMRES, with an optional near-null space (the
   * rigid-body modes of elasticity), Jacobi-preconditioned CG for mass
   * matrices, or MUMPS; the AMG reuse policy; the
   * retry with a fresh AMG after a failed solve with an older one; and every
   * difference between the PETSc and Trilinos backends. Timer sections are
   * "<name>: AMG setup" and "<name>: linear solve".
   */
  template <typename LA>
  class LinearSolver
  {
  public:
    using Vector = typename LA::Vector;
    using Matrix = typename LA::SparseMatrix;

    LinearSolver(MPI_Comm communicator, const LinearSolverSettings &settings, const LinearOperatorTraits &traits,
                 const std::string &name, dealii::TimerOutput *timer);
    ~LinearSolver();

    /// Vectors the AMG must represent exactly (smoothed aggregation for
    /// systems), with @p block_size unknowns per node. Set before the next build.
    void set_near_null_space(const std::vector<Vector> &modes, unsigned int block_size);

    /// The factors of a product preconditioner: P = H1 diag(w)^-1 H2, so
    /// that P^-1 = H2^-1 diag(w) H1^-1 (each inverse one AMG V-cycle).
    struct ProductFactors
    {
      const Matrix *first   = nullptr; ///< H1 (symmetric positive definite)
      const Vector *weights = nullptr; ///< w
      const Matrix *second  = nullptr; ///< H2 (symmetric positive definite)
    };
    /// How the field assembles the factors at its current linearization; the
    /// solver calls it whenever the reuse policy rebuilds the preconditioner.
    /// The matrices must stay unchanged until the next call.
    void set_product_factors(std::function<ProductFactors()> factors) { product_factors = std::move(factors); }

    /// The matrix changed structurally, or its values changed so much that
    /// the preconditioner must be rebuilt before the next solve.
    void matrix_changed();

    /// Build the AMG of @p A if the reuse policy asks for it (no-op for direct).
    void update_preconditioner(const Matrix &A);

    /**
     * Solve A x = b to the relative tolerance. With a reused AMG, a failure
     * rebuilds it and solves again from zero. Throws LinearSolverFailure.
     * Returns the Krylov iterations (those of the retry, if any).
     */
    unsigned int solve(const Matrix &A, Vector &x, const Vector &b);

    const LinearSolverSettings &get_settings() const { return settings; }
    /// AMG builds so far.
    unsigned int number_of_builds() const { return reuse.number_of_builds(); }

  private:
    void         build(const Matrix &A);
    unsigned int krylov(const Matrix &A, Vector &x, const Vector &b, double rhs_norm);
    unsigned int direct(const Matrix &A, Vector &x, const Vector &b, double rhs_norm);

    MPI_Comm             communicator;
    LinearSolverSettings settings;
    LinearOperatorTraits traits;
    std::string          name;
    dealii::TimerOutput *timer;
    PreconditionerReuse  reuse;
    std::vector<Vector>  near_null_space;
    unsigned int         block_size = 1;
    std::function<ProductFactors()> product_factors;

    class Implementation; // the backend's preconditioner objects
    std::unique_ptr<Implementation> implementation;
  };
} // namespace camfrac
