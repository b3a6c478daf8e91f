// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Energy splits for phase-field fracture: psi+ + psi- = psi, the stresses are
// the derivatives of the energies, compression stores no crack-driving
// energy, the anisotropic split is orthogonal in the energy norm, and the
// isotropic-only splits refuse an anisotropic stiffness.

#include <camfrac/io/errors.h>
#include <camfrac/material/energy_split.h>
#include <camfrac/material/mechanical_material.h>
#include <camfrac/material/orientation.h>

#include <gtest/gtest.h>

#include <random>

using namespace camfrac;
using dealii::SymmetricTensor;

namespace
{
  SymmetricTensor<4, 3> isotropic_stiffness()
  {
    MechanicalMaterial m;
    m.set_isotropic_elasticity(1.9e11, 0.24);
    return m.stiffness(dealii::Tensor<2, 3>(dealii::unit_symmetric_tensor<3>()));
  }

  SymmetricTensor<4, 3> hexagonal_stiffness()
  {
    MechanicalMaterial m;
    m.set_hexagonal_elasticity(250e9, 80e9, 60e9, 180e9, 60e9);
    return m.stiffness(rotation_from_bunge(0.3, 0.9, 1.7));
  }

  // The LiCrO2 tensor of data/measured (Materials Project), rotated: C14 != 0.
  SymmetricTensor<4, 3> trigonal_stiffness()
  {
    MechanicalMaterial m;
    m.set_trigonal_elasticity(351e9, 106e9, 69e9, -9e9, 203e9, 54e9);
    return m.stiffness(rotation_from_bunge(1.1, 0.6, 0.2));
  }

  enum class Crystal
  {
    isotropic,
    hexagonal,
    trigonal
  };
  constexpr Crystal all_crystals[] = {Crystal::isotropic, Crystal::hexagonal, Crystal::trigonal};
  SymmetricTensor<4, 3> stiffness(const Crystal crystal)
  {
    return crystal == Crystal::isotropic ? isotropic_stiffness() :
           crystal == Crystal::hexagonal ? hexagonal_stiffness() :
                                           trigonal_stiffness();
  }
  const char *name(const Crystal crystal)
  {
    return crystal == Crystal::isotropic ? "isotropic C" :
           crystal == Crystal::hexagonal ? "rotated hexagonal C" :
                                           "rotated trigonal C";
  }

  SymmetricTensor<2, 3> random_strain(std::mt19937_64 &generator)
  {
    SymmetricTensor<2, 3> eps;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = i; j < 3; ++j)
        eps[i][j] = 0.02 * (2. * uniform_01(generator) - 1.);
    return eps;
  }

  const StrainEnergySplit::Type all_types[] = {StrainEnergySplit::Type::none,
                                               StrainEnergySplit::Type::volumetric_deviatoric,
                                               StrainEnergySplit::Type::spectral,
                                               StrainEnergySplit::Type::anisotropic};
  /// Call @p check(crystal, type, C, split) for every split the crystal allows.
  template <typename Check>
  void for_each_allowed_split(const Check &check)
  {
    for (const auto crystal : all_crystals)
      for (const auto type : all_types)
        {
          const bool isotropic_only = type == StrainEnergySplit::Type::volumetric_deviatoric ||
                                      type == StrainEnergySplit::Type::spectral;
          if (crystal != Crystal::isotropic && isotropic_only)
            continue;
          const auto              C = stiffness(crystal);
          const StrainEnergySplit split(type, C);
          check(crystal, type, C, split);
        }
  }
} // namespace

