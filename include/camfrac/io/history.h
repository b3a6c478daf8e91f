// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <deal.II/base/mpi.h>

#include <fstream>
#include <string>

namespace camfrac
{
  /**
   * A CSV file with one row per accepted step, written and flushed by rank 0
   * so that a killed run keeps what it computed. It knows nothing of the
   * columns: the caller gives the header line and formats the rows
   * (coupling/history_row.h does that for a particle run).
   */
  class HistoryWriter
  {
  public:
    /// @p file_name empty: write nothing. Collective; throws InputError on
    /// every rank if rank 0 cannot write the file. @p existing_rows: rows
    /// (lines with '\n') written after the header before any new row, e.g.
    /// those of a checkpoint.
    HistoryWriter(const std::string &file_name, const std::string &header, MPI_Comm communicator,
                  const std::string &existing_rows = "");
    /// Append one row (without the line end); rank 0 writes it.
    void add(const std::string &row);
    /// Every row so far, the existing ones included, each ending in '\n':
    /// the file without its header (what a checkpoint keeps).
    const std::string &rows() const { return text; }

  private:
    std::ofstream file;
    std::string   text;
  };
} // namespace camfrac
