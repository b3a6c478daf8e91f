// SPDX-License-Identifier: LGPL-2.1-or-later
// A fracture specimen (bar, plate) built from the library's mechanics and
// phase-field classes with displacement-controlled loading, as a research
// code would drive them: the staggered loop to tolerance of docs/theory.md
// §11.4 without transport. Shared by the tests and benchmarks/sent.cc.
#pragma once

#include <camfrac/physics/mechanics.h>
#include <camfrac/physics/phase_field.h>

#include <deal.II/base/function.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/grid/tria.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

namespace camfrac::testing
{
  /// u_component = amplitude on a boundary, 0 for the other components.
  template <int dim>
  class BoundaryDisplacement : public dealii::Function<dim>
  {
  public:
    explicit BoundaryDisplacement(const unsigned int component)
      : dealii::Function<dim>(dim)
      , component(component)
    {}
    double value(const dealii::Point<dim> &, const unsigned int c) const override
    {
      return c == component ? amplitude : 0.;
    }
    double       amplitude = 0.;
    unsigned int component;
  };

  /**
   * The single-edge-notched plate [0, a]^2 of ../shared/VERIFICATION.md §D:
   * an n x n grid (n even) whose nodes on y = a/2, x < a/2 are doubled, so
   * that the notch is a slit in the mesh. Boundary ids: 0 left, 1 right,
   * 2 bottom, 3 top, 4 the notch faces.
   */
  inline void make_notched_plate(dealii::Triangulation<2> &triangulation, const unsigned int n, const double a)
  {
    std::vector<dealii::Point<2>> vertices;
    for (unsigned int j = 0; j <= n; ++j)
      for (unsigned int i = 0; i <= n; ++i)
        vertices.emplace_back(a * i / n, a * j / n);
    const unsigned int mid = n / 2;
    std::vector<unsigned int> upper_copy(n + 1);
    for (unsigned int i = 0; i <= n; ++i)
      if (i < mid)
        {
          upper_copy[i] = vertices.size();
          vertices.emplace_back(a * i / n, a / 2);
        }
      else
        upper_copy[i] = mid * (n + 1) + i;
    std::vector<dealii::CellData<2>> cells;
    for (unsigned int j = 0; j < n; ++j)
      for (unsigned int i = 0; i < n; ++i)
        {
          dealii::CellData<2> cell;
          const auto vertex = [&](const unsigned int ii, const unsigned int jj) {
            return (jj == mid && j == mid) ? upper_copy[ii] : jj * (n + 1) + ii;
          };
          cell.vertices = {vertex(i, j), vertex(i + 1, j), vertex(i, j + 1), vertex(i + 1, j + 1)};
          cells.push_back(cell);
        }
    triangulation.create_triangulation(vertices, cells, dealii::SubCellData());
    for (const auto &cell : triangulation.active_cell_iterators())
      for (const auto &face : cell->face_iterators())
        if (face->at_boundary())
          {
            const dealii::Point<2> c = face->center();
            face->set_boundary_id(c[0] < 1e-12 * a ? 0 : c[0] > (1. - 1e-12) * a ? 1 : c[1] < 1e-12 * a ? 2 :
                                  c[1] > (1. - 1e-12) * a                       ? 3 : 4);
          }
  }

  template <int dim, typename LA = TrilinosBackend>
  struct FractureSpecimen
  {
    using Vector = typename LA::Vector;
    dealii::parallel::distributed::Triangulation<dim> triangulation;
    MechanicalMaterial                                material;
    MechanicsSettings                                 mechanics_settings;
    FractureSettings                                  fracture_settings;
    dealii::FE_Q<dim>                                 c_fe;
    dealii::DoFHandler<dim>                           c_dofs;
    Vector                                            c; // uniform concentration, ghosted
    std::unique_ptr<MechanicsField<dim, LA>>          mechanics;
    std::unique_ptr<PhaseField<dim, LA>>              phase_field;
    unsigned int                                      total_staggered_iterations = 0;
    // Reused by the driving force (one per staggered iteration and cell).
    std::unique_ptr<dealii::FEValues<dim>> c_values_fe;
    std::vector<double>                    c_values;
    std::vector<MaterialPointState>        states;

    FractureSpecimen()
      : triangulation(MPI_COMM_WORLD)
      , c_fe(1)
      , c_dofs(triangulation)
    {
      material.set_isotropic_chemical_strain(0., 0., 1.);
      mechanics_settings.enabled          = true;
      mechanics_settings.linear_solver.tolerance = 1e-12;
      mechanics_settings.newton_tolerance        = 1e-12;
      fracture_settings.enabled           = true;
    }

    typename MechanicsField<dim, LA>::ConcentrationView concentration() const { return {&c_dofs, &c}; }