TEST(EnergySplit, PartsAddUpAndStressesAreDerivatives)
{
  std::mt19937_64 generator(3);
  for_each_allowed_split([&](const Crystal crystal, const StrainEnergySplit::Type type, const SymmetricTensor<4, 3> &C,
                             const StrainEnergySplit &split) {
        double                  worst_sum = 0., worst_stress = 0., worst_derivative = 0.;
        for (int k = 0; k < 100; ++k)
          {
            const auto   eps = random_strain(generator);
            const auto   r   = split.evaluate(eps);
            const double psi = 0.5 * (eps * (C * eps));
            worst_sum        = std::max(worst_sum, std::abs(r.positive_energy + r.negative_energy - psi) / psi);
            worst_stress     = std::max(worst_stress, (r.positive_stress + r.negative_stress - C * eps).norm() /
                                                      (C * eps).norm());
            EXPECT_GE(r.positive_energy, 0.);
            EXPECT_GE(r.negative_energy, 0.);
            // d psi+ / d eps by central differences along a random direction.
            const auto   direction = random_strain(generator);
            const double h         = 1e-7;
            const double slope     = (split.evaluate(eps + h * direction).positive_energy -
                                  split.evaluate(eps - h * direction).positive_energy) / (2. * h);
            worst_derivative = std::max(worst_derivative, std::abs(slope - r.positive_stress * direction) /
                                                            ((C * eps).norm() * direction.norm()));
          }
        std::cout << "  " << StrainEnergySplit::name(type) << ", " << name(crystal)
                  << ": |psi+ + psi- - psi|/psi <= " << worst_sum << ", stress sum " << worst_stress
                  << ", d psi+/d eps vs sigma+ " << worst_derivative << std::endl;
        EXPECT_LT(worst_sum, 1e-12);
        EXPECT_LT(worst_stress, 1e-12);
        EXPECT_LT(worst_derivative, 1e-6);
  });
}

TEST(EnergySplit, CompressionDoesNotDriveCracks)
{
  // Hydrostatic pressure p: eps = C^-1 (-p I) for every split.
  for (const auto crystal : all_crystals)
    for (const auto type : {StrainEnergySplit::Type::volumetric_deviatoric, StrainEnergySplit::Type::spectral,
                            StrainEnergySplit::Type::anisotropic})
      {
        if (crystal != Crystal::isotropic && type != StrainEnergySplit::Type::anisotropic)
          continue;
        const auto              C = stiffness(crystal);
        const StrainEnergySplit split(type, C);
        const auto              eps = dealii::invert(C) * (-1e8 * dealii::unit_symmetric_tensor<3>());
        const auto              r   = split.evaluate(eps);
        EXPECT_LT(r.positive_energy, 1e-12 * r.negative_energy) << StrainEnergySplit::name(type);
        // ... and tension of the same size is all crack-driving.
        const auto t = split.evaluate(-eps);
        EXPECT_LT(t.negative_energy, 1e-12 * t.positive_energy) << StrainEnergySplit::name(type);
      }
  // Triaxial compression with unequal principal strains (isotropic C):
  // spectral and anisotropic splits store no psi+; Amor keeps the deviatoric part.
  SymmetricTensor<2, 3> eps;
  eps[0][0] = -0.01, eps[1][1] = -0.004, eps[2][2] = -0.002;
  for (const auto type : {StrainEnergySplit::Type::spectral, StrainEnergySplit::Type::anisotropic})
    EXPECT_EQ(StrainEnergySplit(type, isotropic_stiffness()).evaluate(eps).positive_energy, 0.)
      << StrainEnergySplit::name(type);
}

TEST(EnergySplit, AnisotropicSplitIsOrthogonalInTheEnergyNorm)
{
  std::mt19937_64 generator(8);
  for (const auto crystal : {Crystal::hexagonal, Crystal::trigonal})
  {
  const auto              C = stiffness(crystal);
  const StrainEnergySplit split(StrainEnergySplit::Type::anisotropic, C);
  const auto              C_inverse = dealii::invert(C);
  double                  worst     = 0.;
  for (int k = 0; k < 100; ++k)
    {
      const auto eps = random_strain(generator);
      const auto r   = split.evaluate(eps);
      // eps+- = C^-1 sigma+-: the parts are C-orthogonal, eps+ : C : eps- = sigma+ : C^-1 : sigma- = 0.
      worst = std::max(worst, std::abs(r.positive_stress * (C_inverse * r.negative_stress)) /
                                (0.5 * (eps * (C * eps))));
    }
  std::cout << "  anisotropic split, " << name(crystal) << ": max |eps+ : C : eps-| / psi = " << worst << std::endl;
  EXPECT_LT(worst, 1e-12);
  }
}

