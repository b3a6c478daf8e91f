// SPDX-License-Identifier: LGPL-2.1-or-later
// GoogleTest main with MPI initialised (deal.II's distributed classes need it).
#include <deal.II/base/mpi.h>

#include <gtest/gtest.h>

int main(int argc, char **argv)
{
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 reports, so that 2-rank output stays readable.
  if (dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) != 0)
    delete ::testing::UnitTest::GetInstance()->listeners().Release(
      ::testing::UnitTest::GetInstance()->listeners().default_result_printer());
  return RUN_ALL_TESTS();
}
