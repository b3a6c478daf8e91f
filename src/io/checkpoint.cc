// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors

#include <camfrac/io/checkpoint.h>
#include <camfrac/io/errors.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace camfrac
{
  using namespace dealii;
  namespace fs = std::filesystem;

  void CheckpointSettings::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Checkpoint");
    prm.declare_entry("Directory", "", Patterns::Anything(),
                      "Where checkpoints are written; empty: <Output/Directory>/checkpoint. Restart with "
                      "'camfrac --restart <this directory>'.");
    prm.declare_entry("Wall-clock interval", "3600", Patterns::Double(0.),
                      "Write a checkpoint after the first time step that ends at least this much wall-clock time "
                      "after the previous checkpoint [s], >= 0; 0: never by time.");
    prm.declare_entry("Step interval", "0", Patterns::Integer(0),
                      "Write a checkpoint every this many accepted time steps [-]; 0: never by count.");
    prm.declare_entry("On signal", "true", Patterns::Bool(),
                      "On SIGTERM or SIGUSR1 (sent by batch systems before the wall-time limit, e.g. SLURM's "
                      "--signal), finish the current time step, write a checkpoint and stop with exit status 75.");
    prm.declare_entry("Keep", "2", Patterns::Integer(1), "How many of the newest complete checkpoints are kept [-], >= 1.");
    prm.leave_subsection();
  }

  void CheckpointSettings::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Checkpoint");
    directory          = prm.get("Directory");
    wall_time_interval = prm.get_double("Wall-clock interval");
    step_interval      = prm.get_integer("Step interval");
    on_signal          = prm.get_bool("On signal");
    keep               = prm.get_integer("Keep");
    prm.leave_subsection();
  }

  // ----------------------------------------------------------------- signals
  namespace
  {
    volatile std::sig_atomic_t received_signal = 0;
    extern "C" void            record_signal(int signal) { received_signal = signal; }
  } // namespace

  void install_checkpoint_signal_handlers()
  {
    struct sigaction action = {};
    action.sa_handler       = record_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART; // MPI and file calls continue
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGUSR1, &action, nullptr);
  }

  CheckpointTrigger::CheckpointTrigger(const CheckpointSettings &settings, const MPI_Comm communicator)
    : settings(settings)
    , communicator(communicator)
    , last(std::chrono::steady_clock::now())
  {}

  void CheckpointTrigger::reset_clock() { last = std::chrono::steady_clock::now(); }

  CheckpointTrigger::Decision CheckpointTrigger::after_step(const unsigned int accepted_steps)
  {
    // Rank 0's clock decides; a signal seen by any rank counts for all.
    int local[2] = {0, settings.on_signal ? int(received_signal) : 0};
    if (Utilities::MPI::this_mpi_process(communicator) == 0 && settings.wall_time_interval > 0.)
      local[0] = std::chrono::duration<double>(std::chrono::steady_clock::now() - last).count() >=
                 settings.wall_time_interval;
    int global[2];
    MPI_Allreduce(local, global, 2, MPI_INT, MPI_MAX, communicator);
    Decision decision;
    decision.signal = global[1];
    decision.stop   = global[1] != 0;
    decision.write  = decision.stop || global[0] != 0 ||
                     (settings.step_interval > 0 && accepted_steps % settings.step_interval == 0);
    return decision;
  }

  // ---------------------------------------------------------- CheckpointStore
  namespace
  {
    const char *complete_marker = "state.txt";

    bool is_checkpoint(const fs::path &dir)
    {
      std::error_code ec;
      return fs::is_directory(dir, ec) && fs::exists(dir / complete_marker, ec);
    }

    // step number of root/checkpoint-<step>, or -1
    long checkpoint_number(const fs::path &dir)
    {
      const std::string name = dir.filename().string();
      if (name.rfind("checkpoint-", 0) != 0)
        return -1;
      try
        {
          return std::stol(name.substr(11));
        }
      catch (...)
        {
          return -1;
        }
    }
  } // namespace

  CheckpointStore::CheckpointStore(const std::string &root, const unsigned int keep, const MPI_Comm communicator)
    : root(root)
    , keep(keep)
    , communicator(communicator)
  {}

  std::string CheckpointStore::write(const unsigned int step, const std::function<void(const std::string &)> &writer)
  {
    const bool        rank0     = Utilities::MPI::this_mpi_process(communicator) == 0;
    const std::string temporary = root + "/.incomplete-" + std::to_string(step);
    const std::string final_dir = root + "/checkpoint-" + std::to_string(step);
    std::string       problem;
    if (rank0)
      {
        std::error_code ec;
        fs::create_directories(root, ec);
        // Leftovers of a writer that was killed.
        for (const auto &entry : fs::directory_iterator(root, ec))
          if (entry.path().filename().string().rfind(".incomplete-", 0) == 0)
            fs::remove_all(entry.path(), ec);
        ec.clear();
        fs::create_directories(temporary, ec);
        if (ec)
          problem = "cannot create the checkpoint directory '" + temporary + "' (" + ec.message() + ")";
      }
    problem = Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      throw InputError(problem);

    writer(temporary); // collective

    // Test hook (tests/cli/check_checkpoint_kill.cmake): kill the writer
    // after it wrote everything, before the rename.
    static unsigned int written = 0;
    ++written;
    if (const char *kill_at = std::getenv("CAMFRAC_TEST_KILL_IN_CHECKPOINT"))
      if (std::atoi(kill_at) == int(written))
        std::raise(SIGKILL);

    MPI_Barrier(communicator); // every rank's files are closed
    if (rank0)
      {
        std::error_code ec;
        fs::remove_all(final_dir, ec);
        ec.clear();
        fs::rename(temporary, final_dir, ec);
        if (ec)
          problem = "cannot rename '" + temporary + "' to '" + final_dir + "' (" + ec.message() + ")";
        else
          {
            {
              std::ofstream latest(root + "/latest.tmp");
              latest << "checkpoint-" << step << '\n';
            }
            fs::rename(root + "/latest.tmp", root + "/latest", ec);
            // Keep the newest complete ones.
            std::vector<std::pair<long, fs::path>> all;
            for (const auto &entry : fs::directory_iterator(root, ec))
              if (checkpoint_number(entry.path()) >= 0)
                all.emplace_back(checkpoint_number(entry.path()), entry.path());
            std::sort(all.begin(), all.end());
            for (std::size_t k = 0; k + keep < all.size(); ++k)
              fs::remove_all(all[k].second, ec);
          }
      }
    problem = Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      throw InputError(problem);
    return final_dir;
  }

  std::string CheckpointStore::find_latest(const std::string &path, const MPI_Comm communicator)
  {
    std::string found;
    if (Utilities::MPI::this_mpi_process(communicator) == 0)
      {
        const fs::path  p(path);
        std::error_code ec;
        if (is_checkpoint(p))
          found = p.string();
        else if (fs::is_directory(p, ec))
          {
            std::ifstream latest(p / "latest");
            std::string   name;
            if (latest >> name && is_checkpoint(p / name))
              found = (p / name).string();
            else
              {
                // 'latest' missing or stale: the newest complete checkpoint.
                long best = -1;
                for (const auto &entry : fs::directory_iterator(p, ec))
                  if (checkpoint_number(entry.path()) > best && is_checkpoint(entry.path()))
                    {
                      best  = checkpoint_number(entry.path());
                      found = entry.path().string();
                    }
              }
          }
      }
    found = Utilities::MPI::broadcast(communicator, found, 0);
    if (found.empty())
      throw InputError("--restart '" + path + "': no complete checkpoint found there (a checkpoint directory holds "
                       "checkpoint-<step>/state.txt)");
    return found;
  }
} // namespace camfrac
