// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Simulation<dim>: parameters -> mesh, material, transport field, protocol,
// output. Also the particle geometry and the history writer.

#include <camfrac/coupling/chemo_mechanics.h>
#include <camfrac/coupling/fracture.h>
#include <camfrac/io/errors.h>
#include <camfrac/simulation.h>

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/timer.h>
#include <deal.II/base/utilities.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/manifold_lib.h>

#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/property_tree/json_parser.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/property_tree/ptree.hpp>

#include <chrono>
#include <csignal>
#include <exception>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
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
    prm.leave_subsection();
  }

  void OutputSettings::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Output");
    directory             = prm.get("Directory");
    field_output_interval = prm.get_double("Field output interval");
    write_fields          = prm.get_bool("Write fields");
    prm.leave_subsection();
    if (directory.empty())
      throw InputError("parameter 'Output/Directory' is empty");
  }

  // ----------------------------------------------------------- HistoryWriter
  HistoryWriter::HistoryWriter(const std::string &file_name, const MPI_Comm communicator,
                               const std::string &existing_rows)
  {
    // Rank 0 writes; all ranks share the verdict so that none hangs.
    std::string problem;
    if (Utilities::MPI::this_mpi_process(communicator) == 0 && !file_name.empty())
      {
        file.open(file_name);
        if (file)
          file << header() << '\n' << existing_rows << std::flush;
        if (!file)
          problem = "cannot write '" + file_name + "'";
      }
    problem = Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      throw InputError(problem);
  }

  std::string HistoryWriter::header()
  {
    return "step,time_s,dt_s,current_A,voltage_V,mean_x,min_x,max_x,soc,newton_iterations,linear_iterations,"
           "protocol_step,cycle,lithium_mol,max_principal_stress_Pa,max_hydrostatic_stress_Pa,"
           "min_hydrostatic_stress_Pa,elastic_energy_J,volume_change,coupling_iterations,surface_hoop_stress_Pa,"
           "center_hydrostatic_stress_Pa,max_gb_normal_stress_Pa,mean_misorientation_deg,crack_measure,"
           "crack_measure_intergranular,crack_measure_intragranular,max_d,staggered_iterations";
  }

  std::string HistoryWriter::format(const HistoryRow &row)
  {
    std::ostringstream out;
    out << std::setprecision(15);
    const auto &s = row.step;
    out << s.step << ',' << s.time << ',' << s.dt << ',' << s.current << ',' << s.voltage << ',' << s.state.mean_x
        << ',' << s.state.min_x << ',' << s.state.max_x << ',' << row.soc << ',' << s.newton_iterations << ','
        << s.linear_iterations << ',' << s.protocol_step << ',' << s.cycle << ',' << s.state.lithium_mol;
    const auto &m = row.mechanics;
    out << ',' << m.max_principal_stress << ',' << m.max_hydrostatic_stress << ',' << m.min_hydrostatic_stress << ','
        << m.elastic_energy << ',' << m.volume_change << ',' << s.coupling_iterations << ',' << m.surface_hoop_stress << ','
        << m.center_hydrostatic_stress << ',' << m.max_gb_normal_stress << ',' << m.mean_misorientation;
    const auto &k = row.crack;
    out << ',' << k.crack_measure << ',' << k.intergranular << ',' << k.intragranular << ',' << k.max_damage << ','
        << k.staggered_iterations;
    return out.str();
  }

  void HistoryWriter::add(const HistoryRow &row)
  {
    all_rows.push_back(row);
    if (file.is_open())
      file << format(row) << '\n' << std::flush;
  }

  // ------------------------------------------------------------- parameters
  unsigned int dimension_from_parameters(ParameterHandler &prm) { return prm.get_integer("Dimension"); }

  namespace
  {
    // deal.II's JSON reader reports a bad value without naming its entry.
    // Translating the JSON tree (plain values, or objects with a "value" as
    // printed by --print-parameters json) into .prm text lets the .prm
    // parser name the entry in its message.
    void append_prm(const boost::property_tree::ptree &node, std::ostringstream &out, const unsigned int depth)
    {
      const std::string indent(2 * depth, ' ');
      for (const auto &[name, child] : node)
        {
          const auto value = child.get_child_optional("value");
          if (child.empty() || (value && value->empty()))
            out << indent << "set " << name << " = " << (child.empty() ? child.data() : value->data()) << '\n';
          else
            {
              out << indent << "subsection " << name << '\n';
              append_prm(child, out, depth + 1);
              out << indent << "end\n";
            }
        }
    }

    std::string json_to_prm(const std::string &file_name)
    {
      boost::property_tree::ptree tree;
      try
        {
          boost::property_tree::read_json(file_name, tree);
        }
      catch (const std::exception &error)
        {
          throw InputError("parameter file '" + file_name + "' is not valid JSON: " + error.what());
        }
      std::ostringstream out;
      append_prm(tree, out, 0);
      return out.str();
    }
  } // namespace

  namespace
  {
    void parse_one_parameter_file(ParameterHandler &prm, const std::string &file_name);
  }

  void parse_parameter_file(ParameterHandler &prm, const std::string &file_name)
  {
    parse_one_parameter_file(prm, file_name);
    prm.enter_subsection("Material");
    const std::string preset = prm.get("Preset");
    prm.leave_subsection();
    if (preset == "none")
      return;
    // The preset first, then the file again so that its entries win.
    const std::string preset_file =
      resolve_data_file("presets/" + preset + ".prm", default_data_directory(), "Material/Preset");
    parse_one_parameter_file(prm, preset_file);
    parse_one_parameter_file(prm, file_name);
  }

  namespace
  {
  void parse_one_parameter_file(ParameterHandler &prm, const std::string &file_name)
  {
    if (!std::filesystem::is_regular_file(file_name))
      throw InputError("parameter file '" + file_name + "' not found");
    const auto extension = std::filesystem::path(file_name).extension().string();
    if (extension != ".prm" && extension != ".json")
      throw InputError("parameter file '" + file_name + "' must end in .prm or .json");
    try
      {
        if (extension == ".json")
          prm.parse_input_from_string(json_to_prm(file_name));
        else
          prm.parse_input(file_name, "", false, false);
      }
    catch (const InputError &)
      {
        throw;
      }
    catch (const std::exception &error)
      {
        std::string message = one_line_message(error);
        // JSON input was translated to .prm text: its line numbers mean nothing.
        const std::string translated = " of file <input string>";
        if (const auto pos = message.find(translated); pos != std::string::npos)
          {
            const auto start = message.rfind("Line <", pos);
            message.erase(start, pos + translated.size() + 2 - start);
          }
        throw InputError("parameter file '" + file_name + "': " + message);
      }
  }
  } // namespace

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
        mechanics_settings.parse_parameters(prm);
        if (mechanics_settings.enabled)
          mechanical_material.parse_parameters(prm, default_data_directory(), material.maximum_concentration);
        fracture_settings.parse_parameters(prm);
        if (fracture_settings.enabled && !mechanics_settings.enabled)
          throw InputError("Fracture/Enabled = true needs Mechanics/Enable = true");
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


  // ------------------------------------------------------------ checkpoints
  namespace
  {
    // What a checkpoint holds besides the mesh and its attached vectors.
    struct RestartData
    {
      ProtocolRunner::State  runner;
      ModelScalars           scalars;
      unsigned int           field_index     = 0;
      double                 last_field_time = 0.;
      std::string            history_rows;   // history.csv without its header
      std::vector<XDMFEntry> xdmf[3];        // fields, mechanics, fracture
    };

    const char *checkpoint_format = "camfrac-checkpoint-1";

    std::string exact(const double x)
    {
      std::ostringstream out;
      out << std::hexfloat << x;
      return out.str();
    }

    // Rank 0 writes the text parts of a checkpoint; state.txt last.
    void write_restart_data(const std::string &directory, const RestartData &data, const int dim,
                            const unsigned int ranks, const std::string &run_prm)
    {
      std::filesystem::copy_file(run_prm, directory + "/run.prm");
      {
        std::ofstream out(directory + "/history.csv");
        out << HistoryWriter::header() << '\n' << data.history_rows;
      }
      {
        std::ofstream                 out(directory + "/xdmf.txt");
        boost::archive::text_oarchive archive(out);
        for (const auto &entries : data.xdmf)
          archive << entries;
      }
      std::ofstream out(directory + "/state.txt.tmp");
      const auto   &r = data.runner;
      out << checkpoint_format << '\n'
          << "dimension " << dim << '\n'
          << "ranks " << ranks << '\n'
          << "cycle " << r.cycle << '\n'
          << "protocol_step " << r.protocol_step << '\n'
          << "elapsed " << exact(r.elapsed) << '\n'
          << "time_step " << exact(r.time_step) << '\n'
          << "previous_distance " << exact(r.previous_distance) << '\n'
          << "time " << exact(r.time) << '\n'
          << "last_voltage " << exact(r.last_voltage) << '\n'
          << "accepted_steps " << r.accepted_steps << '\n'
          << "potential " << exact(data.scalars.potential) << '\n'
          << "staggered_iterations " << data.scalars.staggered_iterations << '\n'
          << "field_index " << data.field_index << '\n'
          << "last_field_time " << exact(data.last_field_time) << '\n';
      out.close();
      if (!out)
        throw InputError("cannot write the checkpoint in '" + directory + "'");
      std::filesystem::rename(directory + "/state.txt.tmp", directory + "/state.txt");
    }

    RestartData read_restart_data(const std::string &directory, const MPI_Comm communicator)
    {
      // Every rank reads the small text files itself.
      const auto fail = [&](const std::string &what) {
        return InputError("--restart: checkpoint '" + directory + "' is unreadable (" + what + ")");
      };
      std::map<std::string, std::string> values;
      {
        std::ifstream in(directory + "/state.txt");
        std::string   format;
        if (!(in >> format) || format != checkpoint_format)
          throw fail("state.txt is missing or of another format");
        std::string key, value;
        while (in >> key >> value)
          values[key] = value;
      }
      const auto number = [&](const std::string &key) {
        const auto it = values.find(key);
        if (it == values.end())
          throw fail("no '" + key + "' in state.txt");
        return std::strtod(it->second.c_str(), nullptr);
      };
      RestartData data;
      data.runner.cycle                 = number("cycle");
      data.runner.protocol_step         = number("protocol_step");
      data.runner.elapsed               = number("elapsed");
      data.runner.time_step             = number("time_step");
      data.runner.previous_distance     = number("previous_distance");
      data.runner.time                  = number("time");
      data.runner.last_voltage          = number("last_voltage");
      data.runner.accepted_steps        = number("accepted_steps");
      data.scalars.potential            = number("potential");
      data.scalars.staggered_iterations = number("staggered_iterations");
      data.field_index                  = number("field_index");
      data.last_field_time              = number("last_field_time");
      {
        std::ifstream     in(directory + "/history.csv");
        std::stringstream text;
        text << in.rdbuf();
        std::string rows = text.str();
        const auto  eol  = rows.find('\n');
        if (!in || eol == std::string::npos)
          throw fail("history.csv is missing");
        data.history_rows = rows.substr(eol + 1);
      }
      try
        {
          std::ifstream                 in(directory + "/xdmf.txt");
          boost::archive::text_iarchive archive(in);
          for (auto &entries : data.xdmf)
            archive >> entries;
        }
      catch (const std::exception &)
        {
          throw fail("xdmf.txt is missing or damaged");
        }
      (void)communicator;
      return data;
    }
  } // namespace

  namespace
  {
    std::string format_duration(double seconds)
    {
      std::ostringstream out;
      out << std::fixed << std::setprecision(1);
      if (seconds < 120.)
        out << seconds << " s";
      else if (seconds < 7200.)
        out << seconds / 60. << " min";
      else
        out << seconds / 3600. << " h";
      return out.str();
    }

    // Nominal simulated time left in the protocol, for the progress ETA.
    double estimated_remaining_time(const Protocol &protocol, const AcceptedStep &now, const double soc)
    {
      double remaining = 0.;
      for (unsigned int cycle = now.cycle; cycle <= protocol.cycles; ++cycle)
        for (unsigned int k = 0; k < protocol.steps.size(); ++k)
          {
            if (cycle == now.cycle && k + 1 < now.protocol_step)
              continue;
            const auto &step    = protocol.steps[k];
            const bool  current = cycle == now.cycle && k + 1 == now.protocol_step;
            double      t       = step.duration;
            if (step.kind == ProtocolStep::Kind::charge || step.kind == ProtocolStep::Kind::discharge)
              {
                const double window =
                  current ? (step.kind == ProtocolStep::Kind::charge ? 1. - soc : soc) : 1.;
                if (step.current.is_c_rate)
                  t = std::min(t, std::max(window, 0.) / step.current.value * 3600.);
              }
            else if (step.kind == ProtocolStep::Kind::hold)
              t = std::min(t, 1800.);
            if (std::isinf(t))
              t = 3600.;
            remaining += t;
          }
      return remaining;
    }
  } // namespace

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

  template <int dim>
  template <typename LA>
  void Simulation<dim>::run_with_backend()
  {
    const bool         root = Utilities::MPI::this_mpi_process(communicator) == 0;
    ConditionalOStream pcout(std::cout, root && !output.quiet);
    prepare_output_directory();
    {
      // Rank 0 writes; every rank learns whether it worked, so none hangs.
      std::string problem;
      if (root)
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

    // Errors are caught inside the timer's scope and rethrown after it:
    // TimerOutput communicates in its destructor, and all ranks fail alike.
    std::exception_ptr failure;
    {
      std::ostringstream timer_text;
      TimerOutput        timer(communicator, timer_text, TimerOutput::never, TimerOutput::wall_times);
      try
      {

      const bool restarting = !restart_directory.empty();
      parallel::distributed::Triangulation<dim> triangulation(communicator);
      if (restarting)
        {
          // The coarse mesh with its manifolds, then the saved refinement.
          geometry.create(triangulation, false);
          try
            {
              triangulation.load(restart_directory + "/mesh");
            }
          catch (const std::exception &error)
            {
              throw InputError("--restart: cannot read the mesh of checkpoint '" + restart_directory +
                               "': " + one_line_message(error));
            }
        }
      else
        {
          geometry.create(triangulation);
          if (fracture_settings.enabled)
            resolve_length_scale(triangulation, !adaptivity_settings.enabled);
        }
      // Imported meshes define their own volume (1C refers to it).
      const double particle_volume =
        geometry.mesh_file.empty() ? geometry.nominal_volume<dim>() : GridTools::volume(triangulation);
      TransportField<dim, LA> transport(triangulation, material, transport_settings, particle_volume, &timer);
      transport.set_material_field(material_field);
      if (!restarting)
        {
          TimerOutput::Scope scope(timer, "setup");
          transport.setup();
        }
      std::unique_ptr<MechanicsField<dim, LA>>        mechanics;
      std::unique_ptr<ChemoMechanicalModel<dim, LA>> coupled;
      if (mechanics_settings.enabled)
        {
          const unsigned int degree =
            mechanics_settings.fe_degree == 0 ? std::min(transport_settings.fe_degree + 1, 2u) : mechanics_settings.fe_degree;
          mechanics = std::make_unique<MechanicsField<dim, LA>>(triangulation, mechanical_material, mechanics_settings,
                                                                degree, &timer);
          mechanics->set_orientation(material.orientation);
          mechanics->set_material_field(material_field);
          if (fracture_settings.enabled)
            mechanics->set_energy_split(fracture_settings.split);
          coupled = std::make_unique<ChemoMechanicalModel<dim, LA>>(transport, *mechanics, mechanics_settings, &timer);
          if (!restarting)
            {
              mechanics->setup();
              coupled->setup();
            }
        }
      std::unique_ptr<PhaseField<dim, LA>>      phase_field;
      std::unique_ptr<FracturingModel<dim, LA>> fracturing;
      if (fracture_settings.enabled)
        {
          phase_field = std::make_unique<PhaseField<dim, LA>>(triangulation, fracture_settings, &timer);
          phase_field->set_material_field(material_field);
          fracturing = std::make_unique<FracturingModel<dim, LA>>(transport, *mechanics, *coupled, *phase_field, &timer);
          if (!restarting)
            {
              phase_field->setup();
              fracturing->setup();
            }
        }

      // The accepted state, for mesh changes and checkpoints.
      ModelState<dim, LA> model_state(triangulation, {&transport, mechanics.get(), coupled.get(), phase_field.get(),
                                                      fracturing.get()});
      RestartData restart;
      if (restarting)
        {
          restart = read_restart_data(restart_directory, communicator);
          model_state.set_scalars(restart.scalars);
          TimerOutput::Scope scope(timer, "restart: read");
          model_state.deserialize();
        }
      std::unique_ptr<MeshAdaptivity<dim, LA>> adaptivity;
      if (adaptivity_settings.enabled)
        {
          adaptivity = std::make_unique<MeshAdaptivity<dim, LA>>(
            triangulation, adaptivity_settings, model_state, transport, phase_field.get(),
            [this](const typename Triangulation<dim>::active_cell_iterator &cell) { return in_cracking_region(cell); },
            geometry.global_refinements, &timer);
          if (fracturing)
            fracturing->set_mesh_corrector([&adaptivity]() { return adaptivity->correct(); });
        }

      ElectrodeModel &model = fracturing ? static_cast<ElectrodeModel &>(*fracturing) :
                              coupled    ? static_cast<ElectrodeModel &>(*coupled) :
                                           static_cast<ElectrodeModel &>(transport);

      pcout << "camfrac " << version() << ": " << dim << "D particle, R = " << geometry.radius << " m, "
            << triangulation.n_global_active_cells() << " cells, " << transport.n_dofs() << " DoFs (Q"
            << transport_settings.fe_degree << ")";
      if (mechanics)
        pcout << " + " << mechanics->n_dofs() << " displacement DoFs (Q" << mechanics->get_fe_degree() << ")";
      if (phase_field)
        pcout << " + " << phase_field->n_dofs() << " phase-field DoFs ("
              << FractureSettings::model_name(fracture_settings.model) << ")";
      pcout << ", " << Utilities::MPI::n_mpi_processes(communicator) << " rank(s), "
            << (backend == Backend::petsc ? "PETSc" : "Trilinos") << ", 1C = " << transport.one_c_current() << " A"
            << std::endl;

      HistoryWriter history(output.directory + "/history.csv", communicator, restart.history_rows);
      std::string   history_text = restart.history_rows; // all rows, for checkpoints
      std::vector<XDMFEntry> xdmf_entries = restart.xdmf[0];
      unsigned int           field_index     = restart.field_index;
      double                 last_field_time = restart.last_field_time;
      std::vector<XDMFEntry> mechanics_xdmf_entries = restart.xdmf[1], fracture_xdmf_entries = restart.xdmf[2];
      const auto write_all_fields = [&](const double time) {
        transport.write_fields(output.directory, field_index, time, xdmf_entries);
        if (mechanics)
          mechanics->write_fields(coupled->concentration_view(), output.directory, field_index, time,
                                  mechanics_xdmf_entries);
        if (phase_field)
          phase_field->write_fields(output.directory, field_index, time, fracture_xdmf_entries);
        ++field_index;
      };
      if (output.write_fields && !restarting)
        write_all_fields(0.);

      // Open MPI hands ranks a pseudo-terminal even when mpirun's own output is
      // redirected, so under a launcher the line is opt-in (--progress).
      const bool under_launcher = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_RANK") != nullptr;
      const bool show_progress  = root && !output.quiet &&
                                 (output.progress || (!under_launcher && isatty(fileno(stdout))));
      const auto   wall_start    = std::chrono::steady_clock::now();
      const double window = material.maximum_stoichiometry - material.minimum_stoichiometry;

      // Known limit (docs/user-guide.md, "Polycrystals and stress-coupled
      // diffusion"): said before the run, which it may end.
      std::string coupling_warning;
      if (mechanics && mechanics_settings.stress_coupled_diffusion && material_field &&
          material_field->microstructure().is_polycrystal() &&
          material_field->microstructure().distribution == Microstructure<dim>::OrientationDistribution::random &&
          mechanical_material.chemical_strain_model() == MechanicalMaterial::ChemicalStrain::lattice)
        {
          coupling_warning = "stress-coupled diffusion in a randomly oriented polycrystal: the grain-boundary "
                             "mismatch stresses can make the coupled problem ill-posed at high SOC (see "
                             "docs/user-guide.md, 'Polycrystals and stress-coupled diffusion'); "
                             "'Mechanics/Stress-coupled diffusion = false' avoids it";
          pcout << "camfrac: warning: " << coupling_warning << std::endl;
        }

      ProtocolRunner runner(model, protocol, time_stepping);

      // Between steps: adapt the mesh, then write a checkpoint if one is due
      // (interval or signal); a signal then stops the run.
      std::ofstream mesh_log;
      if (root && adaptivity)
        {
          mesh_log.open(output.directory + "/mesh.csv", restarting ? std::ios::app : std::ios::out);
          if (!restarting)
            mesh_log << "step,time_s,cells,c_dofs,u_dofs,d_dofs,lithium_correction\n" << std::flush;
        }
      if (checkpoint_settings.on_signal)
        install_checkpoint_signal_handlers();
      CheckpointTrigger trigger(checkpoint_settings, communicator);
      CheckpointStore   store(checkpoint_settings.directory, checkpoint_settings.keep, communicator);
      runner.set_step_hook([&](const ProtocolRunner::State &state) {
        if (adaptivity && state.accepted_steps % adaptivity_settings.interval == 0 && adaptivity->adapt())
          {
            const types::global_dof_index nu = mechanics ? mechanics->n_dofs() : 0;
            const types::global_dof_index nd = phase_field ? phase_field->n_dofs() : 0;
            if (root)
              mesh_log << state.accepted_steps << ',' << state.time << ',' << triangulation.n_global_active_cells()
                       << ',' << transport.n_dofs() << ',' << nu << ',' << nd << ','
                       << model_state.last_lithium_correction() << '\n' << std::flush;
          }
        const CheckpointTrigger::Decision decision = trigger.after_step(state.accepted_steps);
        if (!decision.write)
          return;
        std::string written;
        {
          TimerOutput::Scope scope(timer, "checkpoint: write");
          RestartData data;
          data.runner          = state;
          data.scalars         = model_state.scalars();
          data.field_index     = field_index;
          data.last_field_time = last_field_time;
          data.history_rows    = history_text;
          data.xdmf[0]         = xdmf_entries;
          data.xdmf[1]         = mechanics_xdmf_entries;
          data.xdmf[2]         = fracture_xdmf_entries;
          written = store.write(state.accepted_steps, [&](const std::string &directory) {
            model_state.prepare_for_serialization();
            triangulation.save(directory + "/mesh");
            std::string problem;
            if (root)
              try
                {
                  write_restart_data(directory, data, dim, Utilities::MPI::n_mpi_processes(communicator),
                                     output.directory + "/run.prm");
                }
              catch (const std::exception &error)
                {
                  problem = one_line_message(error);
                }
            problem = Utilities::MPI::broadcast(communicator, problem, 0);
            if (!problem.empty())
              throw InputError("cannot write a checkpoint: " + problem);
          });
          trigger.reset_clock();
        }
        if (decision.stop)
          {
            if (show_progress)
              std::printf("\n");
            throw Interrupted("stopped by signal " + std::to_string(decision.signal) + " (" +
                              (decision.signal == SIGTERM ? "SIGTERM" : decision.signal == SIGUSR1 ? "SIGUSR1" : "?") +
                              ") after step " + std::to_string(state.accepted_steps) + ", t = " +
                              std::to_string(state.time) + " s. Checkpoint written to '" + written +
                              "'. Continue with: camfrac --restart " + checkpoint_settings.directory);
          }
      });
      const auto observer = [&](const AcceptedStep &step) {
        HistoryRow row;
        row.step = step;
        row.soc  = (material.maximum_stoichiometry - step.state.mean_x) / window;
        if (coupled)
          row.mechanics = coupled->mechanical_summary();
        if (fracturing)
          row.crack = fracturing->crack_summary();
        history.add(row);
        history_rows.push_back(row);
        history_text += HistoryWriter::format(row) + '\n';

        if (output.write_fields &&
            (step.ends_protocol_step ||
             (output.field_output_interval > 0. && step.time - last_field_time >= output.field_output_interval)))
          {
            write_all_fields(step.time);
            last_field_time = step.time;
          }

        if (show_progress)
          {
            const double wall =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
            const double eta = wall / step.time * estimated_remaining_time(protocol, step, row.soc);
            std::printf("\r  step %5u  t = %9s  SOC %5.1f%%  V = %.4f V  I = %+.3e A  ETA ~%-9s", step.step,
                        format_duration(step.time).c_str(), 100. * row.soc, step.voltage, step.current,
                        format_duration(eta).c_str());
            std::fflush(stdout);
          }
      };
      if (restarting)
        {
          pcout << "Restarting from '" << restart_directory << "': step " << restart.runner.accepted_steps
                << ", t = " << format_duration(restart.runner.time) << std::endl;
          runner.run(observer, restart.runner);
        }
      else
        runner.run(observer);
      if (show_progress)
        std::printf("\n");
      warning_list = runner.warnings();
      for (const auto &warning : warning_list)
        pcout << "camfrac: warning: " << warning << std::endl;
      if (!coupling_warning.empty())
        warning_list.push_back(coupling_warning);

      if (!history_rows.empty())
        {
          const auto &last = history_rows.back();
          pcout << "Finished: " << last.step.step << " steps, t = " << format_duration(last.step.time)
                << ", V = " << last.step.voltage << " V, SOC = " << 100. * last.soc << "%" << std::endl;
        }

      timer.print_summary();
      if (root)
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

  template class Simulation<2>;
  template class Simulation<3>;
} // namespace camfrac
