// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Every settings struct's default equals its parameter's declared default:
// a struct parsed from a ParameterHandler holding only the declarations must
// equal a default-constructed one, member by member (the two copies drifted
// before: Fracture/Length scale was 5e-7 m declared, 1e-6 m in the struct).
// Each struct reads only its own section: parsing needs nothing else declared.

#include <camfrac/coupling/adaptivity.h>
#include <camfrac/coupling/protocol_runner.h>
#include <camfrac/io/checkpoint.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/phase_field.h>
#include <camfrac/physics/transport.h>
#include <camfrac/simulation.h>

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>

using namespace camfrac;

namespace
{
  // Declare only the struct's own section, parse the defaults.
  template <typename Settings>
  Settings parsed_defaults()
  {
    dealii::ParameterHandler prm;
    Settings::declare_parameters(prm);
    Settings settings;
    settings.parse_parameters(prm);
    return settings;
  }
} // namespace

#define EXPECT_SAME_DEFAULT(member) EXPECT_EQ(parsed.member, defaults.member) << #member

TEST(SettingsDefaults, Transport)
{
  const auto              parsed = parsed_defaults<TransportSettings>();
  const TransportSettings defaults;
  EXPECT_SAME_DEFAULT(fe_degree);
  EXPECT_SAME_DEFAULT(newton_tolerance);
  EXPECT_SAME_DEFAULT(maximum_newton_iterations);
  EXPECT_SAME_DEFAULT(linear_solver.method);
  EXPECT_SAME_DEFAULT(linear_solver.tolerance);
  EXPECT_SAME_DEFAULT(linear_solver.maximum_iterations);
  EXPECT_SAME_DEFAULT(linear_solver.reuse_preconditioner);
}

TEST(SettingsDefaults, TransportCopiesOfTheMaterialSections)
{
  // butler_volmer and initial_stoichiometry are read by ElectrodeMaterial.
  dealii::ParameterHandler prm;
  ElectrodeMaterial::declare_parameters(prm);
  ElectrodeMaterial material;
  material.parse_parameters(prm, default_data_directory());
  const ElectrodeMaterial defaults_material;
  const TransportSettings defaults;
  EXPECT_EQ(material.initial_stoichiometry, defaults_material.initial_stoichiometry);
  EXPECT_EQ(material.initial_stoichiometry, defaults.initial_stoichiometry);
  EXPECT_EQ(material.butler_volmer, defaults_material.butler_volmer);
  EXPECT_EQ(material.butler_volmer, defaults.butler_volmer);
  EXPECT_EQ(material.maximum_concentration, defaults_material.maximum_concentration);
  EXPECT_EQ(material.minimum_stoichiometry, defaults_material.minimum_stoichiometry);
  EXPECT_EQ(material.maximum_stoichiometry, defaults_material.maximum_stoichiometry);
  EXPECT_EQ(material.rate_constant, defaults_material.rate_constant);
  EXPECT_EQ(material.transfer_coefficient, defaults_material.transfer_coefficient);
  EXPECT_EQ(material.electrolyte_concentration, defaults_material.electrolyte_concentration);
  EXPECT_EQ(material.temperature, defaults_material.temperature);
  EXPECT_EQ(material.film_resistance, defaults_material.film_resistance);
}

TEST(SettingsDefaults, Mechanics)
{
  const auto              parsed = parsed_defaults<MechanicsSettings>();
  const MechanicsSettings defaults;
  EXPECT_SAME_DEFAULT(enabled);
  EXPECT_SAME_DEFAULT(fe_degree);
  EXPECT_SAME_DEFAULT(stress_coupled_diffusion);
  EXPECT_SAME_DEFAULT(coupling_tolerance);
  EXPECT_SAME_DEFAULT(maximum_coupling_iterations);
  EXPECT_SAME_DEFAULT(stabilisation_factor);
  EXPECT_SAME_DEFAULT(generalized_plane_strain);
  EXPECT_SAME_DEFAULT(external_pressure);
  EXPECT_SAME_DEFAULT(linear_solver.method);
  EXPECT_SAME_DEFAULT(linear_solver.tolerance);
  EXPECT_SAME_DEFAULT(linear_solver.maximum_iterations);
  EXPECT_SAME_DEFAULT(linear_solver.reuse_preconditioner);
}

