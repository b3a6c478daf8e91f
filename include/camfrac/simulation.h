// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/coupling/adaptivity.h>
#include <camfrac/coupling/protocol.h>
#include <camfrac/io/checkpoint.h>
#include <camfrac/coupling/protocol_runner.h>
#include <camfrac/coupling/history_row.h>
#include <camfrac/material/electrode_material.h>
#include <camfrac/material/mechanical_material.h>
#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/phase_field.h>
#include <camfrac/microstructure/particle_geometry.h>
#include <camfrac/physics/transport.h>

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include <string>
#include <vector>

/// camfrac: electro-chemo-mechanics and fracture of battery cathode particles.
namespace camfrac
{
  template <int dim, typename LA>
  class SimulationRun; // src/simulation.cc

  /// Version of the library, "major.minor.patch".
  const char *version();

  /// Settings that are not physics: where and how often to write.
  struct OutputSettings
  {
    std::string directory            = "output";
    double      field_output_interval = 600.; ///< [s] of simulated time; 0: only at protocol-step ends
    bool        write_fields          = true;
    bool        quiet                 = false; ///< no progress line
    bool        progress              = false; ///< force the progress line (e.g. under mpirun)
    /// The virtual operando XRD (xrd.csv, xrd_histogram.csv): automatic (when
    /// mechanics and a lattice table are on), on (an input error otherwise) or off.
    enum class Xrd
    {
      automatic,
      on,
      off
    };
    Xrd         xrd = Xrd::automatic;
    XrdSettings xrd_settings;
    static void declare_parameters(dealii::ParameterHandler &prm);
    void        parse_parameters(dealii::ParameterHandler &prm);
  };

  /**
   * A complete camfrac run: builds the particle mesh, the material, the
   * transport field and the protocol from a ParameterHandler, runs the
   * protocol and writes run.prm, history.csv, fields (XDMF + HDF5) and a
   * timer summary into the output directory.
   *
   * A research code may instead assemble the same pieces (ParticleGeometry,
   * ElectrodeMaterial, TransportField, ProtocolRunner) itself.
   */
  template <int dim>
  class Simulation
  {
  public:
    /// Declare every parameter of a run (all sections).
    static void declare_parameters(dealii::ParameterHandler &prm);

    /// Parse and check all parameters. Throws InputError.
    Simulation(dealii::ParameterHandler &prm, MPI_Comm communicator = MPI_COMM_WORLD);

    /// Run the protocol. Throws InputError or SolverFailure, and Interrupted
    /// when a signal stopped the run after writing a checkpoint.
    void run();

    /**
     * Continue from the checkpoint directory @p checkpoint (a
     * checkpoint-<step> directory, see CheckpointStore::find_latest) instead
     * of the initial state, on any number of ranks. The parameters must be
     * the checkpoint's run.prm. history.csv and the XDMF files are rewritten
     * with the checkpoint's rows and entries, then continued.
     */
    void set_restart(const std::string &checkpoint) { restart_directory = checkpoint; }

    /// Suppress the progress line and the summary on stdout.
    void set_quiet(const bool quiet) { output.quiet = quiet; }
    /// Show the progress line even when stdout's terminal status is unknown.
    void set_progress(const bool progress) { output.progress = progress; }

    /// The rows of the accepted steps of this run (after a restart: those
    /// computed since; history.csv holds all).
    const std::vector<HistoryRow> &history() const { return history_rows; }
    /// Warnings collected during the run (identical on all ranks).
    const std::vector<std::string> &warnings() const { return warning_list; }

  private:
    dealii::ParameterHandler &prm;
    MPI_Comm                  communicator;
    Backend                   backend = Backend::trilinos;
    ParticleGeometry          geometry;
    ElectrodeMaterial         material;
    TransportSettings         transport_settings;
    MechanicalMaterial        mechanical_material;
    MechanicsSettings         mechanics_settings;
    FractureSettings          fracture_settings;
    AdaptivitySettings        adaptivity_settings;
    CheckpointSettings        checkpoint_settings;
    std::string               restart_directory;
    TimeSteppingSettings      time_stepping;
    Protocol                  protocol;
    OutputSettings            output;
    ElectrodeMaterial         shell_material;
    MechanicalMaterial        shell_mechanical_material;
    std::shared_ptr<MaterialField<dim>> material_field; // null for a plain single crystal
    std::vector<HistoryRow>   history_rows;
    std::vector<std::string>  warning_list;

    template <typename LA>
    void run_with_backend();
    void write_run_parameters() const;
    template <int, typename>
    friend class SimulationRun;
    void prepare_output_directory() const;
    void parse_microstructure();
    /// Refine the cracking region until h <= ell/2 (@p refine), or only check
    /// that at most 'Maximum resolution refinements' levels would do it.
    void resolve_length_scale(dealii::parallel::distributed::Triangulation<dim> &triangulation, bool refine) const;
    bool in_cracking_region(const typename dealii::Triangulation<dim>::active_cell_iterator &cell) const;
  };

  /// Read "Dimension" from a parsed ParameterHandler.
  unsigned int dimension_from_parameters(dealii::ParameterHandler &prm);

  /// Parse a .prm or .json file into @p prm, turning deal.II's exceptions
  /// into InputError with a one-line message naming the file and parameter.
  /// If the file selects a 'Material/Preset', the preset file
  /// (data/presets/<name>.prm) is read first and the file's own entries
  /// then override it.
  void parse_parameter_file(dealii::ParameterHandler &prm, const std::string &file_name);
} // namespace camfrac
