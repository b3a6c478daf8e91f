// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/material/electrode_material.h>
#include <camfrac/material/mechanical_material.h>
#include <camfrac/microstructure/microstructure.h>

#include <deal.II/base/symmetric_tensor.h>

#include <memory>
#include <optional>

namespace camfrac
{
  /**
   * The material at every point of a particle: the microstructure (grains,
   * orientations, composition, regions) combined with the material laws.
   * It is the one object the fields ask for local properties
   * (docs/theory.md §10):
   * - D, C and the chemical strain rotate with the local crystal orientation;
   * - with a composition profile, the core and shell laws blend linearly with
   *   the shell fraction w: D = (1-w) D_core + w D_shell, and likewise C,
   *   eps_ch, U and i_0 (U and i_0 at the particle surface, where w = w(R));
   * - the coating and the matrix are isotropic elastic, bonded, store no Li
   *   and have no chemical strain.
   */
  template <int dim>
  class MaterialField
  {
  public:
    MaterialField(std::shared_ptr<const Microstructure<dim>> microstructure,
                  const ElectrodeMaterial                   &core,
                  const MechanicalMaterial                  &core_mechanics);

    /// The shell material of a core–shell or gradient composition. The two
    /// materials must share c_max (the transport unknown is c).
    void set_shell(const ElectrodeMaterial &shell, const MechanicalMaterial &shell_mechanics);
    void set_coating(const MechanicalMaterial &coating);
    void set_matrix(const MechanicalMaterial &matrix);

    const Microstructure<dim> &microstructure() const { return *structure; }
    const ElectrodeMaterial   &core_material() const { return core; }

    MaterialPoint point(const typename dealii::Triangulation<dim>::active_cell_iterator &cell,
                        const dealii::Point<dim>                                         &p) const
    {
      return structure->at(cell, p);
    }

    /// Whether Li is transported in @p cell (only in the particle itself).
    bool stores_lithium(const typename dealii::Triangulation<dim>::active_cell_iterator &cell) const
    {
      return structure->region(cell) == Region::active;
    }

    dealii::Tensor<2, dim> diffusivity_tensor(const MaterialPoint &point, double x) const;
    dealii::Tensor<2, dim> diffusivity_tensor_derivative(const MaterialPoint &point, double x) const;

    /// M/D of the stress-driven flux and its x-derivative (ElectrodeMaterial::mobility_factor), blended.
    ElectrodeMaterial::Mobility mobility_factor(const MaterialPoint &point, double x, bool with_derivative = true) const;
    /// mu_0 and d mu_0/dx of the mixed formulation (ElectrodeMaterial::chemical_potential), blended.
    ElectrodeMaterial::ChemicalPotential chemical_potential(const MaterialPoint &point, double x) const;

    dealii::SymmetricTensor<4, 3> stiffness(const MaterialPoint &point) const;
    /// eps_ch(c) and d eps_ch/dc [1/(mol/m^3)].
    dealii::SymmetricTensor<2, 3> chemical_strain(const MaterialPoint &point, double c) const;
    dealii::SymmetricTensor<2, 3> chemical_strain_derivative(const MaterialPoint &point, double c) const;
    dealii::SymmetricTensor<2, 3> chemical_strain_second_derivative(const MaterialPoint &point, double c) const;

    /// Surface electrochemistry, blended with the shell fraction at r = R.
    double open_circuit_potential(double x) const;
    double open_circuit_potential_derivative(double x) const;
    double exchange_current_density(double surface_concentration) const;
    double exchange_current_density_derivative(double surface_concentration) const;

  private:
    std::shared_ptr<const Microstructure<dim>> structure;
    const ElectrodeMaterial                   &core;
    const MechanicalMaterial                  &core_mechanics;
    std::optional<ElectrodeMaterial>           shell;
    std::optional<MechanicalMaterial>          shell_mechanics;
    std::optional<MechanicalMaterial>          coating, matrix;
    double                                     surface_shell_fraction = 0.;

    const MechanicalMaterial &inert_material(Region region) const;
  };
} // namespace camfrac
