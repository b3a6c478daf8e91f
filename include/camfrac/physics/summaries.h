// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
#pragma once

/// @file
/// Plain types the fields report and are driven by: the electrochemical
/// control of a step, the outcome of a trial step, and the particle-wide
/// summaries that become history.csv columns. No deal.II, no scheme.

#include <vector>

namespace camfrac
{
  /// How a time step is driven: a total current I [A] (positive on charge,
  /// i.e. delithiation), or a particle potential phi [V vs Li/Li+].
  struct Control
  {
    enum class Mode
    {
      current,
      voltage
    };
    Mode   mode  = Mode::current;
    double value = 0.;
  };

  /// Outcome of one trial time step.
  struct StepResult
  {
    bool         converged         = false;
    unsigned int newton_iterations = 0;
    unsigned int linear_iterations = 0;
    unsigned int coupling_iterations = 0; ///< c-u iterations of a coupled model (0 otherwise)
    /// Potentiostatic steps solved by continuation in phi: the number of stages (0: direct Newton).
    unsigned int continuation_stages = 0;
    double       voltage           = 0.; ///< phi [V]
    double       current           = 0.; ///< I [A], positive on charge
    double       max_change_x      = 0.; ///< max |x_new - x_old| over the particle [-]
    /// What failed when converged is false (docs/theory.md §5, history.csv rejected_steps).
    enum class Failure
    {
      none,
      newton,      ///< the transport Newton iteration
      coupling,    ///< the c-u iteration of chemo-mechanics
      mechanics,   ///< the mechanics solve (Newton of the split stress, or its linear solver)
      phase_field, ///< the phase-field solve
      staggered    ///< the staggered (c, u)-d iteration of fracture
    };
    Failure      failure = Failure::none;
    /// max |d_new - d_accepted| over the particle [-] (0 without fracture).
    double       max_change_d = 0.;
  };

  /// Volume-averaged and extreme Li fractions and the Li inventory.
  struct StateSummary
  {
    double mean_x      = 0.;
    double min_x       = 0.;
    double max_x       = 0.;
    /// Volume standard deviation of x over the particle, sqrt(<(x - mean_x)^2>) [-]:
    /// the Li heterogeneity (docs/theory.md §3, history column std_x).
    double std_x       = 0.;
    double lithium_mol = 0.; ///< int c dV [mol] (per metre of thickness in 2D)
  };

  /// Particle-wide mechanical indicators of one state (history.csv columns).
  struct MechanicalSummary
  {
    double       max_principal_stress = 0.;   ///< [Pa]
    double       max_hydrostatic_stress = 0.; ///< [Pa]
    double       min_hydrostatic_stress = 0.; ///< [Pa]
    double       elastic_energy = 0.;         ///< [J] (per metre of thickness in 2D)
    double       volume_change = 0.;          ///< particle Delta V / V (area change in 2D) [-]
    double       surface_hoop_stress = 0.;    ///< surface average of the tangential normal stress [Pa]
    double       center_hydrostatic_stress = 0.; ///< mean sigma_h within 0.2 R of the centre [Pa]
    /// Largest grain-boundary normal stress n.sigma.n over the grain-boundary band [Pa] (0 without grains).
    double       max_gb_normal_stress = 0.;
    /// Band-volume-weighted mean misorientation across grain boundaries (hexagonal symmetry) [degrees].
    double       mean_misorientation = 0.;
    /// Smallest (D + M (-ds/dc))/D over the quadrature points, with the
    /// fixed-strain -ds/dc (docs/theory.md §3.2); 1 without stress-coupled
    /// diffusion. Negative: the continuum problem is ill-posed there.
    double       min_effective_diffusivity_ratio = 1.;
    /// int d <eps_I(eps_e)>+ dV, eps_I the largest principal elastic strain (2D: in-plane): the
    /// crack opening integrated over the crack faces, a volume in 3D [m^3] and an area per unit
    /// thickness in 2D [m^2] (docs/theory.md §11.8); 0 without fracture or when the cracks are closed.
    double       crack_opening = 0.;
    unsigned int coupling_iterations = 0;
    unsigned int linear_iterations = 0;       ///< elasticity CG iterations of the last step
  };

  /// Crack indicators of one state (history.csv columns).
  struct CrackSummary
  {
    /// Gamma = int 1/c_w (w(d)/ell + ell |grad d|^2) dV: the crack area in 3D [m^2],
    /// length per unit thickness in 2D [m].
    double       crack_measure = 0.;
    double       intergranular = 0.; ///< part of Gamma inside the grain-boundary band
    double       intragranular = 0.; ///< the rest
    double       max_damage    = 0.; ///< max d over the nodes
    unsigned int staggered_iterations = 0;
  };

  /// The virtual operando XRD (docs/theory.md [XRD]): which pattern to compute.
  struct XrdSettings
  {
    double wavelength = 1.5406e-10; ///< [m]; Cu K-alpha1
    double bin_width  = 0.02;       ///< histogram bin in 2 theta [degrees]
    double window     = 2.5;        ///< histogram range: the stress-free reference peak +- window [degrees]
  };

  /// One reflection's volume distribution over the particle.
  struct XrdPeak
  {
    double mean_d         = 0.; ///< volume mean of the spacing [m]
    double std_d          = 0.; ///< volume standard deviation of the spacing [m]
    /// Standard deviations of the parts of the spacing change from the chemical strain
    /// (the spread in x) and from the elastic strain [m].
    double std_d_chemical = 0.;
    double std_d_elastic  = 0.;
    double mean_two_theta = 0.; ///< [degrees]
    double std_two_theta  = 0.; ///< [degrees]
    double reference_two_theta = 0.; ///< stress-free, at the reference stoichiometry [degrees]
    double first_bin      = 0.;  ///< centre of the first histogram bin [degrees]
    std::vector<double> histogram; ///< volume fraction per bin of 2 theta
    double outside        = 0.;  ///< volume fraction outside the histogram range
  };

  /// The virtual XRD of one state: what a powder diffractometer would see of
  /// many randomly oriented copies of the particle.
  struct XrdPattern
  {
    double  mean_x = 0., std_x = 0.;          ///< [-]
    double  mean_a = 0., std_a = 0.;          ///< lattice parameter a [m]
    double  mean_c = 0., std_c = 0.;          ///< lattice parameter c [m]
    double  mean_cell_volume = 0.;            ///< sqrt(3)/2 a^2 c [m^3]
    XrdPeak peak_003, peak_104;
  };
} // namespace camfrac
