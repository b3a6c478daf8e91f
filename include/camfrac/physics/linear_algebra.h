// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

namespace camfrac
{
  /// The linear-algebra backend: deal.II's PETSc or Trilinos wrappers.
  enum class Backend
  {
    petsc,
    trilinos
  };

  /// Type bundle for the PETSc backend (hypre BoomerAMG, MUMPS).
  struct PETScBackend
  {
    using Vector       = dealii::PETScWrappers::MPI::Vector;
    using SparseMatrix = dealii::PETScWrappers::MPI::SparseMatrix;
  };

  /// Type bundle for the Trilinos backend (ML AMG, MUMPS through Amesos).
  struct TrilinosBackend
  {
    using Vector       = dealii::TrilinosWrappers::MPI::Vector;
    using SparseMatrix = dealii::TrilinosWrappers::SparseMatrix;
  };
} // namespace camfrac
