// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/adaptivity.h>
#include <camfrac/coupling/chemo_mechanics.h>
#include <camfrac/coupling/fracture.h>
#include <camfrac/coupling/transport_model.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/material/mechanical_material.h>
#include <camfrac/microstructure/material_field.h>
#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/phase_field.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/data_out_base.h>
#include <deal.II/base/smartpointer.h>
#include <deal.II/base/timer.h>
#include <deal.II/distributed/tria.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace camfrac
{
  /**
   * One particle: its fields (transport, and with them mechanics and the
   * phase field), the coupled models between them, the accepted state
   * (ModelState) and the adaptive refinement, built in dependency order from
   * the settings. Simulation and the tests use it instead of repeating the
   * order-sensitive wiring.
   *
   * The triangulation is not owned: it is held by an observer pointer, so
   * that destroying it first asserts in debug builds. The materials, settings
   * and material field are copied (the fields refer to the copies).
   */
  template <int dim, typename LA>
  class ParticleModel
  {
  public:
    using Cell = typename dealii::Triangulation<dim>::active_cell_iterator;

    /// What to build. Mechanics, fracture and adaptivity are on when their
    /// settings say 'enabled'.
    struct Description
    {
      ElectrodeMaterial                         material;
      MechanicalMaterial                        mechanical_material; ///< used with mechanics
      TransportSettings                         transport;
      MechanicsSettings                         mechanics;
      FractureSettings                          fracture;
      AdaptivitySettings                        adaptivity;
      std::shared_ptr<const MaterialField<dim>> material_field; ///< null: a plain single crystal
      /// Nominal particle volume for the 1C current [m^3] (per metre of thickness in 2D).
      double                                    particle_volume = 0.;
      /// Where cracks may form (adaptive refinement); empty: everywhere.
      std::function<bool(const Cell &)>         cracking_region;
      /// The refinement level of the initial mesh (adaptivity never coarsens below it).
      unsigned int                              initial_level = 0;
    };

    /**
     * Build the fields on @p triangulation. With @p set_up (a new run) the
     * fields are set up and the coupled models solve the initial state; a
     * restart passes false and then calls load().
     */
    ParticleModel(dealii::parallel::distributed::Triangulation<dim> &triangulation,
                  const Description                                 &description,
                  dealii::TimerOutput                               *timer  = nullptr,
                  bool                                               set_up = true);
    ~ParticleModel();

    /// After Triangulation::load(): rebuild the fields and read the accepted state (restart).
    void load(const ModelScalars &scalars);
    /// The scalars of the accepted state (phi, staggered count) for a checkpoint.
    ModelScalars scalars() const;

    /// What the protocol driver runs: the outermost coupled model.
    ElectrodeModel &electrode_model();
    /// The corrector of adaptive refinement as the runner's trial check (empty without it).
    std::function<bool()> trial_check();

    TransportField<dim, LA>       &transport() { return *transport_field; }
    const TransportField<dim, LA> &transport() const { return *transport_field; }
    MechanicsField<dim, LA>       *mechanics() { return mechanics_field.get(); }
    PhaseField<dim, LA>           *phase_field() { return phase_field_ptr.get(); }
    ChemoMechanicalModel<dim, LA> *chemo_mechanics() { return chemo_mechanics_model.get(); }
    FracturingModel<dim, LA>      *fracturing() { return fracturing_model.get(); }
    ModelState<dim, LA>           &state() { return *model_state; }
    MeshAdaptivity<dim, LA>       *adaptivity() { return mesh_adaptivity.get(); }

    /// Mechanical and crack indicators of the accepted state (zeros without them).
    MechanicalSummary mechanical_summary() const;
    CrackSummary      crack_summary() const;
    /// Whether virtual_xrd() can compute a pattern: mechanics on, lattice chemical strain.
    bool has_virtual_xrd() const;
    /// The virtual operando XRD of the accepted state (docs/theory.md [XRD]). Collective.
    XrdPattern virtual_xrd(const XrdSettings &settings) const;

    /// The DoF counts of the fields, e.g. "3817 DoFs (Q2) + 12000 displacement DoFs (Q2)".
    std::string describe_dofs() const;
    /// Write every field's output for time @p time into @p directory, each
    /// appending to its XDMF entries (fields, mechanics, fracture). Collective.
    void write_fields(const std::string &directory, unsigned int index, double time,
                      std::array<std::vector<dealii::XDMFEntry>, 3> &entries) const;

  private:
    dealii::SmartPointer<dealii::parallel::distributed::Triangulation<dim>, ParticleModel> triangulation;
    const Description                                   description;
    dealii::TimerOutput                                *timer;
    std::unique_ptr<TransportField<dim, LA>>            transport_field;
    std::unique_ptr<TransportModel<dim, LA>>            transport_model;
    std::unique_ptr<MechanicsField<dim, LA>>            mechanics_field;
    std::unique_ptr<ChemoMechanicalModel<dim, LA>>      chemo_mechanics_model;
    std::unique_ptr<PhaseField<dim, LA>>                phase_field_ptr;
    std::unique_ptr<FracturingModel<dim, LA>>           fracturing_model;
    std::unique_ptr<ModelState<dim, LA>>                model_state;
    std::unique_ptr<MeshAdaptivity<dim, LA>>            mesh_adaptivity;
  };
} // namespace camfrac
