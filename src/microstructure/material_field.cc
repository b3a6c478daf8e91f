// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// MaterialField: the microstructure combined with the material laws, queried per point.

#include <camfrac/io/errors.h>
#include <camfrac/material/orientation.h>
#include <camfrac/microstructure/material_field.h>
#include <camfrac/microstructure/microstructure.h>

#include "../instantiation.h"

#include <deal.II/distributed/tria.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_in.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/manifold_lib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace camfrac
{
  using namespace dealii;

  // ------------------------------------------------------------ MaterialField
  template <int dim>
  MaterialField<dim>::MaterialField(std::shared_ptr<const Microstructure<dim>> microstructure,
                                    const ElectrodeMaterial                   &core,
                                    const MechanicalMaterial                  &core_mechanics)
    : structure(std::move(microstructure))
    , core(core)
    , core_mechanics(core_mechanics)
  {}

  template <int dim>
  void MaterialField<dim>::set_shell(const ElectrodeMaterial &shell_material, const MechanicalMaterial &mechanics)
  {
    if (std::abs(shell_material.maximum_concentration - core.maximum_concentration) >
        1e-9 * core.maximum_concentration)
      throw InputError("parameter 'Microstructure/Composition/Shell material': its maximum concentration (" +
                       std::to_string(shell_material.maximum_concentration) + " mol/m^3) differs from the core's (" +
                       std::to_string(core.maximum_concentration) +
                       " mol/m^3). camfrac transports one concentration c, so both must share c_max");
    shell.emplace(shell_material);
    shell_mechanics.emplace(mechanics);
    surface_shell_fraction = structure->composition().shell_fraction(structure->composition().particle_radius);
  }

  template <int dim>
  void MaterialField<dim>::set_coating(const MechanicalMaterial &material)
  {
    coating.emplace(material);
  }

  template <int dim>
  void MaterialField<dim>::set_matrix(const MechanicalMaterial &material)
  {
    matrix.emplace(material);
  }

  template <int dim>
  const MechanicalMaterial &MaterialField<dim>::inert_material(const Region region) const
  {
    const auto &material = region == Region::coating ? coating : matrix;
    if (!material)
      throw InputError(std::string("the mesh has a ") + (region == Region::coating ? "coating" : "matrix") +
                       " region but no material was set for it");
    return *material;
  }

  namespace
  {
    // (1 - w) law(core) + w law(shell), docs/theory.md (MS-3); the core
    // alone without a shell or where w = 0.
    template <typename Material, typename Law>
    auto blend(const Material &core, const std::optional<Material> &shell, const double w, Law &&law)
    {
      const double weight = shell ? w : 0.;
      auto         value  = (1. - weight) * law(core);
      if (weight > 0.)
        value += weight * law(*shell);
      return value;
    }
  } // namespace

  template <int dim>
  Tensor<2, dim> MaterialField<dim>::diffusivity_tensor(const MaterialPoint &point, const double x) const
  {
    return blend(core, shell, point.shell_fraction,
                 [&](const ElectrodeMaterial &m) { return m.diffusivity_tensor<dim>(x, point.rotation); });
  }

  template <int dim>
  Tensor<2, dim> MaterialField<dim>::diffusivity_tensor_derivative(const MaterialPoint &point, const double x) const
  {
    return blend(core, shell, point.shell_fraction,
                 [&](const ElectrodeMaterial &m) { return m.diffusivity_tensor_derivative<dim>(x, point.rotation); });
  }

  template <int dim>
  ElectrodeMaterial::Mobility MaterialField<dim>::mobility_factor(const MaterialPoint &point, const double x,
                                                                  const bool with_derivative) const
  {
    return blend(core, shell, point.shell_fraction,
                 [&](const ElectrodeMaterial &m) { return m.mobility_factor(x, with_derivative); });
  }

  template <int dim>
  ElectrodeMaterial::ChemicalPotential MaterialField<dim>::chemical_potential(const MaterialPoint &point,
                                                                             const double         x) const
  {
    return blend(core, shell, point.shell_fraction,
                 [&](const ElectrodeMaterial &m) { return m.chemical_potential(x); });
  }

  template <int dim>
  SymmetricTensor<4, 3> MaterialField<dim>::stiffness(const MaterialPoint &point) const
  {
    if (point.region != Region::active)
      return inert_material(point.region).stiffness(Tensor<2, 3>(unit_symmetric_tensor<3>()));
    return blend(core_mechanics, shell_mechanics, point.shell_fraction,
                 [&](const MechanicalMaterial &m) { return m.stiffness(point.rotation); });
  }

  template <int dim>
  SymmetricTensor<2, 3> MaterialField<dim>::chemical_strain(const MaterialPoint &point, const double c) const
  {
    if (point.region != Region::active)
      return {};
    return blend(core_mechanics, shell_mechanics, point.shell_fraction,
                 [&](const MechanicalMaterial &m) { return m.chemical_strain(c, point.rotation); });
  }

  template <int dim>
  SymmetricTensor<2, 3> MaterialField<dim>::chemical_strain_derivative(const MaterialPoint &point, const double c) const
  {
    if (point.region != Region::active)
      return {};
    return blend(core_mechanics, shell_mechanics, point.shell_fraction,
                 [&](const MechanicalMaterial &m) { return m.chemical_strain_derivative(c, point.rotation); });
  }

  template <int dim>
  SymmetricTensor<2, 3> MaterialField<dim>::chemical_strain_second_derivative(const MaterialPoint &point,
                                                                             const double         c) const
  {
    if (point.region != Region::active)
      return {};
    return blend(core_mechanics, shell_mechanics, point.shell_fraction,
                 [&](const MechanicalMaterial &m) { return m.chemical_strain_second_derivative(c, point.rotation); });
  }

  template <int dim>
  double MaterialField<dim>::open_circuit_potential(const double x) const
  {
    return blend(core, shell, surface_shell_fraction,
                 [&](const ElectrodeMaterial &m) { return m.open_circuit_potential.value(x); });
  }

  template <int dim>
  double MaterialField<dim>::open_circuit_potential_derivative(const double x) const
  {
    return blend(core, shell, surface_shell_fraction,
                 [&](const ElectrodeMaterial &m) { return m.open_circuit_potential.derivative(x); });
  }

  template <int dim>
  double MaterialField<dim>::exchange_current_density(const double cs) const
  {
    return blend(core, shell, surface_shell_fraction,
                 [&](const ElectrodeMaterial &m) { return m.exchange_current_density(cs); });
  }

  template <int dim>
  double MaterialField<dim>::exchange_current_density_derivative(const double cs) const
  {
    return blend(core, shell, surface_shell_fraction,
                 [&](const ElectrodeMaterial &m) { return m.exchange_current_density_derivative(cs); });
  }

  CAMFRAC_INSTANTIATE_DIM(MaterialField);
} // namespace camfrac
