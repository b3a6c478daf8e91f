// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

#include <camfrac/io/errors.h>

#include <deal.II/base/mpi.h>
#include <deal.II/base/utilities.h>
#include <deal.II/numerics/data_out.h>

#include <filesystem>
#include <string>
#include <vector>

namespace camfrac
{
  /**
   * Write the patches of @p data_out (built already) to
   * directory/stem-NNNNN.h5 with deal.II's parallel HDF5 writer, append the
   * time step to @p entries and rewrite directory/stem.xdmf atomically
   * (temporary file + rename on rank 0, verdict broadcast), so that a killed
   * run never leaves a broken index and no rank waits for another.
   * Collective. Duplicate vertices are merged only if @p merge_vertices
   * (never for discontinuous fields).
   */
  template <int dim>
  void write_fields_xdmf(const dealii::DataOut<dim>      &data_out,
                         const std::string               &directory,
                         const std::string               &stem,
                         const unsigned int               index,
                         const double                     time,
                         const bool                       merge_vertices,
                         std::vector<dealii::XDMFEntry>  &entries,
                         const MPI_Comm                   communicator)
  {
    dealii::DataOutBase::DataOutFilter filter(dealii::DataOutBase::DataOutFilterFlags(merge_vertices, true));
    data_out.write_filtered_data(filter);
    const std::string h5_name = stem + "-" + dealii::Utilities::int_to_string(index, 5) + ".h5";
    data_out.write_hdf5_parallel(filter, directory + "/" + h5_name, communicator);
    entries.push_back(data_out.create_xdmf_entry(filter, h5_name, time, communicator));
    const std::string xdmf = directory + "/" + stem + ".xdmf";
    data_out.write_xdmf_file(entries, xdmf + ".tmp", communicator);
    std::string problem;
    if (dealii::Utilities::MPI::this_mpi_process(communicator) == 0)
      {
        std::error_code error;
        std::filesystem::rename(xdmf + ".tmp", xdmf, error);
        if (error)
          problem = "cannot write '" + xdmf + "': " + error.message();
      }
    problem = dealii::Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      throw InputError(problem);
  }
} // namespace camfrac
