// SPDX-License-Identifier: GPL-2.0
/* process_* metrics: the /proc/PID/stat parser, and a render of this very process. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "daemon/proc_self.h"

/* A line as Linux 6.x writes it, the command name holding ") (" and spaces. */
static const char stat_line[] =
	"4242 (a) (b c) S 1 4242 4242 0 -1 4194560 1186 0 0 0 17 5 0 0 20 0 3 0 123456 "
	"25649152 1536 18446744073709551615 1 1 0 0 0 0 0 4096 17664 0 0 0 17 1 0 0 0 0 0\n";

static void test_parse_stat(void)
{
	struct proc_stat st;

	CHECK_EQ(proc_self__parse_stat(stat_line, strlen(stat_line), &st), 0);
	CHECK_EQ(st.utime, 17);
	CHECK_EQ(st.stime, 5);
	CHECK_EQ(st.starttime, 123456);
	CHECK_EQ(st.vsize, 25649152);
	CHECK_EQ(st.rss, 1536);
}

static void test_parse_stat_bad(void)
{
	static const char no_paren[] = "4242 a S 1 2 3";
	static const char short_line[] = "4242 (a) S 1 4242 4242 0 -1 4194560 1186 0 0 0 17 5";
	struct proc_stat st;

	CHECK_EQ(proc_self__parse_stat(no_paren, strlen(no_paren), &st), -EINVAL);
	CHECK_EQ(proc_self__parse_stat(short_line, strlen(short_line), &st), -EINVAL);
	CHECK_EQ(proc_self__parse_stat(stat_line, 0, &st), -EINVAL);
}

static double value_of(const char *text, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(text, key);
	return p ? strtod(p + strlen(key), NULL) : -1;
}

/* This process: RSS and open fds above 0, start time within a minute of now, max fds >= open. */
static void test_render_self(void)
{
	struct sbuf b;
	double now = (double)time(NULL), start;
	void *volatile touch = malloc(1 << 20);

	sbuf__init(&b);
	memset(touch, 1, 1 << 20);
	proc_self__render(&b);
	CHECK(b.buf != NULL);
	CHECK(value_of(b.buf, "process_resident_memory_bytes") >= (1 << 20));
	CHECK(value_of(b.buf, "process_virtual_memory_bytes") >=
	      value_of(b.buf, "process_resident_memory_bytes"));
	CHECK(value_of(b.buf, "process_cpu_seconds_total") >= 0);
	start = value_of(b.buf, "process_start_time_seconds");
	CHECK(start > now - 60 && start <= now + 1);
	CHECK(value_of(b.buf, "process_open_fds") >= 3);
	CHECK(value_of(b.buf, "process_max_fds") >= value_of(b.buf, "process_open_fds"));
	CHECK(strstr(b.buf, "# TYPE process_cpu_seconds_total counter\n"));
	free(touch);
	sbuf__free(&b);
}

int main(void)
{
	RUN_TEST(test_parse_stat);
	RUN_TEST(test_parse_stat_bad);
	RUN_TEST(test_render_self);
	return CHECK_DONE();
}
