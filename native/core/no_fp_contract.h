// Included first (before any other header) by every file whose floating-point results must
// not depend on whether the compiler fuses a*b+c into one rounding (FMA contraction): the CPU
// backtest engine, which rounds every operation as the TypeScript reference does, and every
// file that compiles the indicator streams (indicator_streams.h), whose one-series, lane and
// chunked copies must round alike. The pragma holds for the rest of the including file.
#pragma once
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
