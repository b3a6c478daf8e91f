#pragma once
#include <camfrac/physics/transport.h>
