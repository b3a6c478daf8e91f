// SPDX-License-Identifier: LGPL-2.1-or-later
// A particle with transport, mechanics and their coupling (and, when the
// fracture settings say so, the phase field and adaptivity), built by the
// library's ParticleModel from the settings below, as Simulation builds it.
#pragma once

#include <camfrac/coupling/chemo_mechanics.h>
#include <camfrac/coupling/particle_model.h>
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
    FractureSettings                                  fracture_settings;   // off unless enabled before setup()
    AdaptivitySettings                                adaptivity_settings; // off unless enabled before setup()
    std::shared_ptr<MaterialField<dim>>               material_field; // optional, set before setup()
    std::unique_ptr<ParticleModel<dim, LA>>           particle;
    // Observers into `particle` (set by setup()).
    TransportField<dim, LA>                          *transport = nullptr;
    MechanicsField<dim, LA>                          *mechanics = nullptr;
    ChemoMechanicalModel<dim, LA>                    *model     = nullptr;

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
      // A constant U has no thermodynamic mobility (U' = 0): the verification
      // cases use the ideal-solution M = D c_max x(1-x)/(RT) unless they set it.
      material.mobility_model = ElectrodeMaterial::MobilityModel::ideal_solution;
      transport_settings.fe_degree             = degree;
      transport_settings.butler_volmer         = false;
      transport_settings.initial_stoichiometry = 0.5;
      mechanics_settings.enabled               = true;
      mechanical_material.set_isotropic_elasticity(1e11, 0.3);
      mechanical_material.set_isotropic_chemical_strain(3e-6, 0.5, 50000.);
    }

    /// Build the fields (after changing the settings above). The mechanics
    /// degree defaults to the transport degree.
    void setup(const unsigned int mechanics_degree = 0)
    {
      typename ParticleModel<dim, LA>::Description description;
      description.material            = material;
      description.mechanical_material = mechanical_material;
      description.transport           = transport_settings;
      description.mechanics           = mechanics_settings;
      description.mechanics.fe_degree = mechanics_degree == 0 ? transport_settings.fe_degree : mechanics_degree;
      description.fracture            = fracture_settings;
      description.adaptivity          = adaptivity_settings;
      description.material_field      = material_field;
      description.particle_volume     = geometry.nominal_volume<dim>();
      description.initial_level       = geometry.global_refinements;
      particle  = std::make_unique<ParticleModel<dim, LA>>(triangulation, description);
      transport = &particle->transport();
      mechanics = particle->mechanics();
      model     = particle->chemo_mechanics();
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
