// Loops of fixed length without early exits or branches, so that the compiler vectorizes them: the largest
// magnitude is found on the bit patterns (for non-negative floats integer order is float order, and NaN's bits lie
// above infinity's), and every value is tested whatever the others gave. A Swift loop that stopped at the first
// inexact value took a third of mnist-infogan's load; Swift's SIMD types compiled to scalar code here.

#include "gs_quant.h"

#include <stdint.h>

#pragma STDC FP_CONTRACT OFF

int gs_q8_exact(const float *block, signed char *quants, float *scale) {
    uint32_t bits[32], largestBits = 0;
    __builtin_memcpy(bits, block, sizeof bits);
    for (int i = 0; i < 32; i++) {
        uint32_t m = bits[i] & 0x7fffffffu;
        largestBits = m > largestBits ? m : largestBits;
    }
    if (largestBits >= 0x7f800000u) return 0;  // an infinity or a NaN
    if (largestBits == 0) {  // zeros of either sign
        __builtin_memset(quants, 0, 32);
        *scale = 0.0f;
        return 1;
    }
    float largest;
    __builtin_memcpy(&largest, &largestBits, sizeof largest);
    const float s = largest / 127.0f;
    if (s == 0.0f) return 0;  // the largest a subnormal so small that its 127th rounds to zero
    int inexact = 0;
    int q[32];
    for (int i = 0; i < 32; i++) {
        // |x| <= 127 up to rounding, since s = max |v| / 127: the int conversion cannot overflow.
        float x = block[i] / s;
        int whole = (int)x;
        float fraction = x - (float)whole;
        int r = whole + (fraction >= 0.5f) - (fraction <= -0.5f);
        inexact |= (r > 127) | (r < -127) | ((float)r * s != block[i]);
        q[i] = r;
    }
    if (inexact) return 0;
    for (int i = 0; i < 32; i++) quants[i] = (signed char)q[i];
    *scale = s;
    return 1;
}
