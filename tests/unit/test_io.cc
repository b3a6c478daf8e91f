// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The pure logic around the solvers and the files: the preconditioner-reuse
// policy, the checkpoint store's choice of the latest complete checkpoint,
// the JSON-to-prm translation, the history writer and the history columns.

#include <camfrac/coupling/history_row.h>
#include <camfrac/io/checkpoint.h>
#include <camfrac/io/errors.h>
#include <camfrac/io/history.h>
#include <camfrac/io/parameter_file.h>
#include <camfrac/physics/linear_solver.h>
#include <camfrac/physics/preconditioner_reuse.h>

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace camfrac;
namespace fs = std::filesystem;

namespace
{
  // A fresh directory under the build tree's temporary directory.
  fs::path scratch(const std::string &name)
  {
    const fs::path dir = fs::temp_directory_path() / ("camfrac-unit-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
  }

  std::string read(const fs::path &file)
  {
    std::ifstream     in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void make_checkpoint(const fs::path &dir, const bool complete)
  {
    fs::create_directories(dir);
    if (complete)
      std::ofstream(dir / "state.txt") << "camfrac-checkpoint-1\n";
  }
} // namespace

TEST(PreconditionerReuse, KeepsTheHierarchyWhileIterationsStayLow)
{
  PreconditionerReuse reuse; // growth 1.5, slack 4
  EXPECT_TRUE(reuse.needs_rebuild());
  reuse.built();
  EXPECT_FALSE(reuse.reusing()); // the first solve uses a fresh hierarchy
  reuse.record(10);              // reference n_0 = 10: keep while n <= 1.5 * 10 + 4 = 19
  EXPECT_TRUE(reuse.reusing());
  reuse.record(19);
  EXPECT_FALSE(reuse.needs_rebuild());
  reuse.record(20);
  EXPECT_TRUE(reuse.needs_rebuild());
  reuse.built();
  reuse.record(30); // a new reference
  reuse.record(49);
  EXPECT_FALSE(reuse.needs_rebuild());
  reuse.invalidate(); // a new mesh or a failed solve
  EXPECT_TRUE(reuse.needs_rebuild());
  EXPECT_EQ(reuse.number_of_builds(), 2u);
}

TEST(PreconditionerReuse, DisabledRebuildsEveryTime)
{
  PreconditionerReuse reuse(false);
  reuse.built();
  EXPECT_TRUE(reuse.needs_rebuild());
  reuse.record(5);
  EXPECT_TRUE(reuse.needs_rebuild());
}

TEST(CheckpointStore, FindsTheNewestCompleteCheckpoint)
{
  const fs::path root = scratch("checkpoints");
  make_checkpoint(root / "checkpoint-3", true);
  make_checkpoint(root / "checkpoint-12", true);
  make_checkpoint(root / "checkpoint-20", false); // a killed writer's directory without state.txt
  make_checkpoint(root / ".incomplete-25", true);
  // 'latest' names a complete one: it wins, even if not the newest.
  std::ofstream(root / "latest") << "checkpoint-3\n";
  EXPECT_EQ(fs::path(CheckpointStore::find_latest(root.string(), MPI_COMM_WORLD)), root / "checkpoint-3");
  // 'latest' stale: the highest-numbered complete checkpoint (12 < 20, but 20 is incomplete).
  std::ofstream(root / "latest") << "checkpoint-40\n";
  EXPECT_EQ(fs::path(CheckpointStore::find_latest(root.string(), MPI_COMM_WORLD)), root / "checkpoint-12");
  fs::remove(root / "latest");
  EXPECT_EQ(fs::path(CheckpointStore::find_latest(root.string(), MPI_COMM_WORLD)), root / "checkpoint-12");
  // A checkpoint directory itself is taken as it is.
  EXPECT_EQ(fs::path(CheckpointStore::find_latest((root / "checkpoint-3").string(), MPI_COMM_WORLD)),
            root / "checkpoint-3");
  // Nothing complete: an input error naming the path.
  const fs::path empty = scratch("no-checkpoints");
  make_checkpoint(empty / "checkpoint-1", false);
  try
    {
      CheckpointStore::find_latest(empty.string(), MPI_COMM_WORLD);
      FAIL() << "expected an InputError";
    }
  catch (const InputError &error)
    {
      EXPECT_NE(std::string(error.what()).find(empty.string()), std::string::npos);
    }
}

TEST(ParameterFile, JsonBecomesPrmWithNestedSectionsAndValueObjects)
{
  const fs::path dir  = scratch("json");
  const fs::path file = dir / "run.json";
  std::ofstream(file) << R"({ "Dimension": "2",
    "Geometry": { "Particle radius": { "value": "5e-6", "documentation": "ignored" },
                  "Inner": { "Depth": 3 } } })";
  EXPECT_EQ(json_to_prm(file.string()), "set Dimension = 2\n"
                                        "subsection Geometry\n"
                                        "  set Particle radius = 5e-6\n"
                                        "  subsection Inner\n"
                                        "    set Depth = 3\n"
                                        "  end\n"
                                        "end\n");
  std::ofstream(dir / "broken.json") << "{ \"Dimension\": ";
  EXPECT_THROW(json_to_prm((dir / "broken.json").string()), InputError);
}

