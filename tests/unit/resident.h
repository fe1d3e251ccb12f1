/* The resident set of the test process, for tests that check memory is not touched before it is
 * used: one reading of /proc/self/statm. */
#ifndef TLSMON_TEST_RESIDENT_H
#define TLSMON_TEST_RESIDENT_H

#include <stdio.h>
#include <unistd.h>

/* Resident bytes of this process, 0 if unknown. */
static inline long resident_bytes(void)
{
	long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

#endif
