#include "gs_png.h"
