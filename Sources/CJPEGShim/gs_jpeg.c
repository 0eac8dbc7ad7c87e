#include "gs_jpeg.h"
