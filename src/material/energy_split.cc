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

    // H(x) = d<x>+/dx, with H(0) = 1/2 (the mean of the one-sided derivatives).
    double heaviside(const double x) { return x > 0. ? 1. : x < 0. ? 0. : 0.5; }

    Eigen::Matrix3d to_matrix(const SymmetricTensor<2, 3> &t)
    {
      Eigen::Matrix3d m;
      for (unsigned int i = 0; i < 3; ++i)
        for (unsigned int j = 0; j < 3; ++j)
          m(i, j) = t[i][j];
      return m;
    }

    SymmetricTensor<2, 3> from_matrix(const Eigen::Matrix3d &m)
    {
      SymmetricTensor<2, 3> t;
      for (unsigned int i = 0; i < 3; ++i)
        for (unsigned int j = i; j < 3; ++j)
          t[i][j] = 0.5 * (m(i, j) + m(j, i));
      return t;
    }

    // Spectral parts of a symmetric tensor: sum <e_i>+- n_i (x) n_i, and on
    // request the 6 x 6 Mandel matrix of d(sum <e_i>+ n_i (x) n_i)/dt by the
    // Daleckii–Krein formula: in the eigenbasis, entry (i, j) of a direction
    // is multiplied by (<l_i>+ - <l_j>+)/(l_i - l_j), or H((l_i + l_j)/2) when
    // the eigenvalues coincide to round-off.
    std::pair<SymmetricTensor<2, 3>, SymmetricTensor<2, 3>>
    spectral_parts(const SymmetricTensor<2, 3> &t, Eigen::Matrix<double, 6, 6> *derivative = nullptr)
    {
      const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(to_matrix(t));
      const Eigen::Matrix3d &Q = solver.eigenvectors();
      const Eigen::Vector3d &l = solver.eigenvalues();
      const SymmetricTensor<2, 3> p = from_matrix(Q * l.unaryExpr(&positive).asDiagonal() * Q.transpose());
      if (derivative != nullptr)
        {
          const double    coincide = 1e-12 * l.cwiseAbs().maxCoeff();
          Eigen::Matrix3d divided;
          for (unsigned int i = 0; i < 3; ++i)
            for (unsigned int j = 0; j < 3; ++j)
              divided(i, j) = std::abs(l(i) - l(j)) > coincide ?
                                (positive(l(i)) - positive(l(j))) / (l(i) - l(j)) :
                                heaviside(0.5 * (l(i) + l(j)));
          for (unsigned int k = 0; k < 6; ++k)
            {
              Eigen::Matrix<double, 6, 1> e = Eigen::Matrix<double, 6, 1>::Zero();
              e(k)                          = 1.;
              const Eigen::Matrix3d direction = Q.transpose() * to_matrix(from_mandel(e)) * Q;
              derivative->col(k) = to_mandel(from_matrix(Q * divided.cwiseProduct(direction) * Q.transpose()));
            }
        }
      return {p, t - p};
    }

    // sum_ij Gamma_ij (Q^T e Q)_ij^2 with the divided differences Gamma of spectral_parts(): the
    // curvature e : P+'(t) : e of the positive spectral part along e.
    double spectral_curvature(const SymmetricTensor<2, 3> &t, const SymmetricTensor<2, 3> &e)
    {
      const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(to_matrix(t));
      const Eigen::Matrix3d &Q        = solver.eigenvectors();
      const Eigen::Vector3d &l        = solver.eigenvalues();
      const double           coincide = 1e-12 * l.cwiseAbs().maxCoeff();
      const Eigen::Matrix3d  rotated  = Q.transpose() * to_matrix(e) * Q;
      double                 sum      = 0.;
      for (unsigned int i = 0; i < 3; ++i)
        for (unsigned int j = 0; j < 3; ++j)
          sum += (std::abs(l(i) - l(j)) > coincide ? (positive(l(i)) - positive(l(j))) / (l(i) - l(j)) :
                                                     heaviside(0.5 * (l(i) + l(j)))) *
                 rotated(i, j) * rotated(i, j);
      return sum;
    }

    SymmetricTensor<4, 3> to_tensor(const Eigen::Matrix<double, 6, 6> &M)
    {
      mandel::Matrix m;
      for (unsigned int k = 0; k < 6; ++k)
        for (unsigned int l = 0; l < 6; ++l)
          m[k][l] = M(k, l);
      return mandel::tensor(m);
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

  StrainEnergySplit::Result StrainEnergySplit::evaluate(const SymmetricTensor<2, 3> &eps, const bool with_tangent) const
  {
    Result       r;
    const double tr = dealii::trace(eps);
    const auto   I  = dealii::unit_symmetric_tensor<3>();
    const auto   II = dealii::outer_product(I, I);
    Eigen::Matrix<double, 6, 6> derivative;
    switch (type)
      {
        case Type::none:
          r.positive_stress = stiffness * eps;
          r.positive_energy = 0.5 * (eps * r.positive_stress);
          if (with_tangent)
            r.positive_tangent = stiffness;
          break;
        case Type::volumetric_deviatoric:
          {
            const SymmetricTensor<2, 3> dev = dealii::deviator(eps);
            r.positive_energy = 0.5 * bulk_modulus * positive(tr) * positive(tr) + shear_modulus * (dev * dev);
            r.negative_energy = 0.5 * bulk_modulus * negative(tr) * negative(tr);
            r.positive_stress = bulk_modulus * positive(tr) * I + 2. * shear_modulus * dev;
            r.negative_stress = bulk_modulus * negative(tr) * I;
            if (with_tangent)
              r.positive_tangent = bulk_modulus * heaviside(tr) * II +
                                   2. * shear_modulus * (dealii::identity_tensor<3>() - II / 3.);
            break;
          }
        case Type::spectral:
          {
            const double lambda      = bulk_modulus - 2. / 3. * shear_modulus;
            const auto [plus, minus] = spectral_parts(eps, with_tangent ? &derivative : nullptr);
            r.positive_energy = 0.5 * lambda * positive(tr) * positive(tr) + shear_modulus * (plus * plus);
            r.negative_energy = 0.5 * lambda * negative(tr) * negative(tr) + shear_modulus * (minus * minus);
            r.positive_stress = lambda * positive(tr) * I + 2. * shear_modulus * plus;
            r.negative_stress = lambda * negative(tr) * I + 2. * shear_modulus * minus;
            if (with_tangent)
              r.positive_tangent = lambda * heaviside(tr) * II + 2. * shear_modulus * to_tensor(derivative);
            break;
          }
        case Type::anisotropic:
          {
            Eigen::Matrix<double, 6, 6> R;
            for (unsigned int k = 0; k < 6; ++k)
              for (unsigned int l = 0; l < 6; ++l)
                R(k, l) = root[k][l];
            const Eigen::Matrix<double, 6, 1> scaled = R * to_mandel(eps);
            const auto [plus, minus] = spectral_parts(from_mandel(scaled), with_tangent ? &derivative : nullptr);
            const Eigen::Matrix<double, 6, 1> p = to_mandel(plus), m = to_mandel(minus);
            r.positive_energy = 0.5 * p.squaredNorm();
            r.negative_energy = 0.5 * m.squaredNorm();
            // d(1/2 |A+|^2)/dA = A+, and d eps~/d eps = C^(1/2) (symmetric).
            r.positive_stress = from_mandel(R * p);
            r.negative_stress = from_mandel(R * m);
            if (with_tangent)
              r.positive_tangent = to_tensor(R * derivative * R);
            break;
          }
      }
    return r;
  }

  double StrainEnergySplit::positive_curvature(const SymmetricTensor<2, 3> &eps, const SymmetricTensor<2, 3> &e) const
  {
    const double tr = dealii::trace(eps), tr_e = dealii::trace(e);
    switch (type)
      {
        case Type::none:
          return e * (stiffness * e);
        case Type::volumetric_deviatoric:
          {
            const SymmetricTensor<2, 3> dev = dealii::deviator(e);
            return bulk_modulus * heaviside(tr) * tr_e * tr_e + 2. * shear_modulus * (dev * dev);
          }
        case Type::spectral:
          return (bulk_modulus - 2. / 3. * shear_modulus) * heaviside(tr) * tr_e * tr_e +
                 2. * shear_modulus * spectral_curvature(eps, e);
        case Type::anisotropic:
          {
            Eigen::Matrix<double, 6, 6> R;
            for (unsigned int k = 0; k < 6; ++k)
              for (unsigned int l = 0; l < 6; ++l)
                R(k, l) = root[k][l];
            return spectral_curvature(from_mandel(R * to_mandel(eps)), from_mandel(R * to_mandel(e)));
          }
      }
    return 0.;
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
