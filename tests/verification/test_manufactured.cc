// SPDX-License-Identifier: LGPL-2.1-or-later
// Manufactured solution of the coupled c-u problem (stress-coupled flux,
// eigenstrain, plane strain) on the unit disk, with the source terms
// generated symbolically by manufactured_solution.py; the convergence rates
// of c (Q1) and u (Q2) in L2 and H1 under uniform refinement.

#include "manufactured_solution.h"

#include <camfrac/coupling/chemo_mechanics.h>
#include <camfrac/microstructure/particle_geometry.h>

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/numerics/vector_tools.h>

#include <gtest/gtest.h>

#include <iostream>

using namespace camfrac;
namespace mms = camfrac::testing::manufactured;

namespace
{
  class ExactConcentration : public dealii::Function<2>
  {
  public:
    double value(const dealii::Point<2> &p, unsigned int = 0) const override { return mms::concentration(p[0], p[1]); }
    dealii::Tensor<1, 2> gradient(const dealii::Point<2> &p, unsigned int = 0) const override
    {
      return dealii::Tensor<1, 2>({mms::concentration_dx(p[0], p[1]), mms::concentration_dy(p[0], p[1])});
    }
  };

  class ExactDisplacement : public dealii::Function<2>
  {
  public:
    ExactDisplacement() : dealii::Function<2>(2) {}
    double value(const dealii::Point<2> &p, unsigned int i) const override
    {
      return i == 0 ? mms::displacement_x(p[0], p[1]) : mms::displacement_y(p[0], p[1]);
    }
    dealii::Tensor<1, 2> gradient(const dealii::Point<2> &p, unsigned int i) const override
    {
      return i == 0 ? dealii::Tensor<1, 2>({mms::displacement_x_dx(p[0], p[1]), mms::displacement_x_dy(p[0], p[1])}) :
                      dealii::Tensor<1, 2>({mms::displacement_y_dx(p[0], p[1]), mms::displacement_y_dy(p[0], p[1])});
    }
  };

  class Source : public dealii::Function<2>
  {
  public:
    explicit Source(bool cahn_hilliard) : cahn_hilliard(cahn_hilliard) {}
    double value(const dealii::Point<2> &p, unsigned int = 0) const override
    {
      return cahn_hilliard ? mms::source_cahn_hilliard(p[0], p[1]) : mms::source(p[0], p[1]);
    }
    bool cahn_hilliard;
  };

  class ExactChemicalPotential : public dealii::Function<2>
  {
  public:
    double value(const dealii::Point<2> &p, unsigned int = 0) const override
    {
      return mms::chemical_potential(p[0], p[1]);
    }
    dealii::Tensor<1, 2> gradient(const dealii::Point<2> &p, unsigned int = 0) const override
    {
      return dealii::Tensor<1, 2>({mms::chemical_potential_dx(p[0], p[1]), mms::chemical_potential_dy(p[0], p[1])});
    }
  };

  class BodyForce : public dealii::Function<2>
  {
  public:
    BodyForce() : dealii::Function<2>(2) {}
    double value(const dealii::Point<2> &p, unsigned int i) const override
    {
      return i == 0 ? mms::body_force_x(p[0], p[1]) : mms::body_force_y(p[0], p[1]);
    }
  };

  struct Errors
  {
    double c_l2, c_h1, u_l2, u_h1;
    unsigned int coupling_iterations;
    double mu_l2 = 0., mu_h1 = 0.;
  };

