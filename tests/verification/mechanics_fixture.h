// SPDX-License-Identifier: LGPL-2.1-or-later
// A particle with transport, mechanics and their coupling, built from the
// library's pieces as a research code would, for the mechanics tests.
#pragma once

#include <camfrac/coupling/chemo_mechanics.h>
#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/quadrature_lib.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace camfrac::testing
{
  template <int dim, typename LA = TrilinosBackend>
  struct CoupledParticle
  {
    ParticleGeometry                                  geometry;
    dealii::parallel::distributed::Triangulation<dim> triangulation;
    ElectrodeMaterial                                 material;
    MechanicalMaterial                                mechanical_material;
    TransportSettings                                 transport_settings;
    MechanicsSettings                                 mechanics_settings;
    std::unique_ptr<TransportField<dim, LA>>          transport;
    std::unique_ptr<MechanicsField<dim, LA>>          mechanics;
    std::unique_ptr<ChemoMechanicalModel<dim, LA>>    model;
    std::shared_ptr<MaterialField<dim>>               material_field; // optional, set before setup()

    /// Constant D, prescribed flux; isotropic E, nu, Omega by default.
    CoupledParticle(const double radius, const unsigned int refinements, const unsigned int degree)
      : triangulation(MPI_COMM_WORLD)
    {
      geometry.radius             = radius;
      geometry.global_refinements = refinements;
      geometry.create(triangulation);
      material.maximum_concentration  = 50000.;
      material.diffusivity            = MaterialCurve::constant(1e-14);
      material.open_circuit_potential = MaterialCurve::constant(4.0);
      transport_settings.fe_degree             = degree;
      transport_settings.butler_volmer         = false;
      transport_settings.initial_stoichiometry = 0.5;
      mechanics_settings.enabled               = true;
      mechanical_material.set_isotropic_elasticity(1e11, 0.3);
      mechanical_material.set_isotropic_chemical_strain(3e-6, 0.5, 50000.);
    }

    /// Build the fields (after changing the settings above).
    void setup(const unsigned int mechanics_degree = 0)
    {
      transport = std::make_unique<TransportField<dim, LA>>(triangulation, material, transport_settings,
                                                           geometry.nominal_volume<dim>());
      transport->set_material_field(material_field);
      transport->setup();
      mechanics = std::make_unique<MechanicsField<dim, LA>>(
        triangulation, mechanical_material, mechanics_settings,
        mechanics_degree == 0 ? transport_settings.fe_degree : mechanics_degree);
      mechanics->set_orientation(material.orientation);
      mechanics->set_material_field(material_field);
      mechanics->setup();
      model = std::make_unique<ChemoMechanicalModel<dim, LA>>(*transport, *mechanics, mechanics_settings);
      model->setup();
    }

    /// Largest |sigma_ij| over the quadrature points of the accepted state
    /// (in-plane components only in 2D, where plane strain leaves sigma_zz).
    double max_abs_stress() const
    {
      return max_over_points([](const MaterialPointState &s) {
        double m = 0.;
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = 0; j < dim; ++j)
            m = std::max(m, std::abs(s.stress[i][j]));
        return m;
      });
    }

    /// max over the quadrature points of f(state), for the accepted c.
    template <typename F>
    double max_over_points(const F &f) const
    {
      const dealii::QGauss<dim>       quadrature(mechanics->get_fe_degree() + 1);
      dealii::FEValues<dim>           c_values(transport->get_mapping(), transport->get_dof_handler().get_fe(),
                                               quadrature, dealii::update_values);
      std::vector<double>             c(quadrature.size());
      std::vector<MaterialPointState> states;
      double                          result = -std::numeric_limits<double>::max();
      for (const auto &cell : transport->get_dof_handler().active_cell_iterators())
        if (cell->is_locally_owned())
          {
            c_values.reinit(cell);
            c_values.get_function_values(transport->concentration(), c);
            mechanics->evaluate(cell, quadrature, c, states);
            for (const auto &s : states)
              result = std::max(result, f(s));
          }
      return dealii::Utilities::MPI::max(result, MPI_COMM_WORLD);
    }
  };
} // namespace camfrac::testing