TEST(ParameterFile, ErrorsNameTheFileAndTheEntry)
{
  dealii::ParameterHandler prm;
  prm.enter_subsection("Geometry");
  prm.declare_entry("Global refinements", "2", dealii::Patterns::Integer(0, 8), "levels [-]");
  prm.leave_subsection();
  const fs::path dir = scratch("prm");
  std::ofstream(dir / "bad.json") << R"({ "Geometry": { "Global refinements": "many" } })";
  try
    {
      parse_parameter_input(prm, (dir / "bad.json").string());
      FAIL() << "expected an InputError";
    }
  catch (const InputError &error)
    {
      const std::string message = error.what();
      EXPECT_NE(message.find("bad.json"), std::string::npos) << message;
      EXPECT_NE(message.find("Global refinements"), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message; // one line
      EXPECT_EQ(message.find("<input string>"), std::string::npos) << message;
    }
  EXPECT_THROW(parse_parameter_input(prm, (dir / "missing.prm").string()), InputError);
  std::ofstream(dir / "input.txt") << "set x = 1\n";
  EXPECT_THROW(parse_parameter_input(prm, (dir / "input.txt").string()), InputError);
}

namespace
{
  // Transport/Linear tolerance etc. now live in Transport/Linear solver.
  void declare_transport(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Transport");
    prm.declare_entry("Newton tolerance", "1e-9", dealii::Patterns::Double(0.), "[-]");
    LinearSolverSettings::declare_parameters(prm, LinearSolverSettings(), "GMRES");
    prm.leave_subsection();
  }
} // namespace

TEST(ParameterFile, MovedEntriesAreRewrittenIntoTheirSubsection)
{
  const auto moved = LinearSolverSettings::moved_entries("Transport");
  std::vector<unsigned int> line_of;
  // Only the moved entry of the right section moves; comments and other
  // sections are kept, and each output line knows its input line.
  const std::string text = "subsection Transport   # the field\n"
                           "  set   Linear   tolerance = 1e-12 # old layout\n"
                           "  set Newton tolerance = 1e-11\n"
                           "end\n"
                           "subsection Mechanics\n"
                           "  set Linear tolerance = 1e-8\n"
                           "end\n";
  EXPECT_EQ(move_entries(text, moved, &line_of), "subsection Transport   # the field\n"
                                                 "subsection Linear solver\n"
                                                 "  set Tolerance = 1e-12\n"
                                                 "end\n"
                                                 "  set Newton tolerance = 1e-11\n"
                                                 "end\n"
                                                 "subsection Mechanics\n"
                                                 "  set Linear tolerance = 1e-8\n"
                                                 "end\n");
  EXPECT_EQ(line_of, (std::vector<unsigned int>{1, 2, 2, 2, 3, 4, 5, 6, 7}));

  // Read from a file of the older layout: the values arrive at the new place.
  const fs::path dir = scratch("moved");
  std::ofstream(dir / "old.prm") << "subsection Transport\n  set Linear solver = direct\n"
                                    "  set Maximum linear iterations = 77\n  set Reuse preconditioner = false\nend\n";
  dealii::ParameterHandler prm;
  declare_transport(prm);
  parse_parameter_input(prm, (dir / "old.prm").string(), moved);
  prm.enter_subsection("Transport");
  LinearSolverSettings settings;
  settings.parse_parameters(prm);
  prm.leave_subsection();
  EXPECT_TRUE(settings.direct());
  EXPECT_EQ(settings.maximum_iterations, 77u);
  EXPECT_FALSE(settings.reuse_preconditioner);

  // An error in a rewritten file names the file and its own line number.
  std::ofstream(dir / "bad.prm") << "subsection Transport\n  set Linear tolerance = 1e-12\n"
                                    "  set Newton tolerance = fast\nend\n";
  dealii::ParameterHandler prm2;
  declare_transport(prm2);
  try
    {
      parse_parameter_input(prm2, (dir / "bad.prm").string(), moved);
      FAIL() << "expected an InputError";
    }
  catch (const InputError &error)
    {
      const std::string message = error.what();
      EXPECT_NE(message.find("Line <3> of file <" + (dir / "bad.prm").string() + ">"), std::string::npos) << message;
      EXPECT_NE(message.find("Newton tolerance"), std::string::npos) << message;
    }
}

TEST(HistoryWriter, WritesHeaderExistingRowsAndNewRows)
{
  const fs::path dir = scratch("history");
  {
    HistoryWriter history((dir / "history.csv").string(), "a,b", MPI_COMM_WORLD, "1,2\n");
    history.add("3,4");
    // Flushed after every row: a killed run keeps what it computed.
    EXPECT_EQ(read(dir / "history.csv"), "a,b\n1,2\n3,4\n");
    EXPECT_EQ(history.rows(), "1,2\n3,4\n");
  }
  EXPECT_THROW(HistoryWriter((dir / "no-such-dir" / "history.csv").string(), "a", MPI_COMM_WORLD), InputError);
}

TEST(HistoryRow, HasOneValueForEveryColumn)
{
  HistoryRow row;
  row.step.step             = 7;
  row.step.time             = 1.5;
  row.step.state.mean_x     = 0.123456789012345;
  row.crack.max_damage      = 0.5;
  row.crack.staggered_iterations = 9;
  row.mechanics.min_effective_diffusivity_ratio = -0.25;
  row.step.state.std_x      = 0.0625;
  row.mechanics.crack_opening = 2.5e-13;
  row.step.rejected_steps   = 3;
  const std::string header  = HistoryRow::header();
  const std::string line    = row.format();
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(line.begin(), line.end(), ','));
  EXPECT_EQ(line.substr(0, 6), "7,1.5,");
  EXPECT_NE(line.find("0.123456789012345"), std::string::npos); // 15 significant digits
  const std::string tail = ",0.5,9,-0.25,0.0625,2.5e-13,3";
  EXPECT_EQ(line.substr(line.size() - tail.size()), tail);
  const std::string columns = ",min_effective_diffusivity_ratio,std_x,crack_opening,rejected_steps";
  EXPECT_EQ(header.substr(header.size() - columns.size()), columns);
}
