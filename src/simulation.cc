// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Simulation<dim>: parameters -> mesh, materials, ParticleModel, protocol,
// output, checkpoints.

#include <camfrac/coupling/history_row.h>
#include <camfrac/coupling/particle_model.h>
#include <camfrac/coupling/restart_record.h>
#include <camfrac/io/errors.h>
#include <camfrac/io/history.h>
#include <camfrac/io/parameter_file.h>
#include <camfrac/io/progress.h>
#include <camfrac/material/diffraction.h>
#include <camfrac/simulation.h>

#include "instantiation.h"

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/timer.h>
#include <deal.II/base/utilities.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/manifold_lib.h>


#include <chrono>
#include <csignal>
#include <exception>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <unistd.h>

#ifndef CAMFRAC_VERSION
#  define CAMFRAC_VERSION "0.0.0"
#endif

namespace camfrac
{
  using namespace dealii;

  const char *version() { return CAMFRAC_VERSION; }


  // ---------------------------------------------------------- OutputSettings
  void OutputSettings::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Output");
    prm.declare_entry("Directory", "output", Patterns::Anything(),
                      "Directory for run.prm, history.csv, fields.xdmf + fields-*.h5 and timing.txt; created if "
                      "missing. Relative to the working directory.");
    prm.declare_entry("Field output interval", "600", Patterns::Double(0.),
                      "Simulated time between field outputs [s], >= 0. Fields are also written at the start and at "
                      "the end of every protocol step; 0 writes only those.");
    prm.declare_entry("Write fields", "true", Patterns::Bool(), "Write XDMF/HDF5 fields at all (history.csv is always written).");
    prm.declare_entry("Virtual XRD", "auto", Patterns::Selection("auto|true|false"),
                      "Write xrd.csv and xrd_histogram.csv at every accepted step: the volume distributions of the "
                      "lattice parameters and of the (003) and (104) spacings and peaks from the local x and elastic "
                      "strain (docs/theory.md [XRD]). 'auto': when Mechanics/Enabled and 'Material/Chemical strain "
                      "model = lattice'; 'true': required (an input error otherwise); 'false': never.");
    prm.declare_entry("XRD wavelength", "1.5406e-10", Patterns::Double(1e-12, 1e-8),
                      "X-ray wavelength [m], in [1e-12, 1e-8]. Default: Cu K-alpha1, 1.5406 Angstrom. Mo K-alpha1 is "
                      "0.70930e-10, synchrotron work often 0.2e-10 to 0.8e-10.");
    prm.declare_entry("XRD bin width", "0.02", Patterns::Double(1e-4, 1.),
                      "Bin width of the 2 theta histograms in xrd_histogram.csv [degrees], in [1e-4, 1].");
    prm.declare_entry("XRD window", "2.5", Patterns::Double(0.01, 20.),
                      "Half-width of the histogram range around each stress-free reference peak [degrees], in [0.01, 20].");
    prm.leave_subsection();
  }

  void OutputSettings::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Output");
    directory             = prm.get("Directory");
    field_output_interval = prm.get_double("Field output interval");
    write_fields          = prm.get_bool("Write fields");
    const std::string xrd_choice = prm.get("Virtual XRD");
    xrd = xrd_choice == "true" ? Xrd::on : xrd_choice == "false" ? Xrd::off : Xrd::automatic;
    xrd_settings.wavelength = prm.get_double("XRD wavelength");
    xrd_settings.bin_width  = prm.get_double("XRD bin width");
    xrd_settings.window     = prm.get_double("XRD window");
    prm.leave_subsection();
    if (directory.empty())
      throw InputError("parameter 'Output/Directory' is empty");
  }

  // ------------------------------------------------------------- parameters
  unsigned int dimension_from_parameters(ParameterHandler &prm) { return prm.get_integer("Dimension"); }

  namespace
  {
    // Entries that older parameter files set elsewhere (docs/user-guide.md).
    std::vector<MovedEntry> moved_parameter_entries()
    {
      std::vector<MovedEntry> moved;
      for (const std::string section : {"Transport", "Mechanics", "Fracture"})
        for (auto &entry : LinearSolverSettings::moved_entries(section))
          moved.push_back(entry);
      return moved;
    }
  } // namespace

  void parse_parameter_file(ParameterHandler &prm, const std::string &file_name)
  {
    const auto moved = moved_parameter_entries();
    parse_parameter_input(prm, file_name, moved);
    prm.enter_subsection("Material");
    const std::string preset = prm.get("Preset");
    prm.leave_subsection();
    if (preset == "none")
      return;
    // The preset first, then the file again so that its entries win.
    const std::string preset_file =
      resolve_data_file("presets/" + preset + ".prm", default_data_directory(), "Material/Preset");
    parse_parameter_input(prm, preset_file, moved);
    parse_parameter_input(prm, file_name, moved);
  }


  template <int dim>
  void Simulation<dim>::declare_parameters(ParameterHandler &prm)
  {
    prm.declare_entry("Dimension", "3", Patterns::Integer(2, 3),
                      "Space dimension [-]: 3 (sphere) or 2 (disk: a long cylinder in plane strain).");
    prm.declare_entry("Linear algebra", "Trilinos", Patterns::Selection("Trilinos|PETSc"),
                      "Backend for distributed matrices, vectors and solvers: 'Trilinos' (ML AMG) or 'PETSc' "
                      "(hypre BoomerAMG, MUMPS).");
    ParticleGeometry::declare_parameters(prm);
    ElectrodeMaterial::declare_parameters(prm);
    TransportSettings::declare_parameters(prm);
    MechanicalMaterial::declare_parameters(prm);
    MechanicsSettings::declare_parameters(prm);
    FractureSettings::declare_parameters(prm);
    Microstructure<dim>::declare_parameters(prm);
    Protocol::declare_parameters(prm);
    TimeSteppingSettings::declare_parameters(prm);
    OutputSettings::declare_parameters(prm);
    AdaptivitySettings::declare_parameters(prm);
    CheckpointSettings::declare_parameters(prm);
  }

  template <int dim>
  Simulation<dim>::Simulation(ParameterHandler &prm, MPI_Comm communicator)
    : prm(prm)
    , communicator(communicator)
  {
    try
      {
        if (prm.get_integer("Dimension") != dim)
          throw InputError("parameter 'Dimension' is " + prm.get("Dimension") + " but Simulation<" +
                           std::to_string(dim) + "> was constructed");
        backend = prm.get("Linear algebra") == "PETSc" ? Backend::petsc : Backend::trilinos;
        geometry.parse_parameters(prm, default_data_directory());
        material.parse_parameters(prm, default_data_directory());
        transport_settings.parse_parameters(prm);
        // The surface condition and the initial state belong to the material's sections.
        transport_settings.butler_volmer         = material.butler_volmer;
        transport_settings.initial_stoichiometry = material.initial_stoichiometry;
        mechanics_settings.parse_parameters(prm);
        if (mechanics_settings.enabled)
          mechanical_material.parse_parameters(prm, default_data_directory(), material.maximum_concentration);
        fracture_settings.parse_parameters(prm);
        if (fracture_settings.enabled && !mechanics_settings.enabled)
          throw InputError("Fracture/Enabled = true needs Mechanics/Enabled = true");
        if (fracture_settings.enabled && fracture_settings.electrolyte_infiltration && !transport_settings.butler_volmer)
          throw InputError("Fracture/Electrolyte infiltration needs Butler-Volmer kinetics at the surface");
        parse_microstructure();
        time_stepping.parse_parameters(prm);
        protocol = Protocol::from_parameters(prm);
        output.parse_parameters(prm);
        adaptivity_settings.parse_parameters(prm);
        checkpoint_settings.parse_parameters(prm);
        if (checkpoint_settings.directory.empty())
          checkpoint_settings.directory = output.directory + "/checkpoint";
      }
    catch (const InputError &)
      {
        throw;
      }
    catch (const std::exception &error)
      {
        throw InputError(one_line_message(error));
      }
  }

  template <int dim>
  void Simulation<dim>::prepare_output_directory() const
  {
    // Rank 0 checks; everyone learns the verdict, so no rank hangs.
    std::string problem;
    if (Utilities::MPI::this_mpi_process(communicator) == 0)
      {
        std::error_code ec;
        std::filesystem::create_directories(output.directory, ec);
        const std::string probe = output.directory + "/.camfrac-write-test";
        std::ofstream     out(probe);
        if (ec || !out)
          problem = "parameter 'Output/Directory': cannot create or write to '" + output.directory + "'";
        else
          {
            out.close();
            std::filesystem::remove(probe, ec);
          }
      }
    problem = Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      throw InputError(problem);
  }




  template <int dim>
  void Simulation<dim>::run()
  {
    if (backend == Backend::petsc)
      run_with_backend<PETScBackend>();
    else
      run_with_backend<TrilinosBackend>();
  }

  template <int dim>
  void Simulation<dim>::parse_microstructure()
  {
    auto structure = std::make_shared<Microstructure<dim>>();
    structure->parse_parameters(prm, default_data_directory());
    structure->initialize(geometry, material.orientation);
    const bool layered   = geometry.coating_thickness > 0. || geometry.matrix_radius > 0.;
    const bool composite = structure->composition().type != CompositionProfile::Type::uniform;
    if (!structure->is_polycrystal() && !composite && !layered &&
        structure->distribution == Microstructure<dim>::OrientationDistribution::single)
      return; // a plain single crystal: the fields use Material's orientation directly
    material_field = std::make_shared<MaterialField<dim>>(structure, material, mechanical_material);
    if (composite)
      {
        // The shell material: a preset name or a parameter file, parsed like a run's file.
        prm.enter_subsection("Microstructure");
        prm.enter_subsection("Composition");
        const std::string name = prm.get("Shell material");
        prm.leave_subsection();
        prm.leave_subsection();
        const std::string parameter = "Microstructure/Composition/Shell material";
        const auto        extension = std::filesystem::path(name).extension().string();
        const std::string file      = extension == ".prm" || extension == ".json" ?
                                        resolve_data_file(name, default_data_directory(), parameter) :
                                        resolve_data_file("presets/" + name + ".prm", default_data_directory(), parameter);
        ParameterHandler shell_prm;
        declare_parameters(shell_prm);
        parse_parameter_file(shell_prm, file);
        shell_material.parse_parameters(shell_prm, default_data_directory());
        shell_mechanical_material.parse_parameters(shell_prm, default_data_directory(),
                                                   shell_material.maximum_concentration);
        material_field->set_shell(shell_material, shell_mechanical_material);
      }
    for (const std::string region : {"Coating", "Matrix"})
      {
        prm.enter_subsection("Microstructure");
        prm.enter_subsection(region);
        MechanicalMaterial inert;
        inert.set_isotropic_elasticity(prm.get_double("Young's modulus"), prm.get_double("Poisson's ratio"));
        inert.set_isotropic_chemical_strain(0., 1., material.maximum_concentration);
        prm.leave_subsection();
        prm.leave_subsection();
        if (region == "Coating")
          material_field->set_coating(inert);
        else
          material_field->set_matrix(inert);
      }
  }

  /**
   * One run of Simulation with backend LA: the mesh, the ParticleModel, the
   * protocol runner and everything written while it runs (history.csv,
   * fields, mesh.csv, checkpoints, the progress line).
   */
  template <int dim, typename LA>
  class SimulationRun
  {
  public:
    SimulationRun(Simulation<dim> &simulation, TimerOutput &timer)
      : sim(simulation)
      , timer(timer)
      , root(Utilities::MPI::this_mpi_process(simulation.communicator) == 0)
      , pcout(std::cout, root && !simulation.output.quiet)
      , restarting(!simulation.restart_directory.empty())
      , triangulation(simulation.communicator)
      , trigger(simulation.checkpoint_settings, simulation.communicator)
      , store(simulation.checkpoint_settings.directory, simulation.checkpoint_settings.keep, simulation.communicator)
    {}

    void execute();

  private:
    void create_triangulation();
    typename ParticleModel<dim, LA>::Description description() const;
    void announce(ParticleModel<dim, LA> &particle) const;
    void check_well_posedness(const MechanicalSummary &mechanics, const AcceptedStep &step);
    /// Inputs that run but are likely mistakes: warned before the run.
    void check_inputs();
    void warn(const std::string &message);
    void open_mesh_log(ParticleModel<dim, LA> &particle);
    /// Open xrd.csv and xrd_histogram.csv when the virtual XRD is on (Output/Virtual XRD).
    void open_xrd(const ParticleModel<dim, LA> &particle);
    void adapt(ParticleModel<dim, LA> &particle, const ProtocolRunner::State &state);
    /// Write a checkpoint if one is due; stop the run (Interrupted) on a signal.
    void checkpoint(ParticleModel<dim, LA> &particle, const ProtocolRunner::State &state);
    void record(ParticleModel<dim, LA> &particle, const AcceptedStep &step);
    void write_fields(ParticleModel<dim, LA> &particle, double time);
    void finish(const ProtocolRunner &runner, ParticleModel<dim, LA> &particle);

    Simulation<dim>                          &sim;
    TimerOutput                              &timer;
    const bool                                root;
    ConditionalOStream                        pcout;
    const bool                                restarting;
    parallel::distributed::Triangulation<dim> triangulation;
    RestartRecord                             restart; // the state read, or the empty initial one
    std::unique_ptr<HistoryWriter>            history;
    std::unique_ptr<HistoryWriter>            xrd, xrd_histogram; // null without the virtual XRD
    std::unique_ptr<ProgressLine>             progress;
    std::ofstream                             mesh_log;
    CheckpointTrigger                         trigger;
    CheckpointStore                           store;
    std::vector<std::string>                  run_warnings; // besides the protocol runner's
    bool                                      ill_posed_warned = false;
  };

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::create_triangulation()
  {
    if (restarting)
      {
        // The coarse mesh with its manifolds, then the saved refinement.
        sim.geometry.create(triangulation, false);
        try
          {
            triangulation.load(sim.restart_directory + "/mesh");
          }
        catch (const std::exception &error)
          {
            throw InputError("--restart: cannot read the mesh of checkpoint '" + sim.restart_directory +
                             "': " + one_line_message(error));
          }
      }
    else
      {
        sim.geometry.create(triangulation);
        if (sim.fracture_settings.enabled)
          sim.resolve_length_scale(triangulation, !sim.adaptivity_settings.enabled);
      }
  }

  template <int dim, typename LA>
  typename ParticleModel<dim, LA>::Description SimulationRun<dim, LA>::description() const
  {
    typename ParticleModel<dim, LA>::Description d;
    d.material            = sim.material;
    d.mechanical_material = sim.mechanical_material;
    d.transport           = sim.transport_settings;
    d.mechanics           = sim.mechanics_settings;
    d.fracture            = sim.fracture_settings;
    d.adaptivity          = sim.adaptivity_settings;
    d.material_field      = sim.material_field;
    // Imported meshes define their own volume (1C refers to it).
    d.particle_volume =
      sim.geometry.mesh_file.empty() ? sim.geometry.template nominal_volume<dim>() : GridTools::volume(triangulation);
    const Simulation<dim> *simulation = &sim;
    d.cracking_region = [simulation](const typename Triangulation<dim>::active_cell_iterator &cell) {
      return simulation->in_cracking_region(cell);
    };
    d.initial_level = sim.geometry.global_refinements;
    return d;
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::announce(ParticleModel<dim, LA> &particle) const
  {
    pcout << "camfrac " << version() << ": " << dim << "D particle, R = " << sim.geometry.radius << " m, "
          << triangulation.n_global_active_cells() << " cells, " << particle.describe_dofs() << ", "
          << Utilities::MPI::n_mpi_processes(sim.communicator) << " rank(s), "
          << (sim.backend == Backend::petsc ? "PETSc" : "Trilinos")
          << ", 1C = " << particle.transport().one_c_current() << " A"
          << std::endl;
    const FractureSettings &f = sim.fracture_settings;
    if (f.enabled)
      {
        // The strengths the length scale implies (data/README.md, "Fracture properties").
        const double K = sim.mechanical_material.bulk_modulus(), G = sim.mechanical_material.shear_modulus();
        const double E = 9. * K * G / (3. * K + G);
        pcout << "Fracture: " << FractureSettings::model_name(f.model) << ", ell = " << f.length_scale
              << " m, G_c = " << f.toughness << " J/m^2 (strength at this ell " << f.homogeneous_strength(E, f.toughness) / 1e6
              << " MPa)";
        if (sim.material_field && sim.material_field->microstructure().is_polycrystal())
          {
            const double h = sim.material_field->microstructure().boundary_half_width();
            const double gb = f.grain_boundary_toughness_factor * f.toughness;
            pcout << ", grain boundaries " << gb << " J/m^2 (strength " << f.homogeneous_strength(E, gb) / 1e6
                  << " MPa) with a band of half-width " << h / f.length_scale << " ell at "
                  << f.band_toughness_ratio(h) * f.toughness << " J/m^2"
                  << (f.grain_boundary_band_correction ? " (band correction)" : " (no band correction)");
          }
        pcout << std::endl;
      }
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::warn(const std::string &message)
  {
    run_warnings.push_back(message);
    // On stderr, and also with --quiet: a warning is never silenced.
    if (root)
      std::cerr << "camfrac: warning: " << message << std::endl;
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::check_inputs()
  {
    const ElectrodeMaterial &m = sim.material;
    if (m.initial_stoichiometry < m.minimum_stoichiometry || m.initial_stoichiometry > m.maximum_stoichiometry)
      warn("parameter 'Material/Initial stoichiometry' = " + std::to_string(m.initial_stoichiometry) +
           " lies outside the usable window [" + std::to_string(m.minimum_stoichiometry) + ", " +
           std::to_string(m.maximum_stoichiometry) + "] (Minimum/Maximum stoichiometry), so SOC starts outside [0, 1]");
    // Grains resolved by fewer than two cells across: count the cells whose
    // centre lies in each grain.
    const auto &field = sim.material_field;
    if (!field || !field->microstructure().is_polycrystal())
      return;
    std::vector<double> cells(field->microstructure().n_grains(), 0.);
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned() && field->stores_lithium(cell))
        {
          const unsigned int g = field->point(cell, cell->center()).grain.grain;
          if (g < cells.size())
            cells[g] += 1.;
        }
    MPI_Allreduce(MPI_IN_PLACE, cells.data(), static_cast<int>(cells.size()), MPI_DOUBLE, MPI_SUM, sim.communicator);
    const double two_across = std::pow(2., dim);
    unsigned int small = 0;
    double       fewest = std::numeric_limits<double>::max();
    // Imported grains are unions of cells, so every grain of the mesh has
    // cells; an id without cells is not a grain of the mesh (ids are the
    // gmsh tags, 0 is unused).
    const bool imported = field->microstructure().grain_type ==
                          Microstructure<dim>::GrainType::imported;
    unsigned int n_present = 0;
    for (const double n : cells)
      if (!(imported && n == 0.))
        {
          ++n_present;
          small += n < two_across ? 1 : 0;
          fewest = std::min(fewest, n);
        }
    if (small > 0)
      warn(std::to_string(small) + " of " + std::to_string(n_present) +
           " grains are resolved by fewer than two cells across (fewer than " + std::to_string(int(two_across)) +
           " cells, the smallest has " + std::to_string(int(fewest)) +
           "): refine the mesh (Geometry/Global refinements) for grain-scale stresses");
  }

  // The well-posedness monitor (docs/theory.md §3.2): said once, when the
  // run gets there, and again in the final list of warnings.
  template <int dim, typename LA>
  void SimulationRun<dim, LA>::check_well_posedness(const MechanicalSummary &mechanics, const AcceptedStep &step)
  {
    // With a gradient energy the problem stays well posed (the ratio is the
    // kappa = 0 estimate and may stay negative inside a spinodal region).
    if (ill_posed_warned || !(mechanics.min_effective_diffusivity_ratio < 0.) ||
        sim.material.gradient_energy_coefficient > 0.)
      return;
    ill_posed_warned = true;
    std::ostringstream message;
    message << "step " << step.step << ", t = " << step.time << " s, V = " << step.voltage
            << " V: the effective diffusivity (D + M (-ds/dc))/D reached " << mechanics.min_effective_diffusivity_ratio
            << " (history.csv, min_effective_diffusivity_ratio): the stress-coupled transport problem is ill-posed "
               "there without a gradient energy, and the result depends on the mesh. A gradient-energy coefficient "
               "'Material/Gradient energy coefficient' (kappa, Cahn-Hilliard, docs/theory.md §3.3) is the remedy";
    warn(message.str());
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::open_xrd(const ParticleModel<dim, LA> &particle)
  {
    using Xrd = OutputSettings::Xrd;
    if (sim.output.xrd == Xrd::off || (sim.output.xrd == Xrd::automatic && !particle.has_virtual_xrd()))
      return;
    if (!particle.has_virtual_xrd())
      throw InputError("parameter 'Output/Virtual XRD' is true, but the virtual XRD needs Mechanics/Enabled = true "
                       "and 'Material/Chemical strain model = lattice'");
    // The reference peaks exist for this wavelength (throws InputError otherwise).
    const auto [a0, c0] = sim.mechanical_material.reference_lattice_parameters();
    for (const Reflection *r : {&reflection_003(), &reflection_104()})
      bragg_two_theta(r->d_spacing(a0, c0), sim.output.xrd_settings.wavelength);
    const unsigned int n_bins =
      static_cast<unsigned int>(std::ceil(2. * sim.output.xrd_settings.window / sim.output.xrd_settings.bin_width));
    xrd = std::make_unique<HistoryWriter>(sim.output.directory + "/xrd.csv", XrdRow::header(), sim.communicator,
                                          restart.xrd_rows);
    xrd_histogram = std::make_unique<HistoryWriter>(sim.output.directory + "/xrd_histogram.csv",
                                                    XrdRow::histogram_header(n_bins), sim.communicator,
                                                    restart.xrd_histogram_rows);
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::open_mesh_log(ParticleModel<dim, LA> &particle)
  {
    if (!root || !particle.adaptivity())
      return;
    mesh_log.open(sim.output.directory + "/mesh.csv", restarting ? std::ios::app : std::ios::out);
    if (!restarting)
      mesh_log << "step,time_s,cells,c_dofs,u_dofs,d_dofs,lithium_correction\n" << std::flush;
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::adapt(ParticleModel<dim, LA> &particle, const ProtocolRunner::State &state)
  {
    if (!particle.adaptivity() || state.accepted_steps % sim.adaptivity_settings.interval != 0 ||
        !particle.adaptivity()->adapt())
      return;
    const types::global_dof_index nu = particle.mechanics() ? particle.mechanics()->n_dofs() : 0;
    const types::global_dof_index nd = particle.phase_field() ? particle.phase_field()->n_dofs() : 0;
    if (root)
      mesh_log << state.accepted_steps << ',' << state.time << ',' << triangulation.n_global_active_cells() << ','
               << particle.transport().n_dofs() << ',' << nu << ',' << nd << ','
               << particle.state().last_lithium_correction() << '\n'
               << std::flush;
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::checkpoint(ParticleModel<dim, LA> &particle, const ProtocolRunner::State &state)
  {
    const CheckpointTrigger::Decision decision = trigger.after_step(state.accepted_steps);
    if (!decision.write)
      return;
    std::string written;
    {
      TimerOutput::Scope scope(timer, "checkpoint: write");
      RestartRecord record = restart; // field index, last field time and XDMF entries as they are now
      record.runner        = state;
      record.scalars       = particle.scalars();
      record.history_rows  = history->rows();
      if (xrd)
        {
          record.xrd_rows           = xrd->rows();
          record.xrd_histogram_rows = xrd_histogram->rows();
        }
      written              = store.write(state.accepted_steps, [&](const std::string &directory) {
        particle.state().prepare_for_serialization();
        triangulation.save(directory + "/mesh");
        std::string problem;
        if (root)
          try
            {
              record.write(directory, dim, Utilities::MPI::n_mpi_processes(sim.communicator),
                           sim.output.directory + "/run.prm");
            }
          catch (const std::exception &error)
            {
              problem = one_line_message(error);
            }
        problem = Utilities::MPI::broadcast(sim.communicator, problem, 0);
        if (!problem.empty())
          throw InputError("cannot write a checkpoint: " + problem);
      });
      trigger.reset_clock();
    }
    if (decision.stop)
      {
        progress->finish();
        throw Interrupted("stopped by signal " + std::to_string(decision.signal) + " (" +
                          (decision.signal == SIGTERM ? "SIGTERM" : decision.signal == SIGUSR1 ? "SIGUSR1" : "?") +
                          ") after step " + std::to_string(state.accepted_steps) + ", t = " +
                          std::to_string(state.time) + " s. Checkpoint written to '" + written +
                          "'. Continue with: camfrac --restart " + sim.checkpoint_settings.directory);
      }
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::write_fields(ParticleModel<dim, LA> &particle, const double time)
  {
    particle.write_fields(sim.output.directory, restart.field_index, time, restart.xdmf);
    ++restart.field_index;
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::record(ParticleModel<dim, LA> &particle, const AcceptedStep &step)
  {
    const double window = sim.material.maximum_stoichiometry - sim.material.minimum_stoichiometry;
    HistoryRow   row;
    row.step      = step;
    row.soc       = (sim.material.maximum_stoichiometry - step.state.mean_x) / window;
    row.mechanics = particle.mechanical_summary();
    row.crack     = particle.crack_summary();
    check_well_posedness(row.mechanics, step);
    history->add(row.format());
    sim.history_rows.push_back(row);
    if (xrd)
      {
        TimerOutput::Scope scope(timer, "output: virtual XRD");
        const XrdRow       xrd_row{step, particle.virtual_xrd(sim.output.xrd_settings)};
        xrd->add(xrd_row.format());
        xrd_histogram->add(xrd_row.format_histograms(sim.output.xrd_settings.bin_width));
      }

    const auto &output = sim.output;
    if (output.write_fields &&
        (step.ends_protocol_step ||
         (output.field_output_interval > 0. && step.time - restart.last_field_time >= output.field_output_interval)))
      {
        write_fields(particle, step.time);
        restart.last_field_time = step.time;
      }
    progress->update(step.step, step.time,
                     sim.protocol.remaining_time_estimate(step.cycle, step.protocol_step, row.soc), row.soc,
                     step.voltage, step.current);
  }

  template <int dim, typename LA>
  void SimulationRun<dim, LA>::finish(const ProtocolRunner &runner, ParticleModel<dim, LA> &particle)
  {
    progress->finish();
    sim.warning_list = runner.warnings();
    if (root)
      for (const auto &warning : sim.warning_list)
        std::cerr << "camfrac: warning: " << warning << std::endl;
    sim.warning_list.insert(sim.warning_list.end(), run_warnings.begin(), run_warnings.end());
    if (!sim.history_rows.empty())
      {
        const auto &last = sim.history_rows.back();
        pcout << "Finished: " << last.step.step << " steps, t = " << format_duration(last.step.time)
              << ", V = " << last.step.voltage << " V, SOC = " << 100. * last.soc << "%" << std::endl;
      }
    // Rejected trial steps by reason (history.csv rejected_steps per step), brittle events, and
    // the Newton iterations of the split stress.
    unsigned int       rejected = 0;
    std::ostringstream reasons;
    for (const auto &[reason, count] : runner.rejections())
      {
        reasons << (rejected == 0 ? "" : ", ") << reason << " " << count;
        rejected += count;
      }
    pcout << "Rejected trial steps: " << rejected << (rejected > 0 ? " (" + reasons.str() + ")" : std::string())
          << (runner.brittle_events() > 0 ? ", brittle events accepted: " + std::to_string(runner.brittle_events()) :
                                             std::string())
          << std::endl;
    if (const auto *mechanics = particle.mechanics(); mechanics != nullptr && mechanics->newton_statistics().solves > 0)
      {
        const auto &newton = mechanics->newton_statistics();
        pcout << "Mechanics Newton (split stress): " << newton.solves << " solves, "
              << static_cast<double>(newton.iterations) / newton.solves << " iterations per solve (at most "
              << newton.maximum << "), " << newton.line_search_cuts << " line-search evaluations" << std::endl;
      }
  }

  // The data flow of one run (docs/architecture.md "One time step").
  template <int dim, typename LA>
  void SimulationRun<dim, LA>::execute()
  {
    create_triangulation();
    ParticleModel<dim, LA> particle(triangulation, description(), &timer, !restarting);
    if (restarting)
      {
        restart = RestartRecord::read(sim.restart_directory);
        TimerOutput::Scope scope(timer, "restart: read");
        particle.load(restart.scalars);
      }
    announce(particle);
    if (!restarting)
      check_inputs();

    history = std::make_unique<HistoryWriter>(sim.output.directory + "/history.csv", HistoryRow::header(),
                                              sim.communicator, restart.history_rows);
    open_xrd(particle);
    if (sim.output.write_fields && !restarting)
      write_fields(particle, 0.);
    // Open MPI hands ranks a pseudo-terminal even when mpirun's own output is
    // redirected, so under a launcher the line is opt-in (--progress).
    const bool under_launcher = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_RANK") != nullptr;
    progress                  = std::make_unique<ProgressLine>(
      root && !sim.output.quiet && (sim.output.progress || (!under_launcher && isatty(fileno(stdout)))));

    ProtocolRunner runner(particle.electrode_model(), sim.protocol, sim.time_stepping);
    runner.set_trial_check(particle.trial_check());
    // Between steps: adapt the mesh, then write a checkpoint if one is due
    // (interval or signal); a signal then stops the run.
    open_mesh_log(particle);
    if (sim.checkpoint_settings.on_signal)
      install_checkpoint_signal_handlers();
    runner.set_step_hook([&](const ProtocolRunner::State &state) {
      adapt(particle, state);
      checkpoint(particle, state);
    });
    const auto observer = [&](const AcceptedStep &step) { record(particle, step); };
    if (restarting)
      {
        pcout << "Restarting from '" << sim.restart_directory << "': step " << restart.runner.accepted_steps
              << ", t = " << format_duration(restart.runner.time) << std::endl;
        runner.run(observer, restart.runner);
      }
    else
      runner.run(observer);
    finish(runner, particle);
  }

  template <int dim>
  void Simulation<dim>::write_run_parameters() const
  {
    // Rank 0 writes; every rank learns whether it worked, so none hangs.
    std::string problem;
    if (Utilities::MPI::this_mpi_process(communicator) == 0)
      {
        std::ofstream run_prm(output.directory + "/run.prm");
        if (run_prm)
          prm.print_parameters(run_prm, ParameterHandler::PRM);
        if (!run_prm)
          problem = "cannot write '" + output.directory + "/run.prm'";
      }
    problem = Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      throw InputError(problem);
  }

  template <int dim>
  template <typename LA>
  void Simulation<dim>::run_with_backend()
  {
    prepare_output_directory();
    write_run_parameters();
    // Errors are caught inside the timer's scope and rethrown after it:
    // TimerOutput communicates in its destructor, and all ranks fail alike.
    std::exception_ptr failure;
    {
      std::ostringstream timer_text;
      TimerOutput        timer(communicator, timer_text, TimerOutput::never, TimerOutput::wall_times);
      try
        {
          SimulationRun<dim, LA>(*this, timer).execute();
          timer.print_summary();
          if (Utilities::MPI::this_mpi_process(communicator) == 0)
            {
              std::ofstream(output.directory + "/timing.txt") << timer_text.str();
              if (!output.quiet)
                std::cout << timer_text.str() << std::flush;
            }
        }
      catch (...)
        {
          failure = std::current_exception();
        }
    }
    if (failure)
      std::rethrow_exception(failure);
  }

  // The cracking region: the Li-storing particle beyond the inner radius.
  template <int dim>
  bool Simulation<dim>::in_cracking_region(const typename Triangulation<dim>::active_cell_iterator &cell) const
  {
    if (material_field && !material_field->stores_lithium(cell))
      return false;
    double r = 0.;
    for (const unsigned int v : cell->vertex_indices())
      r = std::max(r, cell->vertex(v).norm());
    return r >= fracture_settings.crack_region_inner_radius;
  }

  // Pre-refinement for phase-field fracture: refine the cracking region until
  // h = diameter/sqrt(dim) <= ell/2 everywhere in it. With adaptive
  // refinement only check that the allowed extra levels would suffice
  // (h halves per level).
  template <int dim>
  void Simulation<dim>::resolve_length_scale(parallel::distributed::Triangulation<dim> &triangulation,
                                             const bool                                  refine) const
  {
    const double target   = fracture_settings.length_scale / fracture_settings.cells_per_length_scale;
    double       coarsest = 0.;
    for (unsigned int level = 0;; ++level)
      {
        unsigned int marked = 0;
        coarsest            = 0.;
        for (const auto &cell : triangulation.active_cell_iterators())
          if (cell->is_locally_owned() && in_cracking_region(cell))
            {
              const double h = cell->diameter() / std::sqrt(double(dim));
              coarsest       = std::max(coarsest, h);
              if (h > target * (1. + 1e-10))
                {
                  cell->set_refine_flag();
                  ++marked;
                }
            }
        marked   = Utilities::MPI::sum(marked, communicator);
        coarsest = Utilities::MPI::max(coarsest, communicator);
        if (marked == 0)
          return;
        if (!refine)
          {
            for (const auto &cell : triangulation.active_cell_iterators())
              cell->clear_refine_flag();
            // Refinement of curved cells halves h only approximately: 10% slack.
            if (coarsest <= 1.1 * target * std::pow(2., fracture_settings.maximum_resolution_refinements))
              return;
            break;
          }
        if (level == fracture_settings.maximum_resolution_refinements)
          break;
        triangulation.execute_coarsening_and_refinement();
      }
    std::ostringstream message;
    message << "the mesh does not resolve the fracture length scale: h = " << coarsest << " m > ell/n = " << target
            << " m after " << fracture_settings.maximum_resolution_refinements
            << " extra refinements (raise Fracture/Maximum resolution refinements or Geometry/Global refinements, "
               "or increase Fracture/Length scale)";
    throw InputError(message.str());
  }

  CAMFRAC_INSTANTIATE_DIM(Simulation);
} // namespace camfrac
