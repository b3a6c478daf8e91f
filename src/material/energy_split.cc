// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Elastic energy splits for phase-field fracture (docs/theory.md §11).

#include <camfrac/io/errors.h>
#include <camfrac/material/energy_split.h>
#include <camfrac/material/mandel.h>

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>

namespace camfrac
{
  using dealii::SymmetricTensor;

  namespace
  {
    using mandel::factor;
    using mandel::row;
    using mandel::column;

    Eigen::Matrix<double, 6, 1> to_mandel(const SymmetricTensor<2, 3> &t)
    {
      Eigen::Matrix<double, 6, 1> v;
      for (unsigned int k = 0; k < 6; ++k)
        v(k) = factor(k) * t[row[k]][column[k]];
      return v;
    }

    SymmetricTensor<2, 3> from_mandel(const Eigen::Matrix<double, 6, 1> &v)
    {
      SymmetricTensor<2, 3> t;
      for (unsigned int k = 0; k < 6; ++k)
        t[row[k]][column[k]] = v(k) / factor(k);
      return t;
    }

    double positive(const double x) { return std::max(x, 0.); }
    double negative(const double x) { return std::min(x, 0.); }

    // Spectral parts of a symmetric tensor: sum <e_i>+- n_i (x) n_i.
    std::pair<SymmetricTensor<2, 3>, SymmetricTensor<2, 3>> spectral_parts(const SymmetricTensor<2, 3> &t)
    {
      Eigen::Matrix3d m;
      for (unsigned int i = 0; i < 3; ++i)
        for (unsigned int j = 0; j < 3; ++j)
          m(i, j) = t[i][j];
      const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(m);
      const Eigen::Matrix3d plus =
        solver.eigenvectors() * solver.eigenvalues().unaryExpr(&positive).asDiagonal() * solver.eigenvectors().transpose();
      SymmetricTensor<2, 3> p;
      for (unsigned int i = 0; i < 3; ++i)
        for (unsigned int j = i; j < 3; ++j)
          p[i][j] = plus(i, j);
      return {p, t - p};
    }
  } // namespace

  StrainEnergySplit::StrainEnergySplit(const Type type, const SymmetricTensor<4, 3> &stiffness)
    : type(type)
    , stiffness(stiffness)
  {
    double trace_trace = 0., full_trace = 0.;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        {
          trace_trace += stiffness[i][i][j][j];
          full_trace += stiffness[i][j][i][j];
        }
    bulk_modulus  = trace_trace / 9.;
    shear_modulus = (full_trace - trace_trace / 3.) / 10.;
    if ((type == Type::volumetric_deviatoric || type == Type::spectral) && !is_isotropic(stiffness))
      throw InputError("the '" + name(type) +
                       "' energy split assumes isotropic elasticity, but the stiffness is anisotropic (hexagonal, "
                       "trigonal or rotated). Use the 'anisotropic' split (He & Shao 2019) or 'none'");

    const mandel::Matrix        M = mandel::matrix(stiffness);
    Eigen::Matrix<double, 6, 6> C;
    for (unsigned int k = 0; k < 6; ++k)
      for (unsigned int l = 0; l < 6; ++l)
        C(k, l) = M[k][l];
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix<double, 6, 6>> solver(C);
    if (solver.eigenvalues().minCoeff() <= 0.)
      throw InputError("the stiffness used by the energy split is not positive definite");
    const Eigen::Matrix<double, 6, 6> R =
      solver.eigenvectors() * solver.eigenvalues().cwiseSqrt().asDiagonal() * solver.eigenvectors().transpose();
    for (unsigned int k = 0; k < 6; ++k)
      for (unsigned int l = 0; l < 6; ++l)
        root[k][l] = R(k, l);
  }