  // kappa > 0: the mixed (c, mu) formulation with mu = mu_0 - kappa lap c - s.
  Errors solve(const unsigned int refinements, const unsigned int c_degree, const unsigned int u_degree,
               const bool cahn_hilliard = false)
  {
    ParticleGeometry geometry;
    geometry.radius             = 1.;
    geometry.global_refinements = refinements;
    dealii::parallel::distributed::Triangulation<2> tria(MPI_COMM_WORLD);
    geometry.create(tria);

    ElectrodeMaterial material;
    material.maximum_concentration  = mms::c_max;
    material.diffusivity            = MaterialCurve::constant(mms::D);
    material.open_circuit_potential = MaterialCurve::constant(4.0);
    // The manufactured solution (manufactured_solution.py) is derived with M = D c_max x(1-x)/(RT).
    material.mobility_model         = ElectrodeMaterial::MobilityModel::ideal_solution;
    material.temperature            = mms::RT / constants::gas_constant;
    material.gradient_energy_coefficient = cahn_hilliard ? mms::kappa : 0.;
    MechanicalMaterial mechanical;
    mechanical.set_isotropic_elasticity(mms::E, mms::nu);
    mechanical.set_isotropic_chemical_strain(mms::Omega, mms::c_ref / mms::c_max, mms::c_max);

    TransportSettings ts;
    ts.fe_degree             = c_degree;
    ts.butler_volmer         = false;
    ts.initial_stoichiometry = 0.5;
    ts.newton_tolerance      = 1e-11;
    MechanicsSettings ms;
    ms.enabled            = true;
    ms.coupling_tolerance = 1e-12;
    ms.maximum_coupling_iterations = 100;
    ms.linear_solver.tolerance = 1e-12;

    TransportField<2, TrilinosBackend> transport(tria, material, ts, geometry.nominal_volume<2>());
    transport.set_dirichlet_boundary(std::make_shared<ExactConcentration>());
    transport.set_volume_source(std::make_shared<Source>(cahn_hilliard));
    transport.setup();
    MechanicsField<2, TrilinosBackend> mechanics(tria, mechanical, ms, u_degree);
    mechanics.set_dirichlet_boundary(std::make_shared<ExactDisplacement>());
    mechanics.set_body_force(std::make_shared<BodyForce>());
    mechanics.setup();
    ChemoMechanicalModel<2, TrilinosBackend> model(transport, mechanics, ms);
    model.setup();
    // One implicit step of "infinite" length: the steady state.
    const auto r = model.advance(1e12, {Control::Mode::current, 0.});
    EXPECT_TRUE(r.converged);
    model.accept();

    const auto norm = [&](const dealii::DoFHandler<2> &dofs, const dealii::Mapping<2> &mapping, const auto &vector,
                          const dealii::Function<2> &exact, const dealii::VectorTools::NormType type) {
      dealii::Vector<float> cellwise(tria.n_active_cells());
      dealii::VectorTools::integrate_difference(mapping, dofs, vector, exact, cellwise, dealii::QGauss<2>(4), type);
      return dealii::VectorTools::compute_global_error(tria, cellwise, type);
    };
    const ExactConcentration c_exact;
    const ExactDisplacement  u_exact;
    return {norm(transport.get_dof_handler(), transport.get_mapping(), transport.concentration(), c_exact,
                 dealii::VectorTools::L2_norm),
            norm(transport.get_dof_handler(), transport.get_mapping(), transport.concentration(), c_exact,
                 dealii::VectorTools::H1_seminorm),
            norm(mechanics.get_dof_handler(), mechanics.get_mapping(), mechanics.displacement(), u_exact,
                 dealii::VectorTools::L2_norm),
            norm(mechanics.get_dof_handler(), mechanics.get_mapping(), mechanics.displacement(), u_exact,
                 dealii::VectorTools::H1_seminorm),
            r.coupling_iterations,
            cahn_hilliard ? norm(transport.get_dof_handler(), transport.get_mapping(), transport.chemical_potential(),
                                 ExactChemicalPotential(), dealii::VectorTools::L2_norm) :
                            0.,
            cahn_hilliard ? norm(transport.get_dof_handler(), transport.get_mapping(), transport.chemical_potential(),
                                 ExactChemicalPotential(), dealii::VectorTools::H1_seminorm) :
                            0.};
  }

