// Builds against the installed camfrac and runs a tiny 2D particle.
#include <camfrac/simulation.h>

#include <deal.II/base/mpi.h>

#include <iostream>

int main(int argc, char **argv)
{
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  dealii::ParameterHandler prm;
  camfrac::Simulation<2>::declare_parameters(prm);
  prm.parse_input_from_string("set Dimension = 2\n"
                              "subsection Geometry\n set Global refinements = 1\nend\n"
                              "subsection Protocol\n set Steps = charge 1C for 2 min\nend\n"
                              "subsection Output\n set Directory = downstream-output\n set Write fields = false\nend\n");
  camfrac::Simulation<2> simulation(prm);
  simulation.set_quiet(true);
  simulation.run();
  const auto &last = simulation.history().back();
  std::cout << "camfrac " << camfrac::version() << ": t = " << last.step.time << " s, V = " << last.step.voltage
            << " V, SOC = " << last.soc << std::endl;
  // 2 min at 1C moves 1/30 of the window.
  return std::abs(last.soc - 1. / 30.) < 2e-3 ? 0 : 1;
}