TEST(EnergySplit, IsotropicSplitsRefuseAnisotropicStiffness)
{
  EXPECT_TRUE(StrainEnergySplit::is_isotropic(isotropic_stiffness()));
  EXPECT_FALSE(StrainEnergySplit::is_isotropic(hexagonal_stiffness()));
  EXPECT_THROW(StrainEnergySplit(StrainEnergySplit::Type::spectral, hexagonal_stiffness()), InputError);
  EXPECT_THROW(StrainEnergySplit(StrainEnergySplit::Type::volumetric_deviatoric, hexagonal_stiffness()), InputError);
  EXPECT_NO_THROW(StrainEnergySplit(StrainEnergySplit::Type::anisotropic, hexagonal_stiffness()));
  EXPECT_FALSE(StrainEnergySplit::is_isotropic(trigonal_stiffness()));
  EXPECT_THROW(StrainEnergySplit(StrainEnergySplit::Type::spectral, trigonal_stiffness()), InputError);
  EXPECT_NO_THROW(StrainEnergySplit(StrainEnergySplit::Type::anisotropic, trigonal_stiffness()));
  EXPECT_THROW(StrainEnergySplit::from_string("Miehe"), InputError);
}

// The tangent C+ = d sigma+/d eps (Daleckii–Krein for the spectral parts)
// against central differences of sigma+, for every split and crystal, at
// random strains and at strains with repeated eigenvalues (a uniaxial strain,
// two equal principal strains, and eps = 0), where the divided differences
// become derivatives. The split stress law's tangent g C+ + C - C+ follows.
TEST(EnergySplit, TangentIsTheDerivativeOfThePositiveStress)
{
  std::mt19937_64 generator(11);
  for_each_allowed_split([&](const Crystal crystal, const StrainEnergySplit::Type type, const SymmetricTensor<4, 3> &C,
                             const StrainEnergySplit &split) {
        std::vector<SymmetricTensor<2, 3>> strains;
        for (int k = 0; k < 50; ++k)
          strains.push_back(random_strain(generator));
        SymmetricTensor<2, 3> uniaxial, biaxial;
        uniaxial[0][0] = -0.01;
        biaxial[0][0] = biaxial[1][1] = 0.01;
        biaxial[2][2]                 = -0.004;
        strains.push_back(uniaxial);
        strains.push_back(-uniaxial);
        strains.push_back(biaxial);
        double worst = 0., worst_symmetry = 0.;
        for (const auto &eps : strains)
          {
            const auto r = split.evaluate(eps, true);
            for (int k = 0; k < 4; ++k)
              {
                const auto   direction = random_strain(generator);
                const double h         = 1e-8;
                const auto   slope     = (split.evaluate(eps + h * direction).positive_stress -
                                    split.evaluate(eps - h * direction).positive_stress) / (2. * h);
                worst = std::max(worst, (slope - r.positive_tangent * direction).norm() / (C.norm() * direction.norm()));
                // The curvature along a direction without the tangent.
                worst = std::max(worst, std::abs(split.positive_curvature(eps, direction) -
                                                 direction * (r.positive_tangent * direction)) /
                                          (C.norm() * direction.norm() * direction.norm()));
                // Major symmetry: the tangent of an energy.
                const auto other = random_strain(generator);
                worst_symmetry =
                  std::max(worst_symmetry, std::abs(other * (r.positive_tangent * direction) -
                                                    direction * (r.positive_tangent * other)) /
                                             (C.norm() * direction.norm() * other.norm()));
              }
          }
        std::cout << "  " << StrainEnergySplit::name(type) << ", " << name(crystal)
                  << ": |C+ : e - central difference of sigma+| / |C||e| <= " << worst << ", asymmetry "
                  << worst_symmetry << std::endl;
        EXPECT_LT(worst, 1e-6);
        EXPECT_LT(worst_symmetry, 1e-12);
        // At eps = 0 every eigenvalue is 0 and H(0) = 1/2: C+ = C/2 for the spectral splits.
        if (type == StrainEnergySplit::Type::spectral || type == StrainEnergySplit::Type::anisotropic)
          EXPECT_LT((split.evaluate(SymmetricTensor<2, 3>(), true).positive_tangent - 0.5 * C).norm(), 1e-12 * C.norm());
  });
}