    /// Build the fields after the mesh, materials and settings; @p constrain adds the
    /// boundary conditions to the mechanics field before its setup.
    void setup(const std::function<void(MechanicsField<dim, LA> &)> &constrain,
               const std::function<bool(const dealii::Point<dim> &)> &initial_crack = {},
               const double concentration_value = 0.)
    {
      c_dofs.distribute_dofs(c_fe);
      dealii::IndexSet relevant;
      dealii::DoFTools::extract_locally_relevant_dofs(c_dofs, relevant);
      Vector owned(c_dofs.locally_owned_dofs(), MPI_COMM_WORLD);
      owned = concentration_value;
      c.reinit(c_dofs.locally_owned_dofs(), relevant, MPI_COMM_WORLD);
      c = owned;

      mechanics = std::make_unique<MechanicsField<dim, LA>>(triangulation, material, mechanics_settings, 1);
      constrain(*mechanics);
      mechanics->set_energy_split(fracture_settings.split, fracture_settings.stress_degradation);
      mechanics->setup();
      phase_field = std::make_unique<PhaseField<dim, LA>>(triangulation, fracture_settings);
      if (initial_crack)
        phase_field->set_initial_crack(initial_crack);
      phase_field->setup();
      phase_field->set_driving_force([this](const auto &cell, const dealii::Quadrature<dim> &quadrature,
                                            std::vector<double> &psi) {
        if (!c_values_fe || c_values_fe->get_quadrature().get_points() != quadrature.get_points())
          c_values_fe = std::make_unique<dealii::FEValues<dim>>(mechanics->get_mapping(), c_fe, quadrature,
                                                                dealii::update_values);
        c_values.resize(quadrature.size());
        c_values_fe->reinit(typename dealii::DoFHandler<dim>::active_cell_iterator(&triangulation, cell->level(),
                                                                                   cell->index(), &c_dofs));
        c_values_fe->get_function_values(c, c_values);
        mechanics->evaluate(cell, quadrature, c_values, states);
        psi.resize(quadrature.size());
        for (unsigned int q = 0; q < quadrature.size(); ++q)
          psi[q] = states[q].positive_energy_density;
      });
      apply_damage();
    }

    void apply_damage()
    {
      mechanics->set_damage({&phase_field->get_dof_handler(), &phase_field->damage(),
                             fracture_settings.residual_stiffness});
    }

    /// One load step: alternate u and d until the equilibrium residual and the
    /// change of d are below tolerance. Returns the iterations.
    unsigned int step(const unsigned int maximum_iterations = 2000)
    {
      phase_field->reset_trial();
      apply_damage();
      for (unsigned int k = 1; k <= maximum_iterations; ++k)
        {
          mechanics->solve(concentration());
          const double change = phase_field->solve();
          apply_damage();
          const double residual = mechanics->relative_residual(concentration());
          if (residual < fracture_settings.staggered_tolerance && change < fracture_settings.damage_tolerance)
            {
              // u for the final d.
              mechanics->solve(concentration());
              mechanics->accept();
              phase_field->accept();
              total_staggered_iterations += k;
              return k;
            }
        }
      throw std::runtime_error("staggered loop did not converge");
    }

    /// The total energy int g(d) psi+ + psi- dV + G_c Gamma of the current u and trial d (uniform
    /// G_c; no external work: the tests hold the boundary data fixed). Collective.
    double total_energy() const
    {
      return mechanics->summary(concentration()).elastic_energy +
             fracture_settings.toughness * phase_field->crack_summary().crack_measure;
    }

    /// Max of d over the nodes.
    double max_damage() const { return phase_field->crack_summary().max_damage; }
  };
  /**
   * Single-edge-notched tension (../shared/VERIFICATION.md §D) on @p specimen:
   * the notched 1 x 1 mm plate of make_notched_plate(16) with the band
   * |y - 0.5 mm| < @p band_mm refined @p refinements times, lambda = 121.15 GPa,
   * mu = 80.77 GPa, G_c = 2.7 N/mm, length scale @p ell_mm, k = 1e-6; bottom
   * clamped, top pulled by @p pull (u_x = 0 there). Set the split and the
   * tolerances in specimen.fracture_settings before calling.
   */
  template <typename LA>
  void setup_sent(FractureSpecimen<2, LA> &specimen, const unsigned int refinements, const double band_mm,
                  const double ell_mm, const std::shared_ptr<BoundaryDisplacement<2>> &pull)
  {
    const double mm = 1e-3;
    make_notched_plate(specimen.triangulation, 16, mm);
    for (unsigned int level = 0; level < refinements; ++level)
      {
        for (const auto &cell : specimen.triangulation.active_cell_iterators())
          if (cell->is_locally_owned() && std::abs(cell->center()[1] - 0.5 * mm) < band_mm * mm)
            cell->set_refine_flag();
        specimen.triangulation.execute_coarsening_and_refinement();
      }
    const double lambda = 121.15e9, mu = 80.77e9;
    specimen.material.set_isotropic_elasticity(mu * (3. * lambda + 2. * mu) / (lambda + mu),
                                               lambda / (2. * (lambda + mu)));
    specimen.fracture_settings.toughness          = 2.7e3;
    specimen.fracture_settings.length_scale       = ell_mm * mm;
    specimen.fracture_settings.residual_stiffness = 1e-6;
    auto fixed                                    = std::make_shared<BoundaryDisplacement<2>>(0);
    specimen.setup([&](MechanicsField<2, LA> &m) {
      m.add_dirichlet_boundary(2, fixed, dealii::ComponentMask(2, true));
      m.add_dirichlet_boundary(3, pull, dealii::ComponentMask(2, true));
    });
  }
} // namespace camfrac::testing
