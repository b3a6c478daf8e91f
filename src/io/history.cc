// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// HistoryWriter: history.csv, written by rank 0 and flushed after every row.

#include <camfrac/io/errors.h>
#include <camfrac/io/history.h>

#include <deal.II/base/mpi.h>

namespace camfrac
{
  HistoryWriter::HistoryWriter(const std::string &file_name, const std::string &header, const MPI_Comm communicator,
                               const std::string &existing_rows)
    : text(existing_rows)
  {
    // Rank 0 writes; all ranks share the verdict so that none hangs.
    std::string problem;
    if (dealii::Utilities::MPI::this_mpi_process(communicator) == 0 && !file_name.empty())
      {
        file.open(file_name);
        if (file)
          file << header << '\n' << existing_rows << std::flush;
        if (!file)
          problem = "cannot write '" + file_name + "'";
      }
    problem = dealii::Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      throw InputError(problem);
  }

  void HistoryWriter::add(const std::string &row)
  {
    text += row + '\n';
    if (file.is_open())
      file << row << '\n' << std::flush;
  }
} // namespace camfrac