  std::vector<Errors> study(const unsigned int c_degree, const unsigned int u_degree, const unsigned int finest,
                            const bool cahn_hilliard = false)
  {
    std::vector<Errors> errors;
    for (unsigned int k = 2; k <= finest; ++k)
      {
        errors.push_back(solve(k, c_degree, u_degree, cahn_hilliard));
        const auto &e = errors.back();
        std::cout << "  c Q" << c_degree << " / u Q" << u_degree << ", " << k << " refinements: |c|_L2 " << e.c_l2
                  << " |c|_H1 " << e.c_h1 << " |u|_L2 " << e.u_l2 << " |u|_H1 " << e.u_h1;
        if (cahn_hilliard)
          std::cout << " |mu|_L2 " << e.mu_l2 << " |mu|_H1 " << e.mu_h1;
        std::cout << " (coupling iterations " << e.coupling_iterations << ")";
        if (errors.size() > 1)
          {
            const auto &p = errors[errors.size() - 2];
            std::cout << "  rates " << std::log2(p.c_l2 / e.c_l2) << " " << std::log2(p.c_h1 / e.c_h1) << " "
                      << std::log2(p.u_l2 / e.u_l2) << " " << std::log2(p.u_h1 / e.u_h1);
            if (cahn_hilliard)
              std::cout << " " << std::log2(p.mu_l2 / e.mu_l2) << " " << std::log2(p.mu_h1 / e.mu_h1);
          }
        std::cout << std::endl;
      }
    return errors;
  }

  double rate(const std::vector<Errors> &e, double Errors::*field)
  {
    return std::log2(e[e.size() - 2].*field / e.back().*field);
  }
} // namespace

TEST(ManufacturedSolution, CoupledConcentrationQ1DisplacementQ2ConvergeOptimally)
{
  const auto e = study(1, 2, 5);
  EXPECT_NEAR(rate(e, &Errors::c_l2), 2., 0.2);
  EXPECT_NEAR(rate(e, &Errors::c_h1), 1., 0.1);
  // u's L2 error is bounded by the eigenstrain error, i.e. by c's L2 error
  // O(h^2): the optimal rate of the pair is 2 (its H1 rate, 2, is Q2-optimal).
  EXPECT_NEAR(rate(e, &Errors::u_l2), 2., 0.2);
  EXPECT_NEAR(rate(e, &Errors::u_h1), 2., 0.2);
}

TEST(ManufacturedSolution, CoupledEqualOrderQ2)
{
  // Equal order: s = sigma : eps' is one order less accurate than u and c,
  // which the flux term passes on to c: c converges at 2 in L2 and ~0.9 in
  // H1 instead of 3 and 2 (docs/verification.md). Hence the default
  // displacement degree = concentration degree + 1 (at most 2).
  const auto e = study(2, 2, 4);
  EXPECT_GT(rate(e, &Errors::c_l2), 1.8);
  EXPECT_GT(rate(e, &Errors::c_h1), 0.75);
  EXPECT_GT(rate(e, &Errors::u_h1), 1.8);
}

TEST(ManufacturedSolution, MixedCahnHilliardTwoWayConvergesOptimally)
{
  // kappa > 0 with two-way stress coupling (mu = mu_0 - kappa lap c - s,
  // docs/theory.md §3.3): c and mu Q1, u Q2; Dirichlet c and grad c . n from
  // the exact solution.
  // The H1 error of c is still pre-asymptotic on these meshes: its rate
  // falls 1.58, 1.47, 1.21 (refinement 6, docs/verification.md §L.7)
  // towards 1, so only a lower bound is asserted for it.
  const auto e = study(1, 2, 5, true);
  EXPECT_NEAR(rate(e, &Errors::c_l2), 2., 0.2);
  EXPECT_GT(rate(e, &Errors::c_h1), 0.9);
  EXPECT_NEAR(rate(e, &Errors::mu_l2), 2., 0.2);
  EXPECT_NEAR(rate(e, &Errors::mu_h1), 1., 0.1);
  EXPECT_NEAR(rate(e, &Errors::u_l2), 2., 0.2);
  EXPECT_NEAR(rate(e, &Errors::u_h1), 2., 0.2);
}
