/* SPDX-License-Identifier: ISC */
/* Strict number parsing: the whole text must be a plain decimal number. */
#ifndef CHECK_TCPPORT_NUMBER_H
#define CHECK_TCPPORT_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

bool number_parse_double(const char *text, size_t len, double *value);
bool number_parse_long(const char *text, long min, long max, long *value);
size_t number_fixed(char *buf, size_t size, double value, int decimals);
double number_square_root(double x);
size_t number_format(char *buf, size_t size, double value, int decimals);

#endif
