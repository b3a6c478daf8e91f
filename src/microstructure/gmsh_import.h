// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Reading a gmsh mesh into a serial triangulation, shared by the particle
// geometry and the imported microstructures (src/ only, not installed).
#pragma once

#include <camfrac/io/errors.h>

#include <deal.II/grid/grid_in.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/tria.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace camfrac
{
  namespace internal
  {
    using namespace dealii;
    template <int dim>
    void read_gmsh(const std::string &file_name, Triangulation<dim> &serial, const double scale)
    {
      std::ifstream in(file_name);
      if (!in)
        throw InputError("parameter 'Geometry/Mesh file': cannot open '" + file_name + "'");
      GridIn<dim> grid_in;
      grid_in.attach_triangulation(serial);
      try
        {
          grid_in.read_msh(in);
        }
      catch (const std::exception &error)
        {
          std::string reason = one_line_message(error);
          std::replace(reason.begin(), reason.end(), ';', ','); // one message, one list item for tools
          throw InputError("parameter 'Geometry/Mesh file': '" + file_name +
                           "' is not a readable gmsh mesh of quadrilaterals (2D) or hexahedra (3D): " + reason);
        }
      if (scale != 1.)
        GridTools::scale(scale, serial);
    }
  } // namespace internal
} // namespace camfrac