TEST(SettingsDefaults, MechanicsOldSpellingIsAnAlias)
{
  dealii::ParameterHandler prm;
  MechanicsSettings::declare_parameters(prm);
  prm.parse_input_from_string("subsection Mechanics\n  set Enable = true\nend\n");
  MechanicsSettings settings;
  settings.parse_parameters(prm);
  EXPECT_TRUE(settings.enabled);
}

TEST(SettingsDefaults, Fracture)
{
  const auto             parsed = parsed_defaults<FractureSettings>();
  const FractureSettings defaults;
  EXPECT_SAME_DEFAULT(enabled);
  EXPECT_SAME_DEFAULT(model);
  EXPECT_SAME_DEFAULT(toughness);
  EXPECT_SAME_DEFAULT(length_scale);
  EXPECT_SAME_DEFAULT(residual_stiffness);
  EXPECT_SAME_DEFAULT(split);
  EXPECT_SAME_DEFAULT(grain_boundary_toughness_factor);
  EXPECT_SAME_DEFAULT(cleavage_anisotropy);
  EXPECT_SAME_DEFAULT(degrade_diffusivity);
  EXPECT_SAME_DEFAULT(residual_diffusivity);
  EXPECT_SAME_DEFAULT(electrolyte_infiltration);
  EXPECT_SAME_DEFAULT(staggered_tolerance);
  EXPECT_SAME_DEFAULT(damage_tolerance);
  EXPECT_SAME_DEFAULT(maximum_staggered_iterations);
  EXPECT_SAME_DEFAULT(maximum_resolution_refinements);
  EXPECT_SAME_DEFAULT(crack_region_inner_radius);
  EXPECT_SAME_DEFAULT(cells_per_length_scale);
  EXPECT_SAME_DEFAULT(linear_solver.method);
  EXPECT_SAME_DEFAULT(linear_solver.tolerance);
  EXPECT_SAME_DEFAULT(linear_solver.maximum_iterations);
  EXPECT_SAME_DEFAULT(linear_solver.reuse_preconditioner);
}

TEST(SettingsDefaults, Adaptivity)
{
  const auto               parsed = parsed_defaults<AdaptivitySettings>();
  const AdaptivitySettings defaults;
  EXPECT_SAME_DEFAULT(enabled);
  EXPECT_SAME_DEFAULT(interval);
  EXPECT_SAME_DEFAULT(damage_threshold);
  EXPECT_SAME_DEFAULT(predictor_fraction);
  EXPECT_SAME_DEFAULT(buffer_layers);
  EXPECT_SAME_DEFAULT(refine_fraction);
  EXPECT_SAME_DEFAULT(coarsen_fraction);
  EXPECT_SAME_DEFAULT(maximum_indicator_levels);
}

TEST(SettingsDefaults, Checkpoint)
{
  const auto               parsed = parsed_defaults<CheckpointSettings>();
  const CheckpointSettings defaults;
  EXPECT_SAME_DEFAULT(directory);
  EXPECT_SAME_DEFAULT(wall_time_interval);
  EXPECT_SAME_DEFAULT(step_interval);
  EXPECT_SAME_DEFAULT(on_signal);
  EXPECT_SAME_DEFAULT(keep);
}

TEST(SettingsDefaults, TimeStepping)
{
  const auto                 parsed = parsed_defaults<TimeSteppingSettings>();
  const TimeSteppingSettings defaults;
  EXPECT_SAME_DEFAULT(initial_time_step);
  EXPECT_SAME_DEFAULT(minimum_time_step);
  EXPECT_SAME_DEFAULT(maximum_time_step);
  EXPECT_SAME_DEFAULT(growth_factor);
  EXPECT_SAME_DEFAULT(cut_back_factor);
  EXPECT_SAME_DEFAULT(fast_newton_iterations);
  EXPECT_SAME_DEFAULT(maximum_change_of_x);
  EXPECT_SAME_DEFAULT(voltage_cutoff_tolerance);
  EXPECT_SAME_DEFAULT(current_cutoff_tolerance);
}

TEST(SettingsDefaults, Output)
{
  const auto           parsed = parsed_defaults<OutputSettings>();
  const OutputSettings defaults;
  EXPECT_SAME_DEFAULT(directory);
  EXPECT_SAME_DEFAULT(field_output_interval);
  EXPECT_SAME_DEFAULT(write_fields);
}
