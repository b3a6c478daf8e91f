// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The explicit instantiations of src/: every class template is compiled once,
// in its own source file, for dim = 2, 3 (and both linear-algebra backends),
// so that users and tests never instantiate the heavy templates themselves.
// Not installed.
#pragma once

/// Explicit instantiation of a class template <int dim, typename LA> for
/// dim = 2, 3 and both backends; used once per class in src/.
#define CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(class_template)     \
  template class class_template<2, ::camfrac::PETScBackend>;    \
  template class class_template<3, ::camfrac::PETScBackend>;    \
  template class class_template<2, ::camfrac::TrilinosBackend>; \
  template class class_template<3, ::camfrac::TrilinosBackend>

/// Explicit instantiation of a class template <int dim> for dim = 2, 3.
#define CAMFRAC_INSTANTIATE_DIM(class_template) \
  template class class_template<2>;             \
  template class class_template<3>
