#pragma once

// The data model lives in model/; this header stays until agent/ includes model/ directly.
#include "model/assignment.hpp"
#include "model/container.hpp"
