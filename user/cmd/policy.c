// SPDX-License-Identifier: GPL-2.0
/* `tlsmon policy`: print every policy setting with its value, after the overrides given. */
#include "cmd/cmd.h"

#include <string.h>

int cmd_policy(int argc, char **argv)
{
	struct policy *p = policy__new();
	int status = 0;

	if (!p)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: tlsmon policy [--policy KEY=VALUE]... [--policy-file FILE]...\n"
			       "Print every policy setting with its value (defaults plus overrides, in\n"
			       "the order given), in the syntax of a policy file.\n\n"
			       "  --policy KEY=VALUE    override a setting (repeatable), e.g.\n"
			       "                        --policy min_rsa_bits=3072\n"
			       "  --policy-file FILE    settings, one KEY = VALUE per line, '#' comments\n"
			       "                        (repeatable)\n"
			       "  -h, --help            this text\n");
			goto out;
		}
		if (i + 1 < argc && (!strcmp(argv[i], "--policy") || !strcmp(argv[i], "--policy-file"))) {
			if (cmd__apply_policy_arg(p, !strcmp(argv[i], "--policy-file"), argv[i + 1])) {
				status = 2;
				goto out;
			}
			i++;
			continue;
		}
		fprintf(stderr, "tlsmon policy: %s '%s' (see `tlsmon policy --help`)\n",
			argv[i][0] == '-' ? "unknown option or missing value" : "unexpected argument",
			argv[i]);
		status = 2;
		goto out;
	}
	policy__print(p, stdout);
out:
	policy__free(p);
	return status;
}
