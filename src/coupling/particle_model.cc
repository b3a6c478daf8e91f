// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// ParticleModel<dim, LA>: the fields of one particle and their couplings,
// built in dependency order.

#include <camfrac/coupling/particle_model.h>

#include "../instantiation.h"

#include <algorithm>
#include <sstream>

namespace camfrac
{
  using namespace dealii;

  template <int dim, typename LA>
  ParticleModel<dim, LA>::ParticleModel(parallel::distributed::Triangulation<dim> &tria,
                                        const Description                         &description,
                                        TimerOutput                               *timer,
                                        const bool                                 set_up)
    : triangulation(&tria)
    , description(description)
    , timer(timer)
  {
    const Description &d = this->description;
    transport_field = std::make_unique<TransportField<dim, LA>>(tria, d.material, d.transport, d.particle_volume, timer);
    transport_field->set_material_field(d.material_field);
    if (set_up)
      {
        std::unique_ptr<TimerOutput::Scope> scope;
        if (timer != nullptr)
          scope = std::make_unique<TimerOutput::Scope>(*timer, "setup");
        transport_field->setup();
      }
    transport_model = std::make_unique<TransportModel<dim, LA>>(*transport_field);
    if (d.mechanics.enabled)
      {
        const unsigned int degree =
          d.mechanics.fe_degree == 0 ? std::min(d.transport.fe_degree + 1, 2u) : d.mechanics.fe_degree;
        mechanics_field = std::make_unique<MechanicsField<dim, LA>>(tria, d.mechanical_material, d.mechanics, degree, timer);
        mechanics_field->set_orientation(d.material.orientation);
        mechanics_field->set_material_field(d.material_field);
        if (d.fracture.enabled)
          mechanics_field->set_energy_split(d.fracture.split, d.fracture.stress_degradation);
        chemo_mechanics_model =
          std::make_unique<ChemoMechanicalModel<dim, LA>>(*transport_field, *mechanics_field, d.mechanics, timer);
        if (set_up)
          {
            mechanics_field->setup();
            chemo_mechanics_model->setup();
          }
      }
    if (d.fracture.enabled)
      {
        Assert(mechanics_field, ExcMessage("fracture needs mechanics"));
        phase_field_ptr = std::make_unique<PhaseField<dim, LA>>(tria, d.fracture, timer);
        phase_field_ptr->set_material_field(d.material_field);
        fracturing_model = std::make_unique<FracturingModel<dim, LA>>(*transport_field, *mechanics_field,
                                                                      *chemo_mechanics_model, *phase_field_ptr, timer);
        if (set_up)
          {
            phase_field_ptr->setup();
            fracturing_model->setup();
          }
      }
    // Each stateful object registers its own state, in construction
    // (= dependency) order, which is also the order of their lifecycles.
    model_state = std::make_unique<ModelState<dim, LA>>(tria);
    transport_field->register_state(*model_state);
    if (mechanics_field)
      {
        mechanics_field->register_state(*model_state);
        chemo_mechanics_model->register_state(*model_state);
      }
    if (phase_field_ptr)
      {
        phase_field_ptr->register_state(*model_state);
        fracturing_model->register_state(*model_state);
      }
    if (d.adaptivity.enabled)
      {
        std::function<bool(const Cell &)> region = d.cracking_region;
        if (!region)
          region = [](const Cell &) { return true; };
        mesh_adaptivity = std::make_unique<MeshAdaptivity<dim, LA>>(tria, d.adaptivity, *model_state, *transport_field,
                                                                    phase_field_ptr.get(), region, d.initial_level,
                                                                    timer);
      }
  }

  template <int dim, typename LA>
  ParticleModel<dim, LA>::~ParticleModel() = default;

  template <int dim, typename LA>
  void ParticleModel<dim, LA>::load(const ModelScalars &scalars)
  {
    model_state->deserialize();
    transport_field->set_accepted_potential(scalars.potential);
    if (fracturing_model)
      fracturing_model->set_accepted_staggered_iterations(scalars.staggered_iterations);
  }

  template <int dim, typename LA>
  ModelScalars ParticleModel<dim, LA>::scalars() const
  {
    ModelScalars s;
    s.potential = transport_field->potential();
    if (fracturing_model)
      s.staggered_iterations = fracturing_model->crack_summary().staggered_iterations;
    return s;
  }

  template <int dim, typename LA>
  ElectrodeModel &ParticleModel<dim, LA>::electrode_model()
  {
    if (fracturing_model)
      return *fracturing_model;
    if (chemo_mechanics_model)
      return *chemo_mechanics_model;
    return *transport_model;
  }

  template <int dim, typename LA>
  std::function<bool()> ParticleModel<dim, LA>::trial_check()
  {
    if (!mesh_adaptivity || !fracturing_model)
      return {};
    return [this]() { return mesh_adaptivity->correct(); };
  }

  template <int dim, typename LA>
  MechanicalSummary ParticleModel<dim, LA>::mechanical_summary() const
  {
    return chemo_mechanics_model ? chemo_mechanics_model->mechanical_summary() : MechanicalSummary();
  }

  template <int dim, typename LA>
  bool ParticleModel<dim, LA>::has_virtual_xrd() const
  {
    return chemo_mechanics_model &&
           description.mechanical_material.chemical_strain_model() == MechanicalMaterial::ChemicalStrain::lattice;
  }

  template <int dim, typename LA>
  XrdPattern ParticleModel<dim, LA>::virtual_xrd(const XrdSettings &settings) const
  {
    Assert(has_virtual_xrd(), dealii::ExcInternalError());
    return mechanics_field->virtual_xrd(chemo_mechanics_model->concentration_view(), settings);
  }

  template <int dim, typename LA>
  CrackSummary ParticleModel<dim, LA>::crack_summary() const
  {
    return fracturing_model ? fracturing_model->crack_summary() : CrackSummary();
  }

  template <int dim, typename LA>
  std::string ParticleModel<dim, LA>::describe_dofs() const
  {
    std::ostringstream out;
    out << transport_field->n_dofs() << " DoFs (Q" << description.transport.fe_degree << ")";
    if (mechanics_field)
      out << " + " << mechanics_field->n_dofs() << " displacement DoFs (Q" << mechanics_field->get_fe_degree() << ")";
    if (phase_field_ptr)
      out << " + " << phase_field_ptr->n_dofs() << " phase-field DoFs ("
          << FractureSettings::model_name(description.fracture.model) << ")";
    return out.str();
  }

  template <int dim, typename LA>
  void ParticleModel<dim, LA>::write_fields(const std::string &directory, const unsigned int index, const double time,
                                            std::array<std::vector<XDMFEntry>, 3> &entries) const
  {
    transport_field->write_fields(directory, index, time, entries[0]);
    if (mechanics_field)
      mechanics_field->write_fields(chemo_mechanics_model->concentration_view(), directory, index, time, entries[1]);
    if (phase_field_ptr)
      phase_field_ptr->write_fields(directory, index, time, entries[2]);
  }

  CAMFRAC_INSTANTIATE_DIM_AND_BACKEND(ParticleModel);
} // namespace camfrac
