// A 2D particle cross-section (disk, R = 5 um) cut into 4 grains, meshed with
// quadrilaterals for camfrac's imported-microstructure example.
// Regenerate:  gmsh -2 -format msh22 disk-4-grains.geo -o disk-4-grains.msh
// Lengths below are in micrometres; Mesh.ScalingFactor writes metres.
SetFactory("Built-in");
R = 5; h = 0.6;
Point(1) = {0, 0, 0, h};
Point(2) = {R*Cos(20*Pi/180),  R*Sin(20*Pi/180),  0, h};
Point(3) = {R*Cos(110*Pi/180), R*Sin(110*Pi/180), 0, h};
Point(4) = {R*Cos(200*Pi/180), R*Sin(200*Pi/180), 0, h};
Point(5) = {R*Cos(290*Pi/180), R*Sin(290*Pi/180), 0, h};
Point(6) = {-1.0, 0.5, 0, h};   // triple junctions
Point(7) = {1.2, -0.4, 0, h};
Circle(1) = {2, 1, 3};
Circle(2) = {3, 1, 4};
Circle(3) = {4, 1, 5};
Circle(4) = {5, 1, 2};
Line(5) = {3, 6};
Line(6) = {6, 7};
Line(7) = {7, 2};
Line(8) = {4, 6};
Line(9) = {5, 7};
Curve Loop(1) = {1, 5, 6, 7};      // top grain
Curve Loop(2) = {2, 8, -5};        // left grain
Curve Loop(3) = {3, 9, -6, -8};    // bottom grain
Curve Loop(4) = {4, -7, -9};       // right grain
Plane Surface(1) = {1};
Plane Surface(2) = {2};
Plane Surface(3) = {3};
Plane Surface(4) = {4};
Physical Surface(1) = {1};
Physical Surface(2) = {2};
Physical Surface(3) = {3};
Physical Surface(4) = {4};
Physical Curve(100) = {1, 2, 3, 4};
Mesh.SubdivisionAlgorithm = 1;     // all quadrilaterals
Mesh.ScalingFactor = 1e-6;