  bool StrainEnergySplit::is_isotropic(const SymmetricTensor<4, 3> &C)
  {
    double trace_trace = 0., full_trace = 0.;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        {
          trace_trace += C[i][i][j][j];
          full_trace += C[i][j][i][j];
        }
    const double K = trace_trace / 9., mu = (full_trace - trace_trace / 3.) / 10.;
    const auto   I = dealii::unit_symmetric_tensor<3>();
    const SymmetricTensor<4, 3> isotropic =
      (K - 2. / 3. * mu) * dealii::outer_product(I, I) + 2. * mu * dealii::identity_tensor<3>();
    return (C - isotropic).norm() <= 1e-10 * C.norm();
  }

  StrainEnergySplit::Result StrainEnergySplit::evaluate(const SymmetricTensor<2, 3> &eps) const
  {
    Result       r;
    const double tr = dealii::trace(eps);
    const auto   I  = dealii::unit_symmetric_tensor<3>();
    switch (type)
      {
        case Type::none:
          r.positive_stress = stiffness * eps;
          r.positive_energy = 0.5 * (eps * r.positive_stress);
          break;
        case Type::volumetric_deviatoric:
          {
            const SymmetricTensor<2, 3> dev = dealii::deviator(eps);
            r.positive_energy = 0.5 * bulk_modulus * positive(tr) * positive(tr) + shear_modulus * (dev * dev);
            r.negative_energy = 0.5 * bulk_modulus * negative(tr) * negative(tr);
            r.positive_stress = bulk_modulus * positive(tr) * I + 2. * shear_modulus * dev;
            r.negative_stress = bulk_modulus * negative(tr) * I;
            break;
          }
        case Type::spectral:
          {
            const double lambda      = bulk_modulus - 2. / 3. * shear_modulus;
            const auto [plus, minus] = spectral_parts(eps);
            r.positive_energy = 0.5 * lambda * positive(tr) * positive(tr) + shear_modulus * (plus * plus);
            r.negative_energy = 0.5 * lambda * negative(tr) * negative(tr) + shear_modulus * (minus * minus);
            r.positive_stress = lambda * positive(tr) * I + 2. * shear_modulus * plus;
            r.negative_stress = lambda * negative(tr) * I + 2. * shear_modulus * minus;
            break;
          }
        case Type::anisotropic:
          {
            Eigen::Matrix<double, 6, 6> R;
            for (unsigned int k = 0; k < 6; ++k)
              for (unsigned int l = 0; l < 6; ++l)
                R(k, l) = root[k][l];
            const Eigen::Matrix<double, 6, 1> scaled = R * to_mandel(eps);
            const auto [plus, minus]                 = spectral_parts(from_mandel(scaled));
            const Eigen::Matrix<double, 6, 1> p = to_mandel(plus), m = to_mandel(minus);
            r.positive_energy = 0.5 * p.squaredNorm();
            r.negative_energy = 0.5 * m.squaredNorm();
            // d(1/2 |A+|^2)/dA = A+, and d eps~/d eps = C^(1/2) (symmetric).
            r.positive_stress = from_mandel(R * p);
            r.negative_stress = from_mandel(R * m);
            break;
          }
      }
    return r;
  }

  StrainEnergySplit::Type StrainEnergySplit::from_string(const std::string &name)
  {
    if (name == "volumetric-deviatoric")
      return Type::volumetric_deviatoric;
    if (name == "spectral")
      return Type::spectral;
    if (name == "anisotropic")
      return Type::anisotropic;
    if (name == "none")
      return Type::none;
    throw InputError("unknown energy split '" + name + "' (none | volumetric-deviatoric | spectral | anisotropic)");
  }

  std::string StrainEnergySplit::name(const Type type)
  {
    switch (type)
      {
        case Type::none:
          return "none";
        case Type::volumetric_deviatoric:
          return "volumetric-deviatoric";
        case Type::spectral:
          return "spectral";
        case Type::anisotropic:
          return "anisotropic";
      }
    return "none";
  }
} // namespace camfrac
