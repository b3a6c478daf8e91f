// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The camfrac command line: a thin wrapper around camfrac::Simulation.

#include <camfrac/io/checkpoint.h>
#include <camfrac/io/errors.h>
#include <camfrac/simulation.h>

#include <deal.II/base/mpi.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace
{
  const char *usage = R"(Usage: camfrac [options] FILE.prm|FILE.json
       camfrac [options] --restart DIR

Simulates Li transport, surface electrochemistry and (in later versions)
mechanics and fracture of a cathode particle under a cycling protocol.

Options:
  --print-parameters [prm|json]  print every parameter with its documentation,
                                 unit and range (default format: prm), and exit
  --quiet                        no progress line and no summary on stdout
  --progress                     show the progress line under mpirun too (it is
                                 shown by default only when stdout is a terminal)
  --restart DIR                  continue the run whose checkpoints are in DIR
                                 (its newest complete one, or DIR itself if it is
                                 a checkpoint-<step> directory), on any number of
                                 ranks, with the parameters saved in it
  --threads N                    threads per rank for assembly (default 1,
                                 0: the node's cores divided among its ranks)
  --help                         show this help and exit
  --version                      show the version and exit

Run in parallel with: mpirun -np N camfrac FILE.prm
Output (in 'Output/Directory'): run.prm, history.csv, fields.xdmf + fields-*.h5,
timing.txt; checkpoints in 'Checkpoint/Directory'. On SIGTERM or SIGUSR1 the run
writes a checkpoint after the current step and exits with status 75.
Exit status: 0 done, 1 input error, 2 solver failure, 3 other error,
75 stopped by a signal (restart it). See README.md, docs/user-guide.md, docs/hpc.md.
)";

  template <int dim>
  void run(dealii::ParameterHandler &prm, const bool quiet, const bool progress, const std::string &restart)
  {
    camfrac::Simulation<dim> simulation(prm, MPI_COMM_WORLD);
    simulation.set_quiet(quiet);
    simulation.set_progress(progress);
    if (!restart.empty())
      simulation.set_restart(restart);
    simulation.run();
  }
} // namespace

int main(int argc, char **argv)
{
  // Threads per rank for the threaded assembly (WorkStream): --threads N,
  // 0 = the cores of the node divided among its ranks. Default 1 (one rank per core).
  unsigned int threads = 1;
  for (int k = 1; k + 1 < argc; ++k)
    if (std::string(argv[k]) == "--threads")
      {
        const int n = std::atoi(argv[k + 1]);
        threads     = n <= 0 ? dealii::numbers::invalid_unsigned_int : unsigned(n);
      }
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, threads);
  const bool root = dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0;
  const auto fail = [root](const std::string &message, const int status) {
    if (root)
      std::cerr << "camfrac: error: " << message << std::endl;
    return status;
  };

  std::vector<std::string> args(argv + 1, argv + argc);
  bool                     quiet = false, progress = false;
  std::string              file, restart;
  for (std::size_t k = 0; k < args.size(); ++k)
    {
      const std::string &a = args[k];
      if (a == "--help" || a == "-h")
        {
          if (root)
            std::cout << usage;
          return 0;
        }
      if (a == "--version")
        {
          if (root)
            std::cout << "camfrac " << camfrac::version() << " (deal.II " << DEAL_II_PACKAGE_VERSION << ")\n";
          return 0;
        }
      if (a == "--print-parameters")
        {
          std::string format = "prm";
          if (k + 1 < args.size() && args[k + 1].rfind("--", 0) != 0)
            format = args[++k];
          if (format != "prm" && format != "json")
            return fail("--print-parameters takes 'prm' or 'json', not '" + format + "'", 1);
          dealii::ParameterHandler prm;
          camfrac::Simulation<3>::declare_parameters(prm);
          if (root)
            prm.print_parameters(std::cout, format == "json" ? dealii::ParameterHandler::JSON :
                                                                dealii::ParameterHandler::PRM);
          return 0;
        }
      if (a == "--restart")
        {
          if (k + 1 >= args.size())
            return fail("--restart needs a checkpoint directory", 1);
          restart = args[++k];
          continue;
        }
      if (a == "--threads")
        {
          if (k + 1 >= args.size() || args[k + 1].find_first_not_of("0123456789") != std::string::npos)
            return fail("--threads needs a number (0: automatic)", 1);
          ++k;
          continue;
        }
      if (a == "--quiet" || a == "-q")
        quiet = true;
      else if (a == "--progress")
        progress = true;
      else if (a.rfind("-", 0) == 0)
        return fail("unknown option '" + a + "' (see camfrac --help)", 1);
      else if (file.empty())
        file = a;
      else
        return fail("more than one parameter file given ('" + file + "', '" + a + "')", 1);
    }
  if (!restart.empty() && !file.empty())
    return fail("give either a parameter file or --restart DIR, not both (a restart uses the checkpoint's run.prm)", 1);
  if (file.empty() && restart.empty())
    {
      if (root)
        std::cerr << usage;
      return 1;
    }

  try
    {
      dealii::ParameterHandler prm;
      camfrac::Simulation<3>::declare_parameters(prm); // the same for 2D and 3D
      std::string checkpoint;
      if (!restart.empty())
        {
          checkpoint = camfrac::CheckpointStore::find_latest(restart, MPI_COMM_WORLD);
          file       = checkpoint + "/run.prm";
        }
      camfrac::parse_parameter_file(prm, file);
      if (camfrac::dimension_from_parameters(prm) == 2)
        run<2>(prm, quiet, progress, checkpoint);
      else
        run<3>(prm, quiet, progress, checkpoint);
    }
  catch (const camfrac::Interrupted &stop)
    {
      if (root)
        std::cerr << "camfrac: " << stop.what() << std::endl;
      return 75;
    }
  catch (const camfrac::InputError &error)
    {
      return fail(error.what(), 1);
    }
  catch (const camfrac::SolverFailure &error)
    {
      return fail(error.what(), 2);
    }
  catch (const std::exception &error)
    {
      return fail(camfrac::one_line_message(error), 3);
    }
  return 0;
}
